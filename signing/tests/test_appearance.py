"""The visible signatures sit where the rules say; the rendered pages are kept as test artifacts."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from conftest import World
from signing.appearance import MM
from signing.services import sign_bytes
from signing.tests.conftest import P12_PASSWORD, SIGNATURE_BOX, Certs
from signing.tests.helpers import artifact_dir, need, signed_and_sealed
from signing.validation import validate_pdf

pytestmark = pytest.mark.django_db


def sig_annotations(pdf: bytes) -> dict[str, tuple[int, list[float], Any]]:
    reader = PdfReader(io.BytesIO(pdf))
    found = {}
    for index, page in enumerate(reader.pages):
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            if annot.get("/FT") == "/Sig" or annot.get("/Parent", {}).get("/FT") == "/Sig":
                found[str(annot["/T"])] = (index, [round(float(x), 1) for x in annot["/Rect"]], annot)
    return found


def images_with_smask(annot: Any) -> list[Any]:
    """Image XObjects (with a soft mask = transparency) reachable from the widget's normal appearance."""
    seen = []

    def walk(stream: Any) -> None:
        resources = stream.get("/Resources") or {}
        for xobj in (resources.get("/XObject") or {}).values():
            xobj = xobj.get_object()
            if xobj.get("/Subtype") == "/Image":
                seen.append(xobj)
            elif xobj.get("/Subtype") == "/Form":
                walk(xobj)

    walk(annot["/AP"]["/N"].get_object())
    return [img for img in seen if "/SMask" in img]


def render(pdf: bytes, page: int, folder: Path, stem: str) -> Path:
    need("pdftoppm")
    source = folder / f"{stem}.pdf"
    source.write_bytes(pdf)
    prefix = folder / f"{stem}-p{page + 1}"
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "100",
            "-f",
            str(page + 1),
            "-l",
            str(page + 1),
            "-singlefile",
            str(source),
            str(prefix),
        ],
        check=True,
        timeout=60,
    )
    return prefix.with_suffix(".png")


def test_signature_and_seal_rectangles_images_and_render(
    world: World, certs: Certs, ten_pages: bytes
) -> None:
    # given a document signed in the box between position and name, then sealed
    pdf = signed_and_sealed(world, certs, ten_pages)
    found = sig_annotations(pdf)
    # then the signature is exactly in the box, on the last page
    page, rect, person = found["person"]
    assert (page, rect) == (9, list(SIGNATURE_BOX))
    # and the seal is at real size (35 mm = 99.2 pt), covers the left third, and is centred vertically
    page, seal_rect, seal = found["seal"]
    x1, y1, x2, y2 = seal_rect
    assert page == 9
    assert round(x2 - x1, 1) == round(y2 - y1, 1) == round(35 * MM, 1) == 99.2
    overlap = (x2 - SIGNATURE_BOX[0]) / (SIGNATURE_BOX[2] - SIGNATURE_BOX[0])
    assert abs(overlap - 1 / 3) < 0.01
    assert abs((y1 + y2) / 2 - (SIGNATURE_BOX[1] + SIGNATURE_BOX[3]) / 2) < 0.1
    # and both show a transparent image (image XObject with an SMask)
    assert len(images_with_smask(person)) == 1
    assert len(images_with_smask(seal)) == 1
    # and the rendered signature page is kept as an artifact
    png = render(pdf, 9, artifact_dir("signature"), "signed-and-sealed")
    print(f"\nrendered signature page: {png}")
    assert png.stat().st_size > 5000


def test_text_stamp_top_right_with_number_and_vietnam_time(
    world: World, certs: Certs, ten_pages: bytes
) -> None:
    # given an annex in a separate file stamped by the clerk with the document's number-symbol
    pdf = sign_bytes(
        actor=world.clerk,
        certificate=certs.org,
        secret=P12_PASSWORD,
        pdf=ten_pages,
        role="stamp",
        stamp_text="12-TB/TU",
    )
    page, rect, annot = sig_annotations(pdf)["stamp"]
    # then it is at the top right of page 1 with no image
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    width, height = float(box.width), float(box.height)
    assert page == 0
    assert rect == [round(v, 1) for v in (width - 20 - 160, height - 20 - 40, width - 20, height - 20)]
    assert images_with_smask(annot) == []
    # and its text holds the number-symbol and an ISO 8601 time with +07:00 (read back through pdftotext)
    folder = artifact_dir("stamp")
    (folder / "stamp.pdf").write_bytes(pdf)
    need("pdftotext")
    text = subprocess.run(
        [
            "pdftotext",
            "-f",
            "1",
            "-l",
            "1",
            "-x",
            str(int(rect[0])),
            "-y",
            "0",
            "-W",
            "200",
            "-H",
            "80",
            str(folder / "stamp.pdf"),
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert "12-TB/TU" in text
    assert re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", text), text
    # the font is Times-metric 10 pt: the number is as wide as Times-Roman 10 makes it (not twice as wide)
    from reportlab.pdfbase.pdfmetrics import stringWidth

    bbox = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-bbox", str(folder / "stamp.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    word = re.search(r'xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">12-TB/TU<', bbox)
    assert word, bbox
    drawn = float(word.group(2)) - float(word.group(1))
    assert abs(drawn - stringWidth("12-TB/TU", "Times-Roman", 10)) < 2.0
    # the two-line block is flush with the right margin (its longer line, the time, ends there)
    time_word = re.search(r'xMax="([\d.]+)" yMax="[\d.]+">\d{4}-\d\d-\d\dT[^<]*\+07:00<', bbox)
    assert time_word and float(time_word.group(1)) == pytest.approx(width - 20, abs=1.5)
    png = render(pdf, 0, folder, "stamp")
    print(f"\nrendered stamped page: {png}")
    assert validate_pdf(pdf).verdict == "valid"
