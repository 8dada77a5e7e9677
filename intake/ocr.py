"""OCR of scans: images to PDF, page clean-up (deskew, rotation), Tesseract's Vietnamese model through
OCRmyPDF, a PDF/A with a text layer, and the text page by page.

Pure file work in a temporary directory: nothing here touches the database or the file store.
"""

from __future__ import annotations

import io
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from core.errors import ApplicationError

log = logging.getLogger(__name__)

IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/tiff"})
SCAN_TYPES = IMAGE_TYPES | {"application/pdf"}
SKIPPED = "[OCR skipped on page"
DEFAULT_DPI = 300  # assumed for images that do not say (scanners almost always do)

_lock = threading.Lock()  # OCRmyPDF allows one run per process; queue ours explicitly

Progress = Callable[[float], None]  # fraction 0..1 of the OCR step


class OcrFailed(ApplicationError):
    status = 422
    code = "ocr_failed"
    message = "Không nhận dạng được bản quét."


@dataclass(frozen=True)
class OcrOutput:
    pdf: bytes  # the PDF/A with a text layer (empty when only the text was asked for)
    pages: list[str]  # text of each page
    seconds: float

    @property
    def text(self) -> str:
        return "\f".join(self.pages)


def image_to_pdf(data: bytes) -> bytes:
    """An image (several frames for a multi-page TIFF) as a PDF with the image's own resolution."""
    import img2pdf
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            dpi = image.info.get("dpi")
            needs_convert = image.mode in ("RGBA", "LA", "P", "I;16") or (
                image.mode == "RGB" and image.format == "PNG" and "transparency" in image.info
            )
            frames: list[bytes] = []
            if needs_convert:
                for index in range(getattr(image, "n_frames", 1)):
                    image.seek(index)
                    out = io.BytesIO()
                    image.convert("L" if image.mode in ("LA", "I;16") else "RGB").save(out, "PNG", dpi=dpi)
                    frames.append(out.getvalue())
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise OcrFailed("Ảnh quét bị hỏng hoặc không đọc được.", code="invalid_image") from exc
    layout = None
    if not dpi or min(float(dpi[0]), float(dpi[1])) < 50:
        layout = img2pdf.get_fixed_dpi_layout_fun((DEFAULT_DPI, DEFAULT_DPI))
    try:
        extra = {"layout_fun": layout} if layout is not None else {}
        pdf = img2pdf.convert(frames or [data], rotation=img2pdf.Rotation.ifvalid, **extra)
    except (img2pdf.ImageOpenError, ValueError, OSError) as exc:
        raise OcrFailed("Ảnh quét bị hỏng hoặc không đọc được.", code="invalid_image") from exc
    return bytes(pdf)


def _embedded_texts(pdf: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(str(pdf)).pages]


def _split_sidecar(sidecar: str, pdf: Path) -> list[str]:
    pages = sidecar.split("\f")
    if pages and not pages[-1].strip():
        pages = pages[:-1]
    if any(SKIPPED in page for page in pages):  # pages that already had text (born digital)
        embedded = _embedded_texts(pdf)
        pages = [
            embedded[i] if SKIPPED in page and i < len(embedded) else page for i, page in enumerate(pages)
        ]
    return [page.strip("\n") for page in pages]


