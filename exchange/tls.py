"""TLS towards other installations: the peers' CA (``EXCHANGE_CA_FILE``) and, where receivers require
mutual TLS, this installation's client certificate (``EXCHANGE_CLIENT_CERT_FILE`` and
``EXCHANGE_CLIENT_KEY_FILE``, PEM; the key may be in the certificate's file). One context per setting,
made once: loading the trusted certificates costs 10–100 ms. Used by the dispatcher and the directory
pull; a changed file is read after a restart."""

from __future__ import annotations

import functools
import logging
import ssl

from django.conf import settings

from core.errors import ApplicationError

log = logging.getLogger(__name__)


class TLSConfigError(ApplicationError):
    """The configured client certificate or key cannot be used (an operator's matter)."""

    status = 500
    code = "exchange_tls_config"


def client_context() -> ssl.SSLContext:
    """The context for connections to other installations, as the settings say now."""
    return _context(
        settings.EXCHANGE_CA_FILE or None,
        settings.EXCHANGE_CLIENT_CERT_FILE or None,
        settings.EXCHANGE_CLIENT_KEY_FILE or None,
    )


@functools.lru_cache(maxsize=4)
def _context(cafile: str | None, certfile: str | None, keyfile: str | None) -> ssl.SSLContext:
    """The context; a file that cannot be used is ``TLSConfigError`` — its message (shown to the
    administrators with the waiting package) names the setting, the log has the paths and the cause."""
    try:
        context = ssl.create_default_context(cafile=cafile)
    except (OSError, ssl.SSLError) as exc:  # missing, unreadable, not PEM
        log.error("EXCHANGE_CA_FILE=%s cannot be used: %s", cafile, exc)
        raise TLSConfigError(
            "Không dùng được tệp chứng thư gốc của mạng (EXCHANGE_CA_FILE) để kết nối liên thông: "
            "tệp thiếu, không đọc được hoặc không đúng định dạng PEM."
        ) from exc
    if keyfile and not certfile:
        raise TLSConfigError(
            "Đã khai báo khóa TLS (EXCHANGE_CLIENT_KEY_FILE) mà thiếu chứng thư TLS máy khách của hệ thống "
            "này (EXCHANGE_CLIENT_CERT_FILE)."
        )
    if certfile:
        try:
            context.load_cert_chain(certfile, keyfile)
        except (OSError, ssl.SSLError) as exc:  # missing, unreadable, not PEM, key not the certificate's
            log.error("EXCHANGE_CLIENT_CERT_FILE=%s, _KEY_FILE=%s unusable: %s", certfile, keyfile, exc)
            raise TLSConfigError(
                "Không dùng được chứng thư TLS máy khách của hệ thống này để kết nối liên thông "
                "(EXCHANGE_CLIENT_CERT_FILE, EXCHANGE_CLIENT_KEY_FILE): tệp thiếu, không đọc được hoặc khóa "
                "không khớp với chứng thư."
            ) from exc
    return context


def check() -> str:
    """The configuration's problem in Vietnamese, or "" when the client certificate (if any) loads."""
    try:
        client_context()
    except TLSConfigError as exc:
        return exc.message
    return ""
