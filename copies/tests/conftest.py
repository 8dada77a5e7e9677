"""Copies: the outgoing world, the signing test PKI, the organisation's seal certificate, and sources —
an issued document signed by the head and sealed by the clerk, and a registered incoming document."""

from __future__ import annotations

import io
from typing import Any

import pytest

from conftest import World, make_pdf
from outgoing.tests.conftest import OutgoingWorld, ow  # noqa: F401 - the outgoing world fixture
from signing.tests.conftest import (  # noqa: F401 - fixtures shared with the signing tests
    P12_PASSWORD,
    Pki,
    _signing_settings,
    font_dir,
    pki,
    trusted,
)

SECRET = P12_PASSWORD


class CopyWorld:
    def __init__(self, ow: OutgoingWorld, pki: Pki) -> None:  # noqa: F811
        from signing.services import certificate_import_pkcs12

        self.ow = ow
        self.w: World = ow.w
        certificate_import_pkcs12(
            actor=self.w.admin,
            owner=ow.secretary,
            data=pki.ca.pkcs12(pki.ca.issue("Lê Văn Bí", "Tỉnh ủy Sông Lam"), P12_PASSWORD),
            password=P12_PASSWORD,
        )
        self.seal = certificate_import_pkcs12(
            actor=self.w.admin,
            owner=self.w.org,
            data=pki.ca.pkcs12(pki.org, P12_PASSWORD),
            password=P12_PASSWORD,
        )

    def issued(self, *, pages: int = 3, secrecy: str = "none") -> Any:
        """An outgoing document (uploaded PDF) signed digitally by the head, sealed and issued."""
        from outgoing.services import (
            Draft,
            outgoing_approve,
            outgoing_create,
            outgoing_issue,
            outgoing_submit,
        )
        from outgoing.signatures import outgoing_sign

        w = self.w
        doc = outgoing_create(
            actor=w.specialist,
            data=Draft(
                doc_type="TB",
                subject="Thông báo kết luận của Ban Thường vụ",
                secrecy=secrecy,
                signer_id=self.ow.secretary.pk,
                recipients=[{"name": "Báo Sông Lam"}],
            ),
            upload=("thong-bao.pdf", make_pdf("Thong bao ket luan", pages=pages)),
        )
        outgoing_submit(actor=w.specialist, document=doc)
        outgoing_approve(actor=w.head, document=doc)
        outgoing_approve(actor=w.leader, document=doc)
        outgoing_sign(actor=self.ow.secretary, document=doc, secret=P12_PASSWORD)
        doc = outgoing_issue(actor=w.clerk, document=doc, secret=P12_PASSWORD)
        assert doc.issued_file_id is not None
        return doc

    def incoming(self, **kwargs: Any) -> Any:
        """A paper document registered with its scan (a 4-page PDF)."""
        kwargs.setdefault("pdf", make_pdf("Bao cao to chuc", pages=4))
        return self.w.register(**kwargs)


@pytest.fixture
def cw(ow: OutgoingWorld, pki: Pki, trusted: Any) -> CopyWorld:  # noqa: F811
    return CopyWorld(ow, pki)


def stamp_widgets(pdf: bytes) -> list[tuple[int, list[float], Any]]:
    """(page index, rectangle, widget) of every "stamp" signature field."""
    from pypdf import PdfReader

    found = []
    for index, page in enumerate(PdfReader(io.BytesIO(pdf)).pages):
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            if str(annot.get("/T", "")).startswith("stamp"):
                found.append((index, [round(float(v), 1) for v in annot["/Rect"]], annot))
    return found


def appearance_text(annot: Any) -> str:
    """The text drawn by a widget's normal appearance, read back with pypdf (a page that shows it)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(600, 200)
    form = annot["/AP"]["/N"].get_object().clone(writer).indirect_reference
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/XObject"): DictionaryObject({NameObject("/Stamp"): form})}
    )
    content = DecodedStreamObject()
    content.set_data(b"q /Stamp Do Q")
    page[NameObject("/Contents")] = writer._add_object(content)
    out = io.BytesIO()
    writer.write(out)
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(out.getvalue())).pages[0].extract_text()