def run_ocr(
    pdf: bytes,
    *,
    progress: Progress | None = None,
    pages: str | None = None,
    make_pdfa: bool = True,
) -> OcrOutput:
    """OCR a PDF (scanned pages; pages that already carry text are kept and their text read).

    ``pages`` ("1-2") limits the OCR to some pages; ``make_pdfa=False`` only reads the text (no PDF/A)."""
    import ocrmypdf
    from ocrmypdf import exceptions as ocr_errors

    from intake import ocr_progress

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="intake-") as tmp:
        src = Path(tmp) / "in.pdf"
        src.write_bytes(pdf)
        out = Path(tmp) / "out.pdf"
        sidecar = Path(tmp) / "out.txt"

        def listener(desc: str, done: float, total: float | None) -> None:
            if progress is not None and desc == "OCR" and total:
                progress(min(done / total, 1.0))

        options: dict[str, object] = {
            "language": [settings.INTAKE_OCR_LANGUAGE],
            "output_type": "pdfa" if make_pdfa else "none",
            "sidecar": sidecar,
            "jobs": settings.INTAKE_OCR_JOBS,
            "use_threads": True,
            "progress_bar": True,
            "plugins": ["intake.ocr_progress"],
            "skip_text": True,
            "tesseract_pagesegmode": settings.INTAKE_OCR_PSM,
            "tesseract_timeout": settings.INTAKE_OCR_TIMEOUT,
            "optimize": 0,
            # PDF/A made by OCRmyPDF itself (pikepdf), not Ghostscript: faster, and Debian 12's Ghostscript
            # 10.0.0 corrupts pages that already carry text (OCRmyPDF refuses it with skip_text)
            "pdfa_backend": "internal",
        }
        if settings.INTAKE_OCR_CLEAN:
            # rotation from Tesseract's orientation detection; deskew straightens the page kept in the
            # PDF/A; unpaper cleans only the image given to Tesseract (the archived page is untouched)
            options.update(deskew=True, rotate_pages=True, clean=True)
        if pages:
            options["pages"] = pages
        with _lock:
            ocr_progress.listener = listener
            try:
                ocrmypdf.ocr(src, out if make_pdfa else Path(os.devnull), **options)  # type: ignore[call-overload]
            except ocr_errors.EncryptedPdfError as exc:
                raise OcrFailed("Tệp PDF có mật khẩu, không nhận dạng được.", code="encrypted_pdf") from exc
            except ocr_errors.DigitalSignatureError as exc:
                raise OcrFailed(
                    "Tệp PDF đã được ký số: không được ghi lại nội dung, hãy vào sổ trực tiếp.",
                    code="signed_pdf",
                ) from exc
            except ocr_errors.MissingDependencyError as exc:
                log.error("OCR dependency missing: %s", exc)
                raise OcrFailed(
                    "Máy chủ chưa cài đủ phần mềm nhận dạng (Tesseract, Ghostscript).",
                    code="ocr_unavailable",
                ) from exc
            except (ocr_errors.ExitCodeException, OSError, ValueError) as exc:
                log.warning("OCR failed: %s", exc)
                raise OcrFailed(f"Không nhận dạng được bản quét ({type(exc).__name__}).") from exc
            finally:
                ocr_progress.listener = None
        text_pages = _split_sidecar(sidecar.read_text(encoding="utf-8", errors="replace"), src)
        output = out.read_bytes() if make_pdfa else b""
    return OcrOutput(pdf=output, pages=text_pages, seconds=time.perf_counter() - started)


@dataclass(frozen=True)
class HeaderZones:
    left: str
    right: str


HEADER_HEIGHT = 0.32  # of the page: issuer, number, marks (left); national title, place and date (right)
HEADER_SPLIT = (0.5, 0.42)  # left zone ends at 50 % of the width, right zone starts at 42 %


def header_zones(pdf: bytes, *, dpi: int = 300) -> HeaderZones:
    """Recognise the two header columns of page 1 apart.

    Tesseract's page layout analysis joins the left and right header columns into one line when their
    baselines nearly meet, and then reads neither ("Số 434-TB/ĐU" next to "Sông Lam, ngày …" comes out
    as debris). Read on their own, each column is clean. Two small Tesseract runs, in parallel."""
    import subprocess

    from PIL import Image

    with tempfile.TemporaryDirectory(prefix="intake-hdr-") as tmp:
        src = Path(tmp) / "p.pdf"
        src.write_bytes(pdf)
        command = ["pdftoppm", "-f", "1", "-l", "1", "-r", str(dpi), "-gray", "-png", "-singlefile"]
        command += [str(src), str(Path(tmp) / "page")]
        # fixed command (poppler-utils from the system packages) on our own temporary file
        subprocess.run(command, check=True, capture_output=True, timeout=settings.INTAKE_OCR_TIMEOUT)  # noqa: S603
        with Image.open(Path(tmp) / "page.png") as page:
            width, height = page.size
            top = page.crop((0, 0, width, int(height * HEADER_HEIGHT)))
            top.crop((0, 0, int(width * HEADER_SPLIT[0]), top.height)).save(Path(tmp) / "left.png")
            top.crop((int(width * HEADER_SPLIT[1]), 0, width, top.height)).save(Path(tmp) / "right.png")
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        procs = [
            subprocess.Popen(  # noqa: S603 (fixed command, our own temporary files)
                [  # noqa: S607 (tesseract-ocr from the system packages)
                    "tesseract",
                    str(Path(tmp) / f"{side}.png"),
                    "stdout",
                    "-l",
                    settings.INTAKE_OCR_LANGUAGE,
                    "--psm",
                    psm,
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
            )
            for side, psm in (("left", "6"), ("right", "6"))
        ]
        texts = []
        for proc in procs:
            out, _ = proc.communicate(timeout=settings.INTAKE_OCR_TIMEOUT)
            texts.append(out.decode("utf-8", errors="replace"))
    return HeaderZones(left=texts[0], right=texts[1])


def read_scan(pdf: bytes, *, pages: str | None = None) -> tuple[list[str], HeaderZones]:
    """Text and header zones as the pipeline gets them: OCR with the page clean-up, then the zones read on
    the straightened PDF/A (the same reading the upload pipeline stores, without storing anything)."""
    output = run_ocr(pdf, pages=pages)
    try:
        zones = header_zones(output.pdf)
    except Exception:  # the zones only sharpen the reading
        log.warning("header zones could not be read", exc_info=True)
        zones = HeaderZones("", "")
    return output.pages, zones
