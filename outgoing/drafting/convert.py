"""LibreOffice headless turns a .docx into PDF; called from worker tasks, never inside a transaction.

Each conversion runs ``soffice --convert-to pdf`` with a user profile of its own: a small pool of
profile folders under ``DATA_DIR/libreoffice``, each taken under an exclusive file lock, so parallel
workers never share a profile (LibreOffice refuses that) and a profile stays warm between runs (the
first run in a new profile is the slow "cold" start).
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from core.errors import ApplicationError

log = logging.getLogger(__name__)

POOL_SIZE = 4


class ConversionFailed(ApplicationError):
    status = 503
    code = "conversion_failed"


def soffice() -> str:
    configured = getattr(settings, "LIBREOFFICE_BIN", "") or ""
    found = configured or shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        raise ConversionFailed(
            "Máy chủ chưa cài LibreOffice nên chưa tạo được bản PDF "
            "(cài gói libreoffice-writer-nogui, xem docs/operations.md)."
        )
    return found


def _root() -> Path:
    root = Path(getattr(settings, "LIBREOFFICE_PROFILE_DIR", "") or settings.DATA_DIR / "libreoffice")
    root.mkdir(parents=True, exist_ok=True)
    return root


@contextmanager
def _profile() -> Iterator[Path]:
    """A free profile folder of the pool, held under an exclusive lock until the conversion ends."""
    root = _root()
    deadline = time.monotonic() + 120
    while True:
        for slot in range(POOL_SIZE):
            handle = open(root / f"profile-{slot}.lock", "a+")  # noqa: SIM115 (closed below)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            try:
                yield root / f"profile-{slot}"
                return
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
                handle.close()
        if time.monotonic() > deadline:
            raise ConversionFailed("Máy chủ đang bận chuyển đổi văn bản, vui lòng thử lại sau ít phút.")
        time.sleep(0.1)


ATTEMPTS = 2  # LibreOffice now and then crashes on a document it converts fine the next time


def docx_to_pdf(data: bytes, *, timeout: float = 120) -> bytes:
    """The PDF of a .docx; a failed run (LibreOffice crashed, seen under load) is tried once more, a
    timeout is not (it would only double the wait)."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _convert(data, timeout=timeout)
        except _RunFailed as exc:
            if attempt == ATTEMPTS:
                raise ConversionFailed(
                    f"LibreOffice không chuyển được văn bản sang PDF. {exc}".strip()
                ) from None
            log.warning("LibreOffice failed (attempt %s), trying again: %s", attempt, exc)
    raise AssertionError("unreachable")


class _RunFailed(Exception):
    """soffice ended without the PDF; the message is the end of what it printed."""


def _convert(data: bytes, *, timeout: float) -> bytes:
    binary = soffice()
    with _profile() as profile, tempfile.TemporaryDirectory(prefix="dieuhanh-lo-") as work:
        source = Path(work) / "van-ban.docx"
        source.write_bytes(data)
        command = [
            binary,
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            work,
            str(source),
        ]
        env = {**os.environ, "HOME": work, "SAL_USE_VCLPLUGIN": "svp"}
        try:
            done = subprocess.run(  # noqa: S603 (fixed command, our own temporary file)
                command, capture_output=True, timeout=timeout, env=env, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise ConversionFailed("Chuyển đổi sang PDF quá lâu và đã bị dừng.") from exc
        target = Path(work) / "van-ban.pdf"
        if done.returncode != 0 or not target.exists():
            raise _RunFailed((done.stderr or done.stdout).decode(errors="replace")[-300:])
        return target.read_bytes()
