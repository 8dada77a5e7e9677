"""OCR of scans: images to PDF, Tesseract's Vietnamese model (one pass; the clean-up — rotation, deskew,
unpaper — only for pages read as debris and turned), a PDF/A with a text layer, the text page by page, and
page 1's header columns read apart.

Two paths to the same result (see docs/architecture.md, "Why two OCR paths"):
  - the fast path for *simple* scans (every page one image covering the page, nothing else: our own
    img2pdf output of an uploaded image, and typical scanner PDFs): each page image is handed to Tesseract
    as it is stored (a JPEG's bytes unchanged), Tesseract writes the text and a text-only PDF page, which
    is grafted under the original page with pikepdf; the PDF/A-2b identification is added by pikepdf;
  - OCRmyPDF for everything else (pages that already carry text, rotated pages, several images, vector
    content) and for the clean-up pass.

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
_own_pdfium_lock = threading.Lock()

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

    One pass without clean-up by default (``INTAKE_OCR_CLEAN`` forces deskew, rotation and unpaper), by
    the fast path when the scan is simple (``_fast``), else by OCRmyPDF: a page whose text comes
    out unreadable and that Tesseract's orientation detection finds turned (``_needs_cleanup``) makes the
    whole scan go through a second pass, OCRmyPDF's with the clean-up, so only bad scans pay for it."""
    started = time.perf_counter()
    clean = settings.INTAKE_OCR_CLEAN
    with _lock:
        # the zones of a scan as it came, read while the main OCR runs
        pending = _start_zones(pdf) if zones and not clean else None
        try:
            fast = None if clean else _fast(pdf, progress, pages, make_pdfa)
            if fast is not None:
                output, text_pages = fast
            else:
                output, text_pages = _ocrmypdf(pdf, progress, pages, make_pdfa or clean, clean)
            if not clean and _needs_cleanup(pdf, text_pages):
                log.info("OCR text unreadable on a turned page: second pass with rotation and deskew")
                output, text_pages = _ocrmypdf(
                    pdf, progress, pages, True, True, rotate_threshold=OSD_CONFIDENCE
                )
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
    """True when a page has plenty of characters but hardly any common word: perhaps not read upright
    (or a word-poor page read well: a table of names and figures; ``_needs_cleanup`` asks Tesseract's
    orientation detection before paying for the clean-up)."""
    words = re.findall(r"\w+", text.lower())
    if sum(len(word) for word in words) < 80:  # a blank or nearly blank page: nothing to judge
        return False
    hits = sum(1 for word in words if word in COMMON_WORDS)
    return hits < 3 and hits < 0.05 * len(words)


OSD_CONFIDENCE = 2.0  # Tesseract's orientation confidence enough to call a page turned (as OCRmyPDF's)
OSD_DPI = 200


def _needs_cleanup(pdf: bytes, text_pages: list[str]) -> bool:
    """True when some page read as debris (``_unreadable``) is turned, by Tesseract's orientation
    detection (OSD) on that page: an upright page that is merely word-poor keeps its one pass."""
    suspects = [index for index, page in enumerate(text_pages) if _unreadable(page)]
    return any(_page_turned(pdf, index) for index in suspects)


