"""The OCR's fast path for simple scans (Tesseract on the stored page images, text-only pages grafted
with pikepdf, PDF/A-2b by pikepdf) and OCRmyPDF for the rest: real Tesseract runs on small scans."""

from __future__ import annotations

import io
import re
import threading
from typing import Any

import pytest

from intake import ocr
from intake.testing.scans import rasterise, render_pdf, to_bytes
from intake.tests.helpers import PAGE3_PHRASE, party_doc, party_scan


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _no_ocrmypdf(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """Records any OCRmyPDF run (there must be none on the fast path)."""
    calls: list[tuple[Any, ...]] = []
    real = ocr._ocrmypdf

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(ocr, "_ocrmypdf", spy)
    return calls


def _page_images(pdf: bytes) -> list[list[bytes]]:
    """The raw stream bytes of the images each page draws."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        return [
            [
                bytes(obj.read_raw_bytes())
                for obj in page.Resources.XObject.values()
                if obj.Subtype == "/Image"
            ]
            for page in document.pages
        ]


def _assert_pdfa_2b(pdf: bytes) -> None:
    import pikepdf
    from pikepdf.pdfa import validate_written

    report = validate_written(io.BytesIO(pdf), "2b")
    assert report.passed, report
    with pikepdf.open(io.BytesIO(pdf)) as document:
        meta = document.open_metadata()
        assert (meta.get("pdfaid:part"), meta.get("pdfaid:conformance")) == ("2", "B")
        intents = document.Root.OutputIntents
        assert len(intents) == 1 and intents[0].S == "/GTS_PDFA1" and "/DestOutputProfile" in intents[0]


def _layer_texts(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def test_jpeg_upload_fast_path_keeps_the_image_and_adds_a_text_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a JPEG scan uploaded and turned into a PDF as the pipeline does
    jpeg = party_scan("jpeg")
    pdf = ocr.image_to_pdf(jpeg)
    calls = _no_ocrmypdf(monkeypatch)
    seen: list[float] = []
    # When it is recognised
    output = ocr.run_ocr(pdf, progress=seen.append)
    # Then without OCRmyPDF, the PDF/A-2b carries the page image as uploaded, byte for byte
    assert calls == []
    _assert_pdfa_2b(output.pdf)
    assert _page_images(output.pdf) == [[jpeg]]
    # and a text layer whose text is the text returned for search
    assert "THÔNG BÁO" in output.pages[0]
    layer = _layer_texts(output.pdf)
    assert len(layer) == 1
    assert _words(layer[0]) == _words(output.pages[0])
    assert seen == [1.0]


def test_multi_page_pdf_reports_progress_per_page(monkeypatch: pytest.MonkeyPatch) -> None:
    pdf = party_scan("pdf", pages=3)  # a scanner's PDF: one JPEG per page
    calls = _no_ocrmypdf(monkeypatch)
    seen: list[float] = []
    output = ocr.run_ocr(pdf, progress=seen.append)
    assert calls == []
    assert seen == pytest.approx([1 / 3, 2 / 3, 1.0])
    assert len(output.pages) == 3 and PAGE3_PHRASE.lower() in " ".join(output.pages[2].split()).lower()
    assert _page_images(output.pdf) == _page_images(pdf)  # every page image untouched
    layer = _layer_texts(output.pdf)
    assert [_words(page) for page in layer] == [_words(page) for page in output.pages]
    _assert_pdfa_2b(output.pdf)


@pytest.mark.parametrize("fmt", ["tiff", "png"])
def test_tiff_and_png_uploads_take_the_fast_path(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    pdf = ocr.image_to_pdf(party_scan(fmt, pages=2))  # a PNG keeps only the first page
    calls = _no_ocrmypdf(monkeypatch)
    output = ocr.run_ocr(pdf)
    assert calls == []
    assert len(output.pages) == (2 if fmt == "tiff" else 1)
    assert "THÔNG BÁO" in output.pages[0]
    if fmt == "tiff":
        assert PAGE3_PHRASE.lower() in " ".join(output.pages[1].split()).lower()
    assert _page_images(output.pdf) == _page_images(pdf)  # (Flate streams kept as they were)
    assert _words(_layer_texts(output.pdf)[-1]) == _words(output.pages[-1])
    _assert_pdfa_2b(output.pdf)


def test_text_only_reading_and_page_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _no_ocrmypdf(monkeypatch)
    output = ocr.run_ocr(party_scan("pdf", pages=2), pages="1-1", make_pdfa=False)
    assert calls == [] and output.pdf == b""
    assert "THÔNG BÁO" in output.pages[0] and output.pages[1] == ""


def _mixed_pdf(*lines: str) -> bytes:
    """A PDF whose first page is born digital (``lines`` as text, embedded font) and whose second page is
    a scan: not simple, so OCRmyPDF reads it."""
    import pikepdf

    buffer = io.BytesIO()
    with (
        pikepdf.open(io.BytesIO(_digital_page(list(lines)))) as first,
        pikepdf.open(io.BytesIO(party_scan("pdf"))) as second,
    ):
        first.pages.append(second.pages[0])
        first.save(buffer)
    return buffer.getvalue()


def test_page_already_carrying_text_keeps_it_through_ocrmypdf(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a PDF whose first page is born digital (text, embedded font) and whose second page is a scan
    mixed = _mixed_pdf("Số 127-TB/TU", "Người ký: Trần Thị Mai")
    calls = _no_ocrmypdf(monkeypatch)
    output = ocr.run_ocr(mixed)
    # Then OCRmyPDF does it (not simple), the born-digital page keeps its own text and the scan is read
    assert len(calls) == 1
    assert "Trần Thị Mai" in output.pages[0] and "127-TB/TU" in output.pages[0]
    assert "THÔNG BÁO" in output.pages[1]
    assert b"pdfaid" in output.pdf


def test_not_simple_scans_are_left_to_ocrmypdf() -> None:
    import pikepdf

    scanned = party_scan("pdf")
    with pikepdf.open(io.BytesIO(scanned)) as document:
        document.pages[0].Rotate = 90
        turned = io.BytesIO()
        document.save(turned)
    assert ocr._fast(turned.getvalue(), None, None, True) is None  # a /Rotate
    assert ocr._fast(render_pdf(party_doc(1)), None, None, True) is None  # text, fonts
    assert ocr._fast(b"%PDF-1.4 rubbish", None, None, True) is None  # damaged: OCRmyPDF says why


def test_broken_image_gives_ocr_failed() -> None:
    import pikepdf

    with pytest.raises(ocr.OcrFailed) as error:
        ocr.image_to_pdf(b"\x89PNG\r\n\x1a\n not an image")
    assert error.value.code == "invalid_image"
    # a JPEG cut short inside a scanner's PDF: Tesseract cannot read it
    with pikepdf.open(io.BytesIO(party_scan("pdf"))) as document:
        image = next(iter(document.pages[0].Resources.XObject.values()))
        image.write(bytes(image.read_raw_bytes())[:3000], filter=pikepdf.Name.DCTDecode)
        broken = io.BytesIO()
        document.save(broken)
    with pytest.raises(ocr.OcrFailed) as error:
        ocr.run_ocr(broken.getvalue())
    assert error.value.code == "invalid_image" and "trang 1" in error.value.message


def test_word_poor_upright_table_does_not_trigger_the_cleanup(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given an upright scanned table of names and figures (hardly any common word)
    page = _table_scan()
    calls = _no_ocrmypdf(monkeypatch)
    output = ocr.run_ocr(page)
    # Then the words-only test flags it, but orientation detection finds it upright: one fast pass only
    assert ocr._unreadable(output.pages[0]), output.pages[0]
    assert "Hoàng" in output.pages[0]
    assert calls == []


@pytest.mark.parametrize(
    ("turn", "turned"), [(None, False), ("ROTATE_90", True), ("ROTATE_180", True), ("ROTATE_270", True)]
)
def test_orientation_detection_tells_turned_pages(turn: str | None, turned: bool) -> None:
    from PIL import Image

    pages = rasterise(render_pdf(party_doc(1)), dpi=150, rotate=0.7)
    if turn is not None:
        pages = [page.transpose(getattr(Image.Transpose, turn)) for page in pages]
    assert ocr._page_turned(to_bytes(pages, "pdf", 150), 0) is turned


def test_header_zones_do_not_wait_for_an_ocr_run() -> None:
    pdf = party_scan("pdf")
    result: list[ocr.HeaderZones] = []
    with ocr._lock:  # an OCR run holding the queue
        reader = threading.Thread(target=lambda: result.append(ocr.header_zones(pdf)))
        reader.start()
        reader.join(timeout=60)
        assert not reader.is_alive() and result
    assert "127-TB/TU" in result[0].left


def test_header_zones_of_a_damaged_file() -> None:
    # read in their own thread: the error comes with the result; within an OCR run it only empties them
    with pytest.raises(Exception, match=r"(?i)pdf|data|format"):
        ocr.header_zones(b"%PDF-1.4 not really")
    assert ocr._finish_zones(ocr._start_zones(b"%PDF-1.4 not really")) == ocr.HeaderZones("", "")


def test_page_indices() -> None:
    assert ocr._page_indices(None, 3) == [0, 1, 2]
    assert ocr._page_indices("1-2", 3) == [0, 1]
    assert ocr._page_indices("1-5", 3) == [0, 1, 2]
    assert ocr._page_indices("1,3", 3) == [0, 2]
    assert ocr._page_indices("2-", 3) == [1, 2]


def _digital_page(lines: list[str]) -> bytes:
    """A born-digital page whose only font is embedded (a PDF/A can keep it as it is)."""
    import pikepdf
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from intake.testing.scans import _fonts

    _fonts()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1, initialFontName="Serif")
    for number, line in enumerate(lines):
        pdf.drawString(72, 760 - 20 * number, line)
    pdf.showPage()
    pdf.save()
    with pikepdf.open(buffer) as document:  # reportlab's /Trans, which pikepdf's PDF/A check cannot confirm
        for page in document.pages:
            if "/Trans" in page.obj:
                del page.obj["/Trans"]
        out = io.BytesIO()
        document.save(out)
    return out.getvalue()


ROWS = [
    ("Hoàng Minh Khôi", "1968", "Cư Jút", "12.450.000"),
    ("Lê Thị Thu Hà", "1975", "Gia Nghĩa", "9.870.500"),
    ("Phạm Quốc Bảo", "1981", "Krông Nô", "15.020.000"),
    ("Đinh Ngọc Lan", "1979", "Đắk Mil", "8.300.750"),
    ("Võ Thanh Tùng", "1990", "Tuy Đức", "11.640.000"),
    ("Bùi Kim Oanh", "1986", "Đắk Song", "7.915.250"),
    ("Ngô Gia Huy", "1972", "Đắk Glong", "13.200.000"),
    ("Trịnh Hồng Nhung", "1994", "Đắk R'lấp", "10.480.300"),
]


def _table_scan() -> bytes:
    """One upright page: a table of names, years, places and amounts, scanned at 150 dpi."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    from intake.testing.scans import _fonts

    _fonts()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    y = A4[1] - 30 * mm
    for repeat in range(3):
        for number, (name, year, place, amount) in enumerate(ROWS, start=1 + repeat * len(ROWS)):
            pdf.setFont("Serif", 13)
            for x, cell in zip(
                (25, 40, 100, 125, 165), (str(number), name, year, place, amount), strict=True
            ):
                pdf.drawString(x * mm, y, cell)
            pdf.line(22 * mm, y - 2.5 * mm, 195 * mm, y - 2.5 * mm)
            y -= 9 * mm
    pdf.showPage()
    pdf.save()
    return to_bytes(rasterise(buffer.getvalue(), dpi=150, rotate=0.4), "pdf", 150)


@pytest.mark.parametrize("noisy_runs", [1, 2])
def test_a_warning_from_another_thread_during_the_pdfa_check_does_not_fail_the_scan(
    monkeypatch: pytest.MonkeyPatch, noisy_runs: int
) -> None:
    """pikepdf's PDF/A validator counts any warning raised in the process while it parses a content stream
    as a violation. Another thread's warning at that moment (a database connection collected, in the
    full suite) cannot be timed from outside, so the first ``noisy_runs`` OCRmyPDF runs are made to see
    one in every content stream they check: one such run is followed by a sound second run; two are
    refused in Vietnamese, not retried for ever."""
    import warnings

    import ocrmypdf
    from pikepdf.pdfa import _content

    real_ocr, real_run = ocrmypdf.ocr, _content._StreamWalk.run
    runs = {"started": 0}

    def counted_ocr(*args: Any, **kwargs: Any) -> Any:
        runs["started"] += 1
        return real_ocr(*args, **kwargs)

    def run_with_a_stray_warning(self: Any, stream: Any) -> int:
        if runs["started"] > noisy_runs:
            return real_run(self, stream)
        original = self.walker.checker.check

        def check(*args: Any) -> Any:
            warnings.warn("Connection deleted while still open", ResourceWarning, stacklevel=1)
            return original(*args)

        self.walker.checker.check = check
        try:
            return real_run(self, stream)
        finally:
            self.walker.checker.check = original

    monkeypatch.setattr(ocrmypdf, "ocr", counted_ocr)
    monkeypatch.setattr(_content._StreamWalk, "run", run_with_a_stray_warning)
    mixed = _mixed_pdf("Số 127-TB/TU")
    if noisy_runs == 2:
        with pytest.raises(ocr.OcrFailed, match="Không nhận dạng được bản quét"):
            ocr.run_ocr(mixed)
        assert runs["started"] == 2
        return
    output = ocr.run_ocr(mixed)
    assert runs["started"] == 2  # the noisy run, then a sound one
    assert "THÔNG BÁO" in output.pages[1] and b"pdfaid" in output.pdf
