"""Search over incoming and outgoing documents: Vietnamese folding both ways (đ included), number-symbols
first, phrases, filters, snippets, visibility and consistency with the documents' transactions.

Runs on SQLite and, with ``DATABASE_URL=postgres://…``, on PostgreSQL (the same tests, the other backend)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from conftest import World
from core import worker
from search.backends import get_backend
from search.models import Entry, FileText
from search.tests.helpers import find, ids, register, vn_pdf

pytestmark = pytest.mark.django_db

DAK_NONG = "Báo cáo kết quả công tác tổ chức tại tỉnh Đắk Nông"
TINH_UY = "Kế hoạch của Tỉnh ủy về chuyển đổi số"
PLAIN = "Thong bao ket luan cua Ban Thuong vu ve dak nong"  # typed without diacritics


@pytest.fixture
def docs(world: World) -> dict[str, Any]:
    made = {
        "dak_nong": register(world, subject=DAK_NONG, number_symbol="50/BC-UBND"),
        "tinh_uy": register(world, subject=TINH_UY, number_symbol="12-KH/TU"),
        "plain": register(world, subject=PLAIN, number_symbol="7-TB/TU"),
    }
    worker.run_pending()  # the files' text (search.tasks.index_files), and signature checks
    return made


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("dak nong", {"dak_nong", "plain"}),  # no diacritics: finds "Đắk Nông" and "dak nong"
        ("Đắk Nông", {"dak_nong", "plain"}),  # diacritics, đ included: finds the text typed without them
        ("ĐẮK NÔNG", {"dak_nong", "plain"}),
        ("tinh uy", {"tinh_uy"}),
        ("Tỉnh ủy", {"tinh_uy"}),
        ("thong bao ket luan", {"plain"}),
        ("thông báo kết luận", {"plain"}),
        ("chuyen doi so", {"tinh_uy"}),
        ("nothing-like-this", set()),
    ],
)
def test_vietnamese_queries_with_and_without_diacritics(
    world: World, docs: dict[str, Any], query: str, expected: set[str]
) -> None:
    # when the leader searches, with or without diacritics
    result = find(world.leader, query)
    # then exactly the matching documents come back, whatever the diacritics on either side
    assert {("incoming", docs[k].pk) for k in expected} == set(ids(result))
    assert result.total == len(expected) and result.total_exact


def test_the_text_of_the_files_is_indexed_by_the_worker_and_highlighted(world: World) -> None:
    # given a document whose second page speaks of a bridge in Krông Nô
    text = "Trang hai: đề nghị đầu tư xây dựng cầu treo Đắk Nang, huyện Krông Nô, trong năm 2026 <script>."
    pdf = vn_pdf("Trang một của văn bản.", text)
    from incoming.services import Registration, incoming_register

    doc = incoming_register(
        actor=world.clerk,
        organization=world.org,
        data=Registration(
            issuer_name="UBND huyện Krông Nô",
            number_symbol="88/TTr-UBND",
            issued_date=date(2026, 1, 5),
            doc_type="TTr",
            subject="Tờ trình về đầu tư",
            signer_name="A",
            signer_position="Chủ tịch",
        ),
        uploads=[("to-trinh.pdf", pdf)],
    ).document
    # before the worker ran, the metadata is already searchable (same transaction), the text not yet
    assert ids(find(world.leader, "to trinh dau tu")) == [("incoming", doc.pk)]
    assert ids(find(world.leader, "cau treo")) == []
    # when the worker reads the file
    worker.run_pending()
    # then a phrase from page 2 finds it, typed without diacritics, and the snippet marks it (escaped)
    result = find(world.leader, '"cau treo dak nang"')
    assert ids(result) == [("incoming", doc.pk)]
    snippet = result.items[0].snippet
    assert "<mark>cầu</mark> <mark>treo</mark> <mark>Đắk</mark> <mark>Nang</mark>" in snippet
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet
    assert FileText.objects.get().source == "pdf"


def test_a_phrase_needs_the_words_together_and_in_order(world: World, docs: dict[str, Any]) -> None:
    assert ids(find(world.leader, '"cong tac to chuc"')) == [("incoming", docs["dak_nong"].pk)]
    assert ids(find(world.leader, '"to chuc cong tac"')) == []
    assert ids(find(world.leader, "to chuc cong tac")) == [("incoming", docs["dak_nong"].pk)]


def test_the_exact_number_symbol_comes_first(world: World) -> None:
    # given documents that mention "12-TB/TU" in their text, registered after the one that carries it
    exact = register(world, subject="Thông báo kết luận", number_symbol="12-TB/TU")
    others = [
        register(
            world, subject=f"Báo cáo số {i} về 12-TB/TU", number_symbol=f"{i}-BC/TU", text="theo 12-TB/TU"
        )
        for i in range(20, 23)
    ]
    worker.run_pending()
    for query in ("12-TB/TU", "12-tb/tu", "Số 12-TB/TU", " 12 - TB/TU "):
        result = find(world.leader, query)
        # then the document numbered 12-TB/TU is first, the ones quoting it follow
        assert ids(result)[0] == ("incoming", exact.pk), query
        assert result.items[0].exact
        assert set(ids(result)[1:]) == {("incoming", d.pk) for d in others}, query
        assert result.total == 4
    # and a State number-symbol too
    state = register(world, subject="Báo cáo", number_symbol="50/BC-UBND")
    assert ids(find(world.leader, "50/BC-UBND"))[0] == ("incoming", state.pk)


def test_filters(world: World, docs: dict[str, Any]) -> None:
    tb = docs["plain"]
    other = register(
        world,
        subject=PLAIN,
        number_symbol="9-TB/TU",
        doc_type="TB",
        issuer="Ủy ban nhân dân tỉnh",
        arrival=date(2026, 1, 2),
    )
    from incoming.services import incoming_submit

    incoming_submit(actor=world.clerk, document=other)
    everything = {("incoming", tb.pk), ("incoming", other.pk)}
    assert set(ids(find(world.leader, "ket luan"))) == everything
    assert ids(find(world.leader, "ket luan", doc_type="TB")) == [("incoming", other.pk)]
    assert ids(find(world.leader, "ket luan", status="submitted")) == [("incoming", other.pk)]
    assert ids(find(world.leader, "ket luan", issuer="uy ban nhan dan")) == [("incoming", other.pk)]
    assert ids(find(world.leader, "ket luan", date_to=date(2026, 1, 3))) == [("incoming", other.pk)]
    assert ids(find(world.leader, "ket luan", date_from=date(2026, 1, 3))) == [("incoming", tb.pk)]
    assert ids(find(world.leader, "ket luan", kind="outgoing")) == []
    assert ids(find(world.leader, "ket luan", kind="unknown")) == []
    # filters alone list what they select, newest first
    assert ids(find(world.leader, "", doc_type="TB")) == [("incoming", other.pk)]


def test_nothing_to_search_gives_nothing(world: World, docs: dict[str, Any]) -> None:
    assert find(world.leader, "").total == 0
    assert find(world.leader, '""  - / ').items == []


# --- visibility ----------------------------------------------------------------------------------------


def test_invisible_documents_are_absent_from_items_total_and_snippets(world: World) -> None:
    # given a public document and a secret one saying the same thing
    public = register(
        world, subject="Kế hoạch bảo vệ Đắk Nông", number_symbol="30-KH/TU", text="kho vũ khí A"
    )
    secret = register(
        world,
        subject="Kế hoạch bảo vệ Đắk Nông",
        number_symbol="31-KH/TU",
        secrecy="secret",
        text="kho vũ khí bí mật B",
    )
    worker.run_pending()
    # the leader (cleared for top secret) sees both
    assert set(ids(find(world.leader, "dak nong"))) == {("incoming", public.pk), ("incoming", secret.pk)}
    # a clerk and leader without clearance: only the public one, in items, total and snippets
    for query in ("dak nong", "kho vu khi", "31-KH/TU", '"kho vu khi bi mat"'):
        result = find(world.lowclear, query)
        assert ("incoming", secret.pk) not in ids(result), query
        assert result.total == len(result.items), query
        assert all("bí mật" not in h.snippet for h in result.items), query
    assert find(world.lowclear, "bi mat").total == 0
    # another organisation's clerk sees nothing; a specialist not in the routing neither; anonymous neither
    from django.contrib.auth.models import AnonymousUser

    for user in (world.outsider, world.specialist, world.norole, AnonymousUser()):
        result = find(user, "dak nong")
        assert (result.items, result.total) == ([], 0)


def test_a_routed_specialist_finds_what_was_routed_to_them(world: World) -> None:
    doc = world.distributed(number_symbol="77-CV/TU")
    register(world, subject="Báo cáo về công tác tổ chức", number_symbol="78-CV/TU")
    result = find(world.specialist, "cong tac to chuc")
    assert ids(result) == [("incoming", doc.pk)] and result.total == 1


# --- consistency -----------------------------------------------------------------------------------------


def test_the_index_is_written_in_the_documents_transaction(world: World) -> None:
    # when a registration rolls back, nothing of it is left in the index
    with pytest.raises(RuntimeError), transaction.atomic():
        register(world, subject="Văn bản sẽ bị hủy Đắk Mil", number_symbol="99-TB/TU")
        assert find(world.leader, "dak mil").total == 1  # visible inside the transaction
        raise RuntimeError
    assert find(world.leader, "dak mil").total == 0
    assert not Entry.objects.filter(number_symbol="99-TB/TU").exists()
    assert _fts_rows() == Entry.objects.count()


def test_changes_reach_the_index(world: World) -> None:
    from incoming.services import incoming_submit, incoming_update

    doc = register(world, subject=TINH_UY, number_symbol="12-KH/TU", text="Nội dung của tệp")
    assert ids(find(world.leader, "tinh uy")) == [("incoming", doc.pk)]
    incoming_update(
        actor=world.clerk, document=doc, changes={"subject": "Chương trình công tác Đảng ủy Khối"}
    )
    assert find(world.leader, "tinh uy").total == 0
    assert ids(find(world.leader, "dang uy khoi")) == [("incoming", doc.pk)]
    incoming_submit(actor=world.clerk, document=doc)
    assert find(world.leader, "dang uy khoi").items[0].status_label == "Chờ phân phối"


def test_outgoing_drafts_and_issued_documents_are_searchable(world: World) -> None:
    from outgoing.services import Draft, outgoing_create

    draft = outgoing_create(
        actor=world.specialist,
        data=Draft(doc_type="CV", subject="Về việc hỗ trợ đồng bào Đắk Lắk"),
        upload=("du-thao.pdf", vn_pdf("Nội dung dự thảo: hỗ trợ lương thực cho bà con.")),
    )
    worker.run_pending()
    # the drafter finds it by subject and by its file's text; the leader of the organisation too
    for user in (world.specialist, world.leader):
        assert ids(find(user, "dak lak")) == [("outgoing", draft.pk)]
        assert ids(find(user, "luong thuc")) == [("outgoing", draft.pk)]
    # another specialist does not see someone else's draft; the outsider neither
    assert find(world.specialist2, "dak lak").total == 0
    assert find(world.outsider, "dak lak").total == 0
    assert find(world.leader, "dak lak", kind="incoming").total == 0


def test_query_count_does_not_grow_with_results(world: World) -> None:
    for i in range(2):
        register(world, subject=f"Đề án {i} về chuyển đổi số", number_symbol=f"{i}-DA/TU")
    worker.run_pending()
    from orgs.models import User

    leader = User.objects.get(pk=world.leader.pk)
    with CaptureQueriesContext(connection) as few:
        assert find(leader, "chuyen doi so").total == 2
    for i in range(2, 8):
        register(world, subject=f"Đề án {i} về chuyển đổi số", number_symbol=f"{i}-DA/TU")
    worker.run_pending()
    leader = User.objects.get(pk=world.leader.pk)
    with CaptureQueriesContext(connection) as many:
        assert find(leader, "chuyen doi so").total == 8
    assert len(many.captured_queries) == len(few.captured_queries)


def test_pages_do_not_repeat_or_lose_documents(world: World) -> None:
    made = {
        register(world, subject=f"Công văn {i} về phòng chống bão lũ", number_symbol=f"{i}-CV/TU").pk
        for i in range(25)
    }
    seen: list[int] = []
    for page in (1, 2, 3):
        result = find(world.leader, "bao lu", page=page)
        assert result.total == 25
        seen += [h.id for h in result.items]
    assert len(seen) == 25 and set(seen) == made


def _fts_rows() -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT count(*) FROM search_entry WHERE tsv IS NOT NULL")
        else:
            cursor.execute("SELECT count(*) FROM search_fts")
        return int(cursor.fetchone()[0])


def test_backend_follows_the_database() -> None:
    assert get_backend().vendor == connection.vendor


@pytest.mark.postgres
def test_postgres_index_is_a_gin_over_a_tsvector(world: World, docs: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'search_entry_tsv'")
        assert "gin (tsv)" in cursor.fetchone()[0]
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'search_entry_pairs'")
        assert "gin (tsv_pairs)" in cursor.fetchone()[0]
    assert _fts_rows() == 3
    assert find(world.leader, "Đắk Nông").total == 2
