"""OCR of scans: images to PDF, Tesseract's Vietnamese model through OCRmyPDF (one pass; the clean-up —
rotation, deskew, unpaper — only for pages read as debris), a PDF/A with a text layer, the text page by
page, and page 1's header columns read apart.

Pure file work in a temporary directory: nothing here touches the database or the file store.
"""

from __future__ import annotations

import io
import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    zones: HeaderZones | None = None  # page 1's header columns, when asked for

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
    zones: bool = False,
) -> OcrOutput:
    """OCR a PDF (scanned pages; pages that already carry text are kept and their text read).

    ``pages`` ("1-2") limits the OCR to some pages; ``make_pdfa=False`` only reads the text (no PDF/A);
    ``zones=True`` also reads page 1's header columns apart (``header_zones``), on the other core while
    the main OCR runs.

    One pass without clean-up by default (``INTAKE_OCR_CLEAN`` forces deskew, rotation and unpaper): a
    page whose text comes out unreadable (scanned upside down or sideways, see ``_unreadable``) makes the
    whole scan go through a second pass with the clean-up, so only bad scans pay for it."""
    started = time.perf_counter()
    clean = settings.INTAKE_OCR_CLEAN
    with _lock:
        # the zones of a scan as it came, read while the main OCR runs
        pending = _start_zones(pdf) if zones and not clean else None
        try:
            output, text_pages = _ocrmypdf(pdf, progress, pages, make_pdfa or clean, clean)
            if not clean and any(_unreadable(page) for page in text_pages):
                log.info("OCR text unreadable on some page: second pass with rotation and deskew")
                output, text_pages = _ocrmypdf(pdf, progress, pages, True, True, rotate_threshold=2.0)
                clean = True
                if pending is not None:
                    pending.discard()
            if zones and clean:  # the page may have turned: read the zones on the straightened output
                pending = _start_zones(output)
        except BaseException:
            if pending is not None:
                pending.discard()
            raise
    return OcrOutput(
        pdf=output if make_pdfa else b"",
        pages=text_pages,
        seconds=time.perf_counter() - started,
        zones=_finish_zones(pending) if zones else None,
    )


# Words found on any page of Vietnamese administrative prose; an upside-down or sideways page read by
# Tesseract gives debris with (almost) none of them.
_COMMON = """và của các có được trong năm ngày số về việc công tác cơ quan đơn vị thực hiện báo cáo tỉnh ủy
ban theo đã để với cho người không này những một đến tại là trên đảng nhân dân thông tin hội nghị chỉ đạo
kết quả nội dung tháng xã huyện văn bản nhiệm vụ trưởng phó đồng chí lãnh"""
COMMON_WORDS = frozenset(_COMMON.split())


def _unreadable(text: str) -> bool:
    """True when a page has plenty of characters but hardly any common word: it was not read upright."""
    words = re.findall(r"\w+", text.lower())
    if sum(len(word) for word in words) < 80:  # a blank or nearly blank page: nothing to judge
        return False
    hits = sum(1 for word in words if word in COMMON_WORDS)
    return hits < 3 and hits < 0.05 * len(words)


def _ocrmypdf(
    pdf: bytes,
    progress: Progress | None,
    pages: str | None,
    make_pdfa: bool,
    clean: bool,
    *,
    rotate_threshold: float | None = None,
) -> tuple[bytes, list[str]]:
    """One OCRmyPDF run (the caller holds ``_lock``): the PDF/A (or b"") and the text of each page.

    ``rotate_threshold``: Tesseract's orientation confidence enough to turn a page (OCRmyPDF's default
    14 when None; lower for the second pass, whose pages are known to be unreadable as they are)."""
    import ocrmypdf
    from ocrmypdf import exceptions as ocr_errors

    from intake import ocr_progress

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
            # Tesseract's own text-only PDF grafted under the scanned page: no second rendering of the
            # text in Python (fpdf2, OCRmyPDF 17's default), and the page image is left as scanned
            "pdf_renderer": "sandwich",
            "optimize": 0,
            "fast_web_view": 1_000_000,  # (MB) never linearise: the viewer gets the whole file anyway
            # PDF/A made by OCRmyPDF itself (pikepdf), not Ghostscript: faster, and Debian 12's Ghostscript
            # 10.0.0 corrupts pages that already carry text (OCRmyPDF refuses it with skip_text)
            "pdfa_backend": "internal",
        }
        if clean:
            # rotation from Tesseract's orientation detection; deskew straightens the page kept in the
            # PDF/A; unpaper cleans only the image given to Tesseract (the archived page is untouched)
            options.update(deskew=True, rotate_pages=True, clean=True)
            if rotate_threshold is not None:
                options["rotate_pages_threshold"] = rotate_threshold
        if pages:
            options["pages"] = pages
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
        return (out.read_bytes() if make_pdfa else b""), text_pages


@dataclass(frozen=True)
class HeaderZones:
    left: str
    right: str


HEADER_HEIGHT = 0.32  # of the page: issuer, number, marks (left); national title, place and date (right)
HEADER_SPLIT = (0.5, 0.42)  # left zone ends at 50 % of the width, right zone starts at 42 %


