"""Template administration: an office uploads its own .docx (used by the next render), downloads the
built-in templates, and ``export_templates`` writes them all; the Organization admin shows the heading."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from docx import Document

from conftest import World, make_pdf
from core import files
from core.models import AuditEvent
from documents.models import DocType
from outgoing.drafting import builder
from outgoing.models import DocumentTemplate
from outgoing.tests.conftest import OutgoingWorld

pytestmark = pytest.mark.django_db
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def admin_client(world: World) -> Client:
    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save()
    client = Client()
    client.force_login(world.admin)
    return client


def own_template(*lines: str) -> bytes:
    doc = Document()
    for line in lines:
        doc.add_paragraph(line)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def test_uploaded_template_is_used_by_the_next_render_and_audited(ow: OutgoingWorld) -> None:
    from outgoing.services import Draft, outgoing_create

    client = admin_client(ow.w)
    notice = DocType.objects.get(profile="party", code="TB")
    # given the add form, which lists the template variables
    form = client.get("/admin/outgoing/documenttemplate/add/").content.decode()
    assert "number_line" in form and "draft_note" in form and "mẫu mặc định" in form
    # when the office uploads its own notice template
    data = own_template(
        "MẪU RIÊNG {{ issuing_body }} {{ ghi_chu }}", "{%p for p in paragraphs %}", "{{ p }}", "{%p endfor %}"
    )
    response = client.post(
        "/admin/outgoing/documenttemplate/add/",
        {
            "organization": ow.w.org.pk,
            "doc_type": notice.pk,
            "upload": SimpleUploadedFile("mau-thong-bao.docx", data, DOCX_TYPE),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    record = DocumentTemplate.objects.get()
    assert record.name == "mau-thong-bao.docx" and record.updated_by == ow.w.admin
    assert files.open_blob(record.stored) == data
    assert AuditEvent.objects.filter(action="admin.add", target_id=str(record.pk)).exists()
    # then the next draft of that type is rendered from it
    doc = outgoing_create(
        actor=ow.w.specialist,
        data=Draft(doc_type="TB", subject="Thông báo", fields={"content": "Đoạn một", "ghi_chu": "VP"}),
    )
    text = docx_text(files.open_blob(doc.versions.get().attachment.stored))
    assert "MẪU RIÊNG TỈNH ỦY SÔNG LAM VP" in text and "Đoạn một" in text
    # and its current file can be downloaded back
    assert client.get(f"/admin/outgoing/documenttemplate/{record.pk}/tep/").content == data


def test_bad_uploads_are_refused_with_nothing_stored(world: World) -> None:
    client = admin_client(world)
    notice = DocType.objects.get(profile="party", code="TB")
    state_decision = DocType.objects.get(profile="state", code="QĐ")
    cases = [
        ({"doc_type": notice.pk}, "Vui lòng chọn tệp mẫu .docx."),
        (
            {"doc_type": notice.pk, "upload": SimpleUploadedFile("mau.pdf", make_pdf(), "application/pdf")},
            "không thuộc loại được chấp nhận",
        ),
        (
            {
                "doc_type": notice.pk,
                "upload": SimpleUploadedFile("mau.docx", own_template("{{ a b }}"), DOCX_TYPE),
            },
            "thẻ trường không hợp lệ",
        ),
        (
            {
                "organization": world.org.pk,
                "doc_type": state_decision.pk,
                "upload": SimpleUploadedFile("mau.docx", own_template("{{ subject }}"), DOCX_TYPE),
            },
            "Loại văn bản không thuộc khối của cơ quan.",
        ),
    ]
    for data, message in cases:
        page = client.post("/admin/outgoing/documenttemplate/add/", data).content.decode()
        assert message in page, message
    assert not DocumentTemplate.objects.exists()


def test_default_templates_download_from_the_admin(world: World) -> None:
    client = admin_client(world)
    page = client.get("/admin/outgoing/documenttemplate/mau-mac-dinh/").content.decode()
    assert "/admin/outgoing/documenttemplate/mau-mac-dinh/party/TB/" in page and "Công văn" in page
    response = client.get("/admin/outgoing/documenttemplate/mau-mac-dinh/party/TB/")
    assert response.content == builder.default_template("party", "TB")
    assert "party-TB.docx" in response["Content-Disposition"]
    assert client.get("/admin/outgoing/documenttemplate/mau-mac-dinh/party/XX/").status_code == 404
    assert "Tải mẫu mặc định" in client.get("/admin/outgoing/documenttemplate/").content.decode()
    # the list's action downloads the built-in template of the selected records' types
    record = DocumentTemplate.objects.create(
        doc_type=DocType.objects.get(profile="state", code="CV"),
        stored=files.store(files.validate("cv.docx", own_template("x"))),
        name="cv.docx",
    )
    response = client.post(
        "/admin/outgoing/documenttemplate/",
        {"action": "download_defaults", "_selected_action": [record.pk]},
    )
    assert response.content == builder.default_template("state", "CV")
    # people without the admin cannot
    other = Client()
    other.force_login(world.specialist)
    assert other.get("/admin/outgoing/documenttemplate/mau-mac-dinh/party/TB/").status_code == 302


def test_export_templates_writes_every_builtin_template(world: World, tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("export_templates", str(tmp_path / "mau"), stdout=out)
    written = sorted(p.name for p in (tmp_path / "mau").iterdir())
    expected = sorted(f"{t.profile}-{t.code}.docx" for t in DocType.objects.filter(is_active=True))
    assert written == expected and "party-TB.docx" in written and "state-CV.docx" in written
    data = (tmp_path / "mau" / "party-CV.docx").read_bytes()
    assert files.validate("party-CV.docx", data).content_type == files.DOCX
    assert data == builder.default_template("party", "CV")
    assert f"Đã xuất {len(expected)} mẫu" in out.getvalue()


def test_organization_admin_shows_the_heading_fields(world: World) -> None:
    page = admin_client(world).get(f"/admin/orgs/organization/{world.org.pk}/change/").content.decode()
    for name in ("heading_parent", "heading_name", "place_name", "head_title", "collective_name"):
        assert f'name="{name}"' in page
    assert "Tiêu đề và thể thức văn bản" in page
