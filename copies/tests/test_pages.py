"""The copy screens: "Tạo bản sao" on the document pages, the form, the copy page, the register."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.utils import timezone

from conftest import make_pdf
from copies.models import Copy
from copies.tests.conftest import SECRET, CopyWorld

pytestmark = pytest.mark.django_db


def logged_in(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_clerk_copies_an_incoming_document_from_its_page(cw: CopyWorld) -> None:
    source = cw.w.distributed(pdf=make_pdf("Bao cao", pages=3))
    clerk = logged_in(cw.w.clerk)
    # the clerk is offered "Tạo bản sao"; the specialist handling it is not
    page = clerk.get(f"/van-ban-den/{source.pk}/").content.decode()
    assert 'id="btn-copy-new"' in page
    assert (
        'id="btn-copy-new"'
        not in logged_in(cw.w.specialist).get(f"/van-ban-den/{source.pk}/").content.decode()
    )
    # the form offers sao y and trích sao, the office leader as decider, other organisations as recipients
    form = clerk.get(f"/ban-sao/tao/incoming/{source.pk}/").content.decode()
    assert "Sao y" in form and "Trích sao" in form and "Sao lục" not in form
    assert cw.w.leader.full_name in form and cw.w.other_org.name in form
    # a wrong password shows the error and makes nothing
    wrong = clerk.post(
        f"/ban-sao/tao/incoming/{source.pk}/",
        {"form": "sao_y", "decided_by": cw.w.leader.pk, "secret": "sai"},
    )
    assert wrong.status_code == 200 and "alert-danger" in wrong.content.decode() and not Copy.objects.exists()
    # the copy is made and shown with its facts and signature report
    done = clerk.post(
        f"/ban-sao/tao/incoming/{source.pk}/",
        {
            "form": "trich_sao",
            "pages": "1-2",
            "decided_by": cw.w.leader.pk,
            "internal": [cw.w.other_org.pk],
            "external": "Báo Sông Lam",
            "secret": SECRET,
        },
    )
    assert done.status_code == 302, done.content.decode()[-3000:]
    copy = Copy.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/ban-sao/{copy.pk}/"
    detail = clerk.get(done["Location"]).content.decode()
    assert "Trích sao số 01-BS/TU" in detail and "1-2" in detail and cw.w.leader.full_name in detail
    assert "Báo Sông Lam" in detail and "đã nhận trên hệ thống" in detail
    assert "Kiểm tra chữ ký số" in detail  # the signature report of the copy's PDF
    # the document page lists its copy
    assert "01-BS/TU" in clerk.get(f"/van-ban-den/{source.pk}/").content.decode()
    # the outsider (recipient's clerk) opens it; a specialist of another unit does not
    assert logged_in(cw.w.outsider).get(done["Location"]).status_code == 200
    assert logged_in(cw.w.specialist2).get(done["Location"]).status_code == 404


def test_register_page_and_exports(cw: CopyWorld) -> None:
    from openpyxl import load_workbook

    from copies.services import CopyRequest, copy_create

    source = cw.incoming()
    copy = copy_create(
        actor=cw.w.clerk,
        data=CopyRequest(
            "incoming", source.pk, "sao_y", cw.w.leader.pk, recipients=[{"name": "Báo Sông Lam"}]
        ),
        secret=SECRET,
    )
    clerk = logged_in(cw.w.clerk)
    page = clerk.get(f"/ban-sao/?nam={copy.year}").content.decode()
    assert "01-BS/TU" in page and "Sao y" in page and "105-BC/BTCTW" in page and cw.w.leader.full_name in page
    assert timezone.localtime(copy.created_at).strftime("%d/%m/") in page
    assert "Chưa có bản sao" in clerk.get(f"/ban-sao/?nam={copy.year - 1}").content.decode()
    pdf = clerk.get(f"/ban-sao/in/?nam={copy.year}&format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    xlsx = clerk.get(f"/ban-sao/in/?nam={copy.year}&format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    values = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "SỔ THEO DÕI BẢN SAO VĂN BẢN" in values and "01-BS/TU" in values
    # people who keep no register get no register
    assert logged_in(cw.w.specialist).get("/ban-sao/").status_code == 404
    assert logged_in(cw.w.specialist).get(f"/ban-sao/in/?nam={copy.year}&format=pdf").status_code == 404