class _ZoneReader:
    """Page 1's header rendered at ``ZONE_DPI`` (only that strip, by pdfium) and its two columns given to
    two single-threaded Tesseract processes, started at once; ``result()`` waits for them.

    Tesseract's page layout analysis joins the left and right header columns into one line when their
    baselines nearly meet, and then reads neither ("Số 434-TB/ĐU" next to "Sông Lam, ngày …" comes out
    as debris). Read on their own, each column is clean. Rendering is done under ``_lock`` by the caller
    or here (pdfium is not thread-safe, and OCRmyPDF rasterises with it too)."""

    def __init__(self, pdf: bytes) -> None:
        import subprocess

        self.tmp = tempfile.TemporaryDirectory(prefix="intake-hdr-")
        folder = Path(self.tmp.name)
        self.procs: list[subprocess.Popen[bytes]] = []
        try:
            left, right = _header_images(pdf)
            left.save(folder / "left.png")
            right.save(folder / "right.png")
            env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
            for side in ("left", "right"):  # each kept as it starts: a failed second start kills the first
                self.procs.append(
                    subprocess.Popen(  # noqa: S603 (fixed command, our own temporary files)
                        [  # noqa: S607 (tesseract-ocr from the system packages)
                            "tesseract",
                            str(folder / f"{side}.png"),
                            "stdout",
                            "-l",
                            settings.INTAKE_OCR_LANGUAGE,
                            "--psm",
                            "6",
                        ],
                        stdout=subprocess.PIPE,
                        stderr=subprocess.DEVNULL,
                        env=env,
                    )
                )
        except BaseException:
            self.discard()
            raise

    def result(self) -> HeaderZones:
        try:
            texts = []
            for proc in self.procs:
                out, _ = proc.communicate(timeout=settings.INTAKE_OCR_TIMEOUT)
                texts.append(out.decode("utf-8", errors="replace"))
            return HeaderZones(left=texts[0], right=texts[1])
        finally:
            self.discard()

    def discard(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.tmp.cleanup()


ZONE_DPI = 300  # Tesseract reads the 13-pt header best with the letters this large


def _header_images(pdf: bytes) -> tuple[Any, Any]:
    """The left and right header columns of page 1, greyscale, at ``ZONE_DPI``."""
    import pypdfium2 as pdfium  # a dependency of OCRmyPDF 17 (its default rasteriser)

    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        try:
            _, height = page.get_size()
            # crop: points cut off (left, bottom, right, top): keep the top HEADER_HEIGHT of the page
            bitmap = page.render(
                scale=ZONE_DPI / 72, crop=(0, height * (1 - HEADER_HEIGHT), 0, 0), grayscale=True
            )
            top = bitmap.to_pil()
            bitmap.close()
        finally:
            page.close()
    finally:
        document.close()
    top = _deskew(top)  # on the whole strip: its longer lines tell the angle better than one column
    width = top.width
    return (
        top.crop((0, 0, int(width * HEADER_SPLIT[0]), top.height)),
        top.crop((int(width * HEADER_SPLIT[1]), 0, width, top.height)),
    )


def _deskew(image: Any) -> Any:
    """The header strip turned straight: the angle (within ±3°) whose rows of ink are sharpest, by the
    projection profile of a quarter-size copy, searched coarse then fine. A header read slightly askew
    loses its diacritics ("TỈNH ỦY" comes out as "TĨNH UY")."""
    from PIL import Image, ImageOps

    small = ImageOps.invert(image.reduce(4))  # ink bright, paper black: the rotation fills with paper

    def sharpness(angle: float) -> float:
        turned = small.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=0)
        rows = list(turned.resize((1, turned.height), Image.Resampling.BOX).tobytes())
        mean = sum(rows) / len(rows)
        return sum((row - mean) ** 2 for row in rows) - 1e-6 * abs(angle)  # ties: the smaller angle

    coarse = max((step / 2 for step in range(-6, 7)), key=sharpness)  # -3° … 3° by 0.5°
    angle = max((coarse + step / 10 for step in range(-2, 3)), key=sharpness)
    if abs(angle) < 0.05:
        return image
    return image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)


def header_zones(pdf: bytes) -> HeaderZones:
    """Recognise the two header columns of page 1 apart (see ``_ZoneReader``)."""
    with _lock:
        reader = _ZoneReader(pdf)
    return reader.result()


def _start_zones(pdf: bytes) -> _ZoneReader | None:
    try:
        return _ZoneReader(pdf)
    except Exception:  # the zones only sharpen the reading: never fail the OCR for them
        log.warning("header zones could not be read", exc_info=True)
        return None


def _finish_zones(pending: _ZoneReader | None) -> HeaderZones:
    try:
        return pending.result() if pending is not None else HeaderZones("", "")
    except Exception:
        log.warning("header zones could not be read", exc_info=True)
        return HeaderZones("", "")


def read_scan(pdf: bytes, *, pages: str | None = None) -> tuple[list[str], HeaderZones]:
    """Text and header zones as the pipeline gets them (the same reading the upload pipeline stores,
    without making or storing the PDF/A)."""
    output = run_ocr(pdf, pages=pages, make_pdfa=False, zones=True)
    return output.pages, output.zones or HeaderZones("", "")
