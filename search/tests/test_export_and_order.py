"""Exports of search results (.docx, .pdf) and the order by the documents' date."""

from __future__ import annotations

import io
from datetime import date

import docx
import pytest
from django.db import connection
from django.test import Client
from pypdf import PdfReader

from api.tests.helpers import client_for
from conftest import World
from core import worker
from core.models import AuditEvent
from incoming.models import IncomingDocument
from search import backends
from search.indexing import reindex
from search.tests.helpers import find, register

pytestmark = pytest.mark.django_db

PUBLIC = "Kế hoạch phòng chống thiên tai tỉnh Đắk Nông"
SECRET = "Kế hoạch bí mật Đắk Nông"


def _docs(world: World) -> None:
    register(world, subject=PUBLIC, number_symbol="12-KH/TU", arrival=date(2026, 3, 5))
    register(world, subject=SECRET, number_symbol="13-KH/TU", secrecy="secret")
    worker.run_pending()


def _docx_text(data: bytes) -> tuple[list[str], list[list[str]]]:
    document = docx.Document(io.BytesIO(data))
    rows = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    return [p.text for p in document.paragraphs], rows


def test_word_export_lists_what_the_user_may_see_with_the_search_in_its_title(
    world: World, client: Client
) -> None:
    _docs(world)
    client.force_login(world.lowclear)
    response = client.get("/tim-kiem/xuat.docx", {"q": "dak nong", "kind": "incoming"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    paragraphs, rows = _docx_text(response.content)
    head = "\n".join(paragraphs)
    assert "KẾT QUẢ TÌM KIẾM VĂN BẢN" in head and "Từ khóa: “dak nong”" in head
    assert "Nơi lưu: Văn bản đến" in head and "Số kết quả: 1" in head
    assert f"Người xuất: {world.lowclear.display_name} ({world.lowclear.username})" in head
    assert rows[0] == [
        "STT",
        "Số, ký hiệu",
        "Ngày",
        "Cơ quan ban hành",
        "Loại văn bản",
        "Trích yếu",
        "Nơi lưu",
    ]
    assert rows[1][:3] == ["1", "12-KH/TU", "05/03/2026"]
    assert rows[1][5] == PUBLIC and rows[1][6] == "Văn bản đến"
    assert len(rows) == 2  # the secret document is not in the list
    assert "13-KH/TU" not in response.content.decode("latin-1") and SECRET not in head
    event = AuditEvent.objects.filter(action="search.export").latest("seq")
    assert event.actor_id == world.lowclear.pk
    assert event.data["rows"] == 1 and event.data["format"] == "docx" and event.data["q"] == "dak nong"


def test_a_cleared_reader_exports_the_secret_one_with_its_own_trail_and_odd_characters(
    world: World, client: Client
) -> None:
    # Given the two documents, the secret one's subject holding a form feed as the OCR may leave it
    _docs(world)
    odd = register(world, subject="Kế hoạch Đắk Nông\x0cphụ lục", number_symbol="14-KH/TU")
    worker.run_pending()
    # When a reader cleared for Tối mật exports the results to Word
    client.force_login(world.clerk)
    response = client.get("/tim-kiem/xuat.docx", {"q": "dak nong", "kind": "incoming"})
    # Then the file opens with every row, the odd character replaced
    assert response.status_code == 200
    _paragraphs, rows = _docx_text(response.content)
    assert {row[1] for row in rows[1:]} == {"12-KH/TU", "13-KH/TU", "14-KH/TU"}
    assert "Kế hoạch Đắk Nông phụ lục" in {row[5] for row in rows[1:]}
    # and the secret document's own audit trail shows that it left in an export
    secret = AuditEvent.objects.get(action="incoming.read.export")
    assert secret.actor_id == world.clerk.pk and secret.data == {"secrecy": "secret", "via": "search.export"}
    assert secret.target_id != str(odd.pk)


def test_pdf_export_through_the_api_renders_vietnamese_and_respects_secrecy(world: World) -> None:
    _docs(world)
    response = client_for(world.leader).get("/api/v1/search/export", {"format": "pdf", "q": "Đắk Nông"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "12-KH/TU" in text and "13-KH/TU" in text  # the leader sees both
    assert "Kế hoạch phòng chống thiên tai" in text and "Từ khóa: “Đắk Nông”" in text
    assert "Văn bản đến" in text and "05/03/2026" in text
    low = client_for(world.lowclear).get("/api/v1/search/export", {"format": "pdf", "q": "Đắk Nông"})
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(low.content)).pages)
    assert "12-KH/TU" in text and "13-KH/TU" not in text and "bí mật" not in text
    event = AuditEvent.objects.filter(action="search.export").latest("seq")
    assert event.data["format"] == "pdf" and event.data["rows"] == 1 and event.data["restricted"] == []


def test_export_caps_the_rows_and_says_so(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(3):
        register(world, subject=f"Công văn {i} về phòng chống bão lũ", number_symbol=f"{i}-CV/TU")
    monkeypatch.setattr("search.exports.EXPORT_LIMIT", 2)
    response = client_for(world.leader).get("/api/v1/search/export", {"format": "docx", "q": "bao lu"})
    paragraphs, rows = _docx_text(response.content)
    assert len(rows) == 3  # the heading and two rows
    assert any("chỉ xuất 2 kết quả đầu tiên" in p for p in paragraphs)
    assert AuditEvent.objects.filter(action="search.export").latest("seq").data["capped"] is True


def test_export_refuses_bad_input(world: World, client: Client) -> None:
    api = client_for(world.leader)
    assert api.get("/api/v1/search/export", {"format": "xls", "q": "x"}).json()["code"] == "invalid_input"
    assert api.get("/api/v1/search/export", {"format": "pdf"}).status_code == 400
    for nothing in ('""', "!! ?", "   "):  # no word to search by: refused, not an empty file
        assert api.get("/api/v1/search/export", {"format": "pdf", "q": nothing}).status_code == 400
    assert api.get("/api/v1/search/export", {"format": "pdf", "q": "x", "order": "?"}).status_code == 400
    client.force_login(world.leader)
    response = client.get("/tim-kiem/xuat.pdf", follow=True)
    assert "Chưa có điều kiện tìm kiếm để xuất." in response.content.decode()
    assert not AuditEvent.objects.filter(action="search.export").exists()


def test_results_by_date_newest_or_oldest(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    days = [date(2026, 2, 1), date(2026, 1, 5), date(2026, 9, 1), date(2025, 12, 31)]
    made = [
        register(world, subject=f"Công văn {i} về phòng chống bão lũ", number_symbol=f"{i}-CV/TU", arrival=d)
        for i, d in enumerate(days)
    ]

    def dates(order: str) -> list[date | None]:
        return [h.date for h in find(world.leader, "bao lu", order=order).items]

    assert dates("newest") == sorted(days, reverse=True)
    assert dates("oldest") == sorted(days)
    # more matches than are ranked: relevance falls back to the newest first; pages follow the date
    monkeypatch.setattr(backends.Backend, "rank_limit", 2)
    assert dates("relevance") == sorted(days, reverse=True)
    pages = [
        h.date
        for p in (1, 2)
        for h in find(world.leader, "bao lu", order="oldest", page=p, page_size=3).items
    ]
    assert pages == sorted(days)
    # filters alone are ordered by date too
    assert [h.date for h in find(world.leader, "", doc_type="BC", order="oldest").items] == sorted(days)
    # a document whose date changes moves, and keeps one full-text row
    IncomingDocument.objects.filter(pk=made[3].pk).update(arrival_date=date(2027, 1, 1))
    reindex("incoming", [made[3].pk])
    result = find(world.leader, "bao lu", order="newest")
    assert result.items[0].id == made[3].pk and result.total == 4


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's full-text keys")
def test_sqlite_full_text_key_matches_the_migration_formula() -> None:
    """Migration 0002 computes the keys in SQL: the same numbers as ``backends.fts_key``."""
    with connection.cursor() as cursor:
        for day in (date(2026, 11, 30), date(1999, 1, 1), date(2000, 2, 29)):
            cursor.execute(
                "SELECT CAST(julianday(%s) - 1721424.5 AS INTEGER) * 4294967296 + 7", [day.isoformat()]
            )
            assert cursor.fetchone()[0] == backends.fts_key(day, 7)
    assert backends.fts_key(None, 7) == 7


def test_migration_reads_word_pairs_back_from_a_tsvector() -> None:
    """Migration 0002 adds the pairs to PostgreSQL vectors written before: consecutive positions of one
    weight (column) make a pair; a column boundary does not."""
    from search.schema import vector_pairs

    assert vector_pairs("'a':1A 'b':2A 'c':3B,5 'd':4B 'x':9C") == "a_b:1 c_d:2"
    assert vector_pairs("'dak':1 'nong':2,4 'tinh':3") == (
        "dak_nong:1 nong_tinh:2 tinh_nong:3 dak_nong_tinh:4 nong_tinh_nong:5"
    )