def _page_turned(pdf: bytes, index: int) -> bool:
    """Tesseract's OSD on one page rendered at ``OSD_DPI``: True when it turns the page with enough
    confidence. A page OSD cannot judge (too few letters) counts as upright."""
    import subprocess

    with tempfile.TemporaryDirectory(prefix="intake-osd-") as tmp:
        image = Path(tmp) / "page.pnm"
        _render_page(pdf, index, OSD_DPI).save(image)
        try:
            done = subprocess.run(  # noqa: S603 (fixed command, our own temporary file)
                ["tesseract", str(image), "stdout", "--psm", "0", "--dpi", str(OSD_DPI)],  # noqa: S607
                capture_output=True,
                env={**os.environ, "OMP_THREAD_LIMIT": "1"},
                timeout=settings.INTAKE_OCR_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return False
    out = done.stdout.decode("utf-8", errors="replace")
    rotate = re.search(r"^Rotate: (\d+)", out, re.MULTILINE)
    confidence = re.search(r"^Orientation confidence: ([\d.]+)", out, re.MULTILINE)
    if rotate is None or confidence is None:
        return False
    turned = int(rotate.group(1)) % 360 != 0 and float(confidence.group(1)) >= OSD_CONFIDENCE
    log.info("OSD on page %d: rotate %s, confidence %s", index + 1, rotate.group(1), confidence.group(1))
    return turned


class _NotSimple(Exception):
    """The scan is not simple (or its images cannot be handed to Tesseract as they are): OCRmyPDF's."""


@dataclass(frozen=True)
class _ScanPage:
    """One page of a simple scan: its image and the box it covers."""

    image: Any  # the image XObject (pikepdf.Stream)
    jpeg: bool  # a JPEG stream Tesseract reads as it is stored
    dpi: int
    box: tuple[float, float, float, float]  # the MediaBox (x0, y0, x1, y1)


# a page's whole content: one image drawn over the page, e.g. "q 595.44 0 0 842.04 0 0 cm /Im0 Do Q"
_IMAGE_ONLY = re.compile(
    rb"\s*q\s+([-+\d.]+)\s+[-+]?0(?:\.0*)?\s+[-+]?0(?:\.0*)?\s+([-+\d.]+)\s+([-+\d.]+)\s+([-+\d.]+)\s+cm\s+"
    rb"/([^\s/<>\[\]()%]+)\s+Do\s+Q\s*"
)
_COLOURS = frozenset({"/DeviceGray", "/DeviceRGB"})
_FILTERS: tuple[list[str], ...] = ([], ["/DCTDecode"], ["/FlateDecode"], ["/CCITTFaxDecode"])


def _simple_page(page: Any) -> _ScanPage:
    """The page of a *simple* scan (``_fast``), or ``_NotSimple``: the page draws exactly one image
    covering its MediaBox and nothing else, has no /Rotate, no narrower CropBox, no fonts (no text), no
    annotations; the image is 8-bit grey or RGB (or 1-bit grey), without mask or /Decode, stored as JPEG,
    Flate, CCITT or uncompressed."""
    import pikepdf
    from pikepdf import Name

    obj = page.obj
    if int(obj.get("/Rotate", 0)) % 360 or "/Annots" in obj:
        raise _NotSimple
    box = (*(float(value) for value in page.mediabox),)
    if "/CropBox" in obj and (*(float(value) for value in page.cropbox),) != box:
        raise _NotSimple
    resources = obj.get("/Resources")
    if resources is None or set(resources.keys()) - {"/XObject", "/ProcSet"}:
        raise _NotSimple  # fonts (text), patterns, graphics states, colour spaces
    xobjects = resources.get("/XObject")
    if xobjects is None or len(xobjects.keys()) != 1:
        raise _NotSimple
    contents = obj.get("/Contents")
    parts = (
        list(contents) if isinstance(contents, pikepdf.Array) else [contents] if contents is not None else []
    )
    match = _IMAGE_ONLY.fullmatch(b"\n".join(part.read_bytes() for part in parts))
    name = next(iter(xobjects.keys()))
    if match is None or "/" + match.group(5).decode("latin-1") != name:
        raise _NotSimple
    width, height, x, y = (float(value) for value in match.groups()[:4])
    x0, y0, x1, y1 = box
    if x1 - x0 < 1 or y1 - y0 < 1:
        raise _NotSimple
    if max(abs(x - x0), abs(y - y0), abs(width - (x1 - x0)), abs(height - (y1 - y0))) > 1.0:
        raise _NotSimple  # the image does not cover the page exactly
    image = xobjects[name]
    if image.get("/Subtype") != Name.Image or any(key in image for key in ("/SMask", "/Mask", "/Decode")):
        raise _NotSimple
    if bool(image.get("/ImageMask", False)) or str(image.get("/ColorSpace")) not in _COLOURS:
        raise _NotSimple
    bits = int(image.get("/BitsPerComponent", 8))
    filters = image.get("/Filter")
    names = (
        [str(f) for f in filters] if isinstance(filters, pikepdf.Array) else [str(filters)] if filters else []
    )
    if bits not in (1, 8) or names not in _FILTERS or ("/DecodeParms" in image and names == ["/DCTDecode"]):
        raise _NotSimple
    jpeg = names == ["/DCTDecode"] and bits == 8
    return _ScanPage(image, jpeg, max(round(int(image.Width) * 72 / (x1 - x0)), 1), box)  # type: ignore[arg-type]


def _page_indices(spec: str | None, count: int) -> list[int]:
    """0-based page indices of an OCRmyPDF-style page list ("1-2", "1,3-4"), within ``count`` pages."""
    if not spec:
        return list(range(count))
    chosen: set[int] = set()
    for part in spec.split(","):
        first, dash, last = part.strip().partition("-")
        start = int(first) if first else 1
        end = int(last) if last else (count if dash else start)
        chosen.update(range(max(start, 1) - 1, min(end, count)))
    return sorted(chosen)


def _fast(
    pdf: bytes, progress: Progress | None, pages: str | None, make_pdfa: bool
) -> tuple[bytes, list[str]] | None:
    """The fast path for a simple scan (every page ``_simple_page``), or None for OCRmyPDF.

    Each page's image goes to Tesseract as it is stored (a JPEG's bytes) or decoded to a PNM file,
    ``INTAKE_OCR_JOBS`` pages at a time (one thread each), Tesseract writing the text and, for the PDF/A,
    its text-only PDF page (``textonly_pdf``: invisible text in its glyphless font); each text page is
    grafted under the original page as a Form XObject scaled to the MediaBox, so the page image and its
    bytes stay as scanned; then pikepdf declares PDF/A-2b (XMP identification, matching Info dictionary,
    sRGB output intent). Encrypted, signed or form-bearing files are OCRmyPDF's (its refusals are the
    clear ones)."""
    import pikepdf

    try:
        document = pikepdf.open(io.BytesIO(pdf))
    except (pikepdf.PdfError, ValueError):
        return None  # encrypted or damaged: OCRmyPDF says which, in its words
    with document, tempfile.TemporaryDirectory(prefix="intake-fast-") as tmp:
        try:
            if document.is_encrypted or "/AcroForm" in document.Root or "/Perms" in document.Root:
                return None
            scan = [_simple_page(page) for page in document.pages]
            if not scan:
                return None
            selected = _page_indices(pages, len(scan))
            texts, layers = _tesseract_pages(scan, selected, Path(tmp), progress, make_pdfa)
            return (_graft_pdfa(document, scan, layers) if make_pdfa else b""), texts
        except _NotSimple:
            return None
        except (pikepdf.PdfError, KeyError, TypeError, AttributeError, ValueError) as exc:
            log.info("scan not simple (%s): OCRmyPDF", exc)
            return None


def _tesseract_pages(
    scan: list[_ScanPage], selected: list[int], folder: Path, progress: Progress | None, make_pdfa: bool
) -> tuple[list[str], dict[int, Path]]:
    """Tesseract on the ``selected`` pages, ``INTAKE_OCR_JOBS`` at a time: the text of every page ("" for
    those not selected) and the text-only PDF of each selected page (with ``make_pdfa``). The images are
    written here, in this thread, one ahead of each free worker (pikepdf objects stay in one thread, and
    at most ``jobs`` decoded pages sit on disk)."""
    from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

    texts = [""] * len(scan)
    layers: dict[int, Path] = {}
    jobs = max(1, settings.INTAKE_OCR_JOBS)
    queue = iter(selected)
    running: dict[Future[str], int] = {}
    finished = 0
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="intake-ocr") as pool:

        def submit_next() -> None:
            index = next(queue, None)
            if index is None:
                return
            page = scan[index]
            image = _write_image(page, folder / f"page-{index}")
            running[pool.submit(_tesseract, image, folder / f"out-{index}", page.dpi, make_pdfa, index)] = (
                index
            )

        try:
            for _ in range(jobs):
                submit_next()
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    index = running.pop(future)
                    texts[index] = future.result()
                    if make_pdfa:
                        layers[index] = folder / f"out-{index}.pdf"
                    (folder / f"page-{index}.jpg").unlink(missing_ok=True)
                    (folder / f"page-{index}.pnm").unlink(missing_ok=True)
                    finished += 1
                    if progress is not None:
                        progress(finished / len(selected))
                    submit_next()
        except BaseException:
            for future in running:
                future.cancel()
            raise
    return texts, layers


