"""TLS towards other installations: the peers' CA (``EXCHANGE_CA_FILE``) and, where receivers require
mutual TLS, this installation's client certificate (``EXCHANGE_CLIENT_CERT_FILE`` and
``EXCHANGE_CLIENT_KEY_FILE``, PEM; the key may be in the certificate's file). One context per setting,
made once: loading the trusted certificates costs 10–100 ms. Used by the dispatcher and the directory
pull; a changed file is read after a restart."""

from __future__ import annotations

import functools
import ssl

from django.conf import settings

from core.errors import ApplicationError


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
    context = ssl.create_default_context(cafile=cafile)
    if keyfile and not certfile:
        raise TLSConfigError(
            "Đã khai báo khóa (EXCHANGE_CLIENT_KEY_FILE) mà thiếu chứng thư TLS của máy chủ "
            "(EXCHANGE_CLIENT_CERT_FILE)."
        )
    if certfile:
        try:
            context.load_cert_chain(certfile, keyfile)
        except (OSError, ssl.SSLError) as exc:  # missing, unreadable, not PEM, key not the certificate's
            raise TLSConfigError(
                f"Không dùng được chứng thư TLS của máy chủ để kết nối liên thông "
                f"(EXCHANGE_CLIENT_CERT_FILE={certfile}, EXCHANGE_CLIENT_KEY_FILE={keyfile or '—'}): {exc}"
            ) from exc
    return context


def check() -> str:
    """The configuration's problem in Vietnamese, or "" when the client certificate (if any) loads."""
    try:
        client_context()
    except TLSConfigError as exc:
        return exc.message
    return ""
