"""LibreOffice's conversion: a run that crashes is tried once more; one that keeps failing is refused
with the reason in Vietnamese."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import docx
import pytest

from outgoing.drafting import convert
from outgoing.tests.pdftext import page_text


def _docx(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _crashing_once(tmp_path: Path) -> Path:
    """Stands for a LibreOffice crash, which cannot be provoked on demand: the first run kills itself with
    SIGSEGV after printing a backtrace line, the next ones run the real soffice."""
    real = shutil.which("soffice") or shutil.which("libreoffice")
    assert real, "LibreOffice is installed by scripts/system-deps.sh"
    script = tmp_path / "soffice"
    marker = tmp_path / "crashed"
    script.write_text(
        "#!/bin/sh\n"
        f'if [ ! -e "{marker}" ]; then touch "{marker}"; echo "soffice.bin(+0x107b)" >&2; kill -SEGV $$; fi\n'
        f'exec "{real}" "$@"\n'
    )
    script.chmod(0o755)
    return script


def test_a_crashed_conversion_is_tried_once_more(settings: Any, tmp_path: Path) -> None:
    settings.LIBREOFFICE_BIN = str(_crashing_once(tmp_path))
    pdf = convert.docx_to_pdf(_docx("Thông báo kết luận của Thường trực Tỉnh ủy"))
    assert (tmp_path / "crashed").exists()  # it did crash first
    assert "Thông báo kết luận của Thường trực Tỉnh ủy" in page_text(pdf)


def test_a_conversion_that_keeps_failing_is_refused_in_vietnamese(settings: Any) -> None:
    settings.LIBREOFFICE_BIN = "/bin/false"
    with pytest.raises(convert.ConversionFailed, match="LibreOffice không chuyển được văn bản sang PDF"):
        convert.docx_to_pdf(_docx("Báo cáo"))