def _write_image(page: _ScanPage, stem: Path) -> Path:
    """The page's image as a file Tesseract reads: a JPEG's stream as stored, anything else decoded by
    pikepdf and written as PNM (no compression to pay for, read fast by Leptonica)."""
    import pikepdf

    if page.jpeg:
        path = stem.with_suffix(".jpg")
        path.write_bytes(page.image.read_raw_bytes())
        return path
    try:
        decoded = pikepdf.PdfImage(page.image).as_pil_image()
    except Exception as exc:  # an image pikepdf cannot decode: OCRmyPDF renders the page instead
        raise _NotSimple from exc
    if decoded.mode not in ("1", "L", "RGB"):
        decoded = decoded.convert("RGB")
    path = stem.with_suffix(".pnm")
    decoded.save(path, "PPM")
    return path


def _tesseract(image: Path, out: Path, dpi: int, make_pdfa: bool, index: int) -> str:
    """One Tesseract process (one thread) on one page: its text, and ``out``.pdf (text only) when asked."""
    import subprocess

    command = [
        "tesseract",
        str(image),
        str(out),
        "-l",
        settings.INTAKE_OCR_LANGUAGE,
        "--psm",
        str(settings.INTAKE_OCR_PSM),
        "--dpi",
        str(dpi),
        "-c",
        "textonly_pdf=1",
        "txt",
        *(["pdf"] if make_pdfa else []),
    ]
    try:
        done = subprocess.run(  # noqa: S603 (fixed command, our own temporary files)
            command,
            capture_output=True,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
            timeout=settings.INTAKE_OCR_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise OcrFailed(
            f"Nhận dạng trang {index + 1} quá {settings.INTAKE_OCR_TIMEOUT} giây, đã dừng.",
            code="ocr_timeout",
        ) from exc
    except FileNotFoundError as exc:
        log.error("tesseract is not installed: %s", exc)
        raise OcrFailed(
            "Máy chủ chưa cài đủ phần mềm nhận dạng (Tesseract, Ghostscript).", code="ocr_unavailable"
        ) from exc
    if done.returncode != 0:
        log.warning("tesseract failed on page %d: %s", index + 1, done.stderr.decode(errors="replace")[-500:])
        raise OcrFailed(f"Ảnh quét trang {index + 1} bị hỏng hoặc không đọc được.", code="invalid_image")
    text = out.with_suffix(".txt").read_text(encoding="utf-8", errors="replace")
    return text.rstrip("\f").strip("\n")


def _graft_pdfa(document: Any, scan: list[_ScanPage], layers: dict[int, Path]) -> bytes:
    """Each text-only page under its original page, scaled to the MediaBox; then PDF/A-2b."""
    import pikepdf
    from pikepdf import Name
    from pikepdf.pdfa import prepare, resolve_save_kwargs

    for index, path in sorted(layers.items()):
        with pikepdf.open(path) as text_pdf:
            text_page = text_pdf.pages[0]
            tx0, ty0, tx1, ty1 = (float(value) for value in text_page.mediabox)
            form = document.copy_foreign(text_page.as_form_xobject())
        page = document.pages[index]
        x0, y0, x1, y1 = scan[index].box
        name = page.add_resource(form, Name.XObject, prefix="OCR")
        sx, sy = (x1 - x0) / (tx1 - tx0), (y1 - y0) / (ty1 - ty0)
        matrix = f"{sx:.6f} 0 0 {sy:.6f} {x0 - tx0 * sx:.4f} {y0 - ty0 * sy:.4f}"
        page.contents_add(f"q {matrix} cm {name} Do Q\n".encode(), prepend=True)
    # XMP identification (pdfaid part 2, conformance B), the Info dictionary made to agree with it, the
    # sRGB output intent; saved with the settings PDF/A-2b needs. Not re-read and validated here (pikepdf's
    # validator would cost a sixth of the OCR): what this path writes is always the same structure, and
    # the tests validate it (intake/tests/test_ocr_fast.py)
    prepare(document, "2b", output_intent="sRGB")
    out = io.BytesIO()
    document.save(out, **resolve_save_kwargs("2b", compress_streams=True))
    return out.getvalue()


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
            _run_ocrmypdf(src, out if make_pdfa else Path(os.devnull), options)
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


def _run_ocrmypdf(src: Path, out: Path, options: dict[str, object]) -> None:
    """OCRmyPDF, run once more when its PDF/A check fails: pikepdf's validator records *every* warning
    raised in the process while it parses a content stream (``catch_warnings`` is process-wide) and counts
    it as a violation — a warning from another thread (seen: a database connection's ResourceWarning
    at garbage collection) failed a sound scan. A page that truly is not PDF/A fails the second time too."""
    import ocrmypdf
    from ocrmypdf import exceptions as ocr_errors

    for attempt in (1, 2):
        try:
            ocrmypdf.ocr(src, out, **options)  # type: ignore[call-overload]
            return
        except ocr_errors.PdfaConversionFailedError as exc:
            if attempt == 2:
                raise
            log.warning("PDF/A check failed, running OCR once more: %s", exc)


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
    as debris). Read on their own, each column is clean. The rendering, straightening and the starts are
    done in a thread of their own, so that they overlap the main OCR instead of delaying it; rendering
    takes pdfium's lock (``_pdfium_lock``: pdfium is not thread-safe, and OCRmyPDF rasterises with it)."""

    def __init__(self, pdf: bytes) -> None:
        import subprocess

        self.tmp = tempfile.TemporaryDirectory(prefix="intake-hdr-")
        self.procs: list[subprocess.Popen[bytes]] = []
        self.error: BaseException | None = None
        self.cancelled = threading.Event()
        self.thread = threading.Thread(target=self._start, args=(pdf,), name="intake-zones", daemon=True)
        self.thread.start()

    def _start(self, pdf: bytes) -> None:
        import subprocess

        folder = Path(self.tmp.name)
        try:
            left, right = _header_images(pdf)
            # PNM: no compression to pay for; the same pixels (and no resolution) as the PNG it replaces
            left.save(folder / "left.pnm")
            right.save(folder / "right.pnm")
            env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
            for side in ("left", "right"):
                if self.cancelled.is_set():
                    return
                self.procs.append(
                    subprocess.Popen(  # noqa: S603 (fixed command, our own temporary files)
                        [  # noqa: S607 (tesseract-ocr from the system packages)
                            "tesseract",
                            str(folder / f"{side}.pnm"),
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
        except BaseException as exc:  # given to the caller by result()
            self.error = exc

    def result(self) -> HeaderZones:
        try:
            self.thread.join()
            if self.error is not None:
                raise self.error
            texts = []
            for proc in self.procs:
                out, _ = proc.communicate(timeout=settings.INTAKE_OCR_TIMEOUT)
                texts.append(out.decode("utf-8", errors="replace"))
            return HeaderZones(left=texts[0], right=texts[1])
        finally:
            self.discard()

    def discard(self) -> None:
        self.cancelled.set()
        self.thread.join()
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        self.tmp.cleanup()


ZONE_DPI = 300  # Tesseract reads the 13-pt header best with the letters this large


def _pdfium_lock() -> threading.Lock:
    """The lock serialising pdfium (not thread-safe): OCRmyPDF's own, which its rasteriser takes for each
    page, so that our renderings wait for one page at most, never for a whole OCR run."""
    try:
        from ocrmypdf.builtin_plugins import pypdfium
    except ImportError:  # pragma: no cover (OCRmyPDF 17 ships it)
        return _own_pdfium_lock
    lock = getattr(pypdfium, "_pdfium_lock", None)
    return lock if lock is not None else _own_pdfium_lock


def _render_page(pdf: bytes, index: int, dpi: int, *, top: float = 1.0) -> Any:
    """Page ``index`` rendered by pdfium, greyscale, at ``dpi``; ``top`` < 1 keeps only that upper part."""
    import pypdfium2 as pdfium  # a dependency of OCRmyPDF 17 (its default rasteriser)

    with _pdfium_lock():
        document = pdfium.PdfDocument(pdf)
        try:
            page = document[index]
            try:
                _, height = page.get_size()
                # crop: points cut off (left, bottom, right, top)
                bitmap = page.render(scale=dpi / 72, crop=(0, height * (1 - top), 0, 0), grayscale=True)
                image = bitmap.to_pil()
                bitmap.close()
            finally:
                page.close()
        finally:
            document.close()
    return image


def _header_images(pdf: bytes) -> tuple[Any, Any]:
    """The left and right header columns of page 1, greyscale, at ``ZONE_DPI``."""
    top = _render_page(pdf, 0, ZONE_DPI, top=HEADER_HEIGHT)
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
    """Recognise the two header columns of page 1 apart (see ``_ZoneReader``). Only the rendering is
    serialised (pdfium's lock), not with a whole OCR run."""
    return _ZoneReader(pdf).result()


def _start_zones(pdf: bytes) -> _ZoneReader | None:
    try:
        return _ZoneReader(pdf)  # (its errors come with the result: _finish_zones)
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
