"""manage.py search_rebuild: rebuilds what the index lost, in batches, and resumes after an interruption."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection

from conftest import World
from core import worker
from search.models import Entry, FileText, RebuildCheckpoint
from search.tests.helpers import find, register

pytestmark = pytest.mark.django_db


def _rebuild(**options: object) -> str:
    out = io.StringIO()
    call_command("search_rebuild", stdout=out, **options)
    return out.getvalue()


def test_rebuild_restores_a_lost_index_and_resumes_after_an_interruption(world: World) -> None:
    # given seven documents, searchable by the text of their files
    docs = [
        register(world, subject=f"Báo cáo {i}", number_symbol=f"{i}-BC/TU", text=f"Đắk Nông {i}")
        for i in range(7)
    ]
    worker.run_pending()
    assert find(world.leader, "dak nong").total == 7
    # when the index is cleared and a rebuild stops after two batches of three
    output = _rebuild(clear=True, batch=3, max_batches=2)
    # then six documents are back, the checkpoint says where it stopped, and it says to run again
    assert "incoming: 6/7" in output and "Chưa xong" in output
    assert find(world.leader, "dak nong").total == 6
    assert RebuildCheckpoint.objects.get(kind="incoming").last_id == docs[5].pk
    # when it runs again it continues after the last batch, not from the start
    output = _rebuild(batch=3)
    assert f"tiếp tục sau mã {docs[5].pk}" in output and "incoming: 7/7" in output and "Hoàn tất." in output
    assert find(world.leader, "dak nong").total == 7
    assert find(world.leader, "nong 3").items[0].snippet == "Đắk <mark>Nông</mark> <mark>3</mark>"
    # the files' text was kept, not read again; entries and full-text rows agree
    assert FileText.objects.count() == 7
    assert Entry.objects.count() == 7


def test_rebuild_drops_entries_of_documents_that_are_gone(world: World) -> None:
    doc = register(world, subject="Báo cáo", number_symbol="1-BC/TU")
    Entry.objects.create(kind="incoming", doc_id=doc.pk + 1000, subject="mồ côi")
    output = _rebuild(batch=100)
    assert "Hoàn tất." in output
    assert list(Entry.objects.values_list("doc_id", flat=True)) == [doc.pk]
    # a finished rebuild starts over next time
    assert "incoming: 1/1" in _rebuild(batch=100)


def test_rebuild_refuses_unknown_kinds() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        _rebuild(kind=["nope"])
    assert connection.vendor in {"sqlite", "postgresql"}


def _gin_indexes() -> dict[str, bool]:
    """PostgreSQL: our GIN indexes and whether each is valid."""
    from search.backends import PostgresBackend

    return PostgresBackend()._present()


@pytest.mark.postgres
def test_a_bulk_rebuild_drops_the_gin_indexes_and_builds_them_once_at_the_end(world: World) -> None:
    docs = [
        register(world, subject=f"Kế hoạch {i}", number_symbol=f"{i}-KH/TU", text=f"cầu treo Đắk Nông {i}")
        for i in range(3)
    ]
    worker.run_pending()
    output = _rebuild(drop_indexes=True, batch=2)
    # the indexes were dropped first, built at the end, and are valid; the phrase search finds every one
    assert "đã tạm bỏ chỉ mục toàn văn" in output
    assert output.index("incoming: 3/3") < output.index("đã dựng chỉ mục search_entry_tsv")
    assert "đã dựng chỉ mục search_entry_pairs" in output
    assert _gin_indexes() == {"search_entry_tsv": True, "search_entry_pairs": True}
    assert find(world.leader, '"cau treo dak nong"').total == 3
    assert find(world.leader, '"treo cau"').total == 0
    # --keep-indexes leaves them in place: nothing dropped, nothing built
    output = _rebuild(keep_indexes=True)
    assert "tạm bỏ" not in output and "đã dựng chỉ mục" not in output
    assert len(docs) == 3


@pytest.mark.postgres
def test_without_a_flag_only_a_large_full_rebuild_drops_the_indexes(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from search import rebuild as rebuild_module

    for i in range(3):
        register(world, subject=f"Kế hoạch {i}", number_symbol=f"{i}-KH/TU")
    monkeypatch.setattr(rebuild_module, "BULK_MIN_DOCS", 3)
    # a kind with fewer documents than the threshold (no outgoing document here) keeps the indexes
    assert "tạm bỏ" not in _rebuild(kind=["outgoing"])
    # stopped after one batch: not a full rebuild, and it is left to resume
    assert "tạm bỏ" not in _rebuild(batch=1, max_batches=1)
    # resuming is not a full rebuild either
    assert "tạm bỏ" not in _rebuild(batch=1)
    # a full one over the threshold drops them and builds them at the end
    output = _rebuild(batch=1)
    assert "tạm bỏ" in output and "đã dựng chỉ mục search_entry_pairs" in output
    assert _gin_indexes() == {"search_entry_tsv": True, "search_entry_pairs": True}
    assert find(world.leader, "ke hoach").total == 3


@pytest.mark.postgres
def test_a_rebuild_repairs_indexes_lost_or_left_invalid_by_an_interrupted_one(world: World) -> None:
    register(world, subject="Báo cáo", number_symbol="1-BC/TU", text="Đắk Nông")
    worker.run_pending()
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX search_entry_tsv")  # an interrupted bulk rebuild dropped it
        # a CREATE INDEX CONCURRENTLY that failed leaves an invalid index behind
        cursor.execute(
            "UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'search_entry_pairs'::regclass"
        )
    assert _gin_indexes() == {"search_entry_pairs": False}
    # a small rebuild does not drop anything, but builds what is missing or invalid
    output = _rebuild(batch=100)
    assert "tạm bỏ" not in output
    assert "đã dựng chỉ mục search_entry_tsv" in output and "đã dựng chỉ mục search_entry_pairs" in output
    assert _gin_indexes() == {"search_entry_tsv": True, "search_entry_pairs": True}
    assert find(world.leader, "dak nong").total == 1


@pytest.mark.postgres
def test_postgres_indexes_word_pairs_without_triples_and_the_migration_drops_old_triples(
    world: World,
) -> None:
    import importlib

    from search.backends import pair_vector
    from search.query import hashed_triples, pair_text

    doc = register(world, subject="Hội nghị Ban Chấp hành", number_symbol="5-TB/TU", text="cầu treo Đắk Nông")
    worker.run_pending()
    entry = Entry.objects.get(doc_id=doc.pk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT array_to_string(tsvector_to_array(tsv_pairs), ' ') FROM search_entry")
        tokens = cursor.fetchone()[0].split()
        assert "dak_nong" in tokens and "cau_treo" in tokens
        assert not [t for t in tokens if t.count("_") > 1]
        # the triples only as hashed keys: "cau treo dak", "treo dak nong" (and those of the metadata)
        assert set(hashed_triples(["cau", "treo", "dak", "nong"])) <= {
            t for t in tokens if t.startswith("_t")
        }
        # an entry indexed before the change (pairs then triples) loses its triples, pairs keep positions
        old = pair_vector(pair_text("cau treo dak nong", with_triples=True))
        cursor.execute("UPDATE search_entry SET tsv_pairs = %s::tsvector WHERE id = %s", [old, entry.pk])
        migration = importlib.import_module("search.migrations.0003_postgres_pairs_only")
        cursor.execute(migration.DROP_TRIPLES)
        cursor.execute("SELECT tsv_pairs::text FROM search_entry WHERE id = %s", [entry.pk])
        assert cursor.fetchone()[0] == "'cau_treo':1 'dak_nong':3 'treo_dak':2"
        # a vector without the hashed triple keys is not found by a three-word phrase until 0004 adds them
        assert find(world.leader, '"cau treo dak nong"').total == 0
        keys = importlib.import_module("search.migrations.0004_postgres_hashed_triples")
        cursor.execute("SELECT tsv_pairs::text FROM search_entry WHERE id = %s", [entry.pk])
        added = keys.triple_keys(cursor.fetchone()[0])
        assert sorted(k.split(":")[0] for k in added.split()) == sorted(
            hashed_triples(["cau", "treo", "dak", "nong"])
        )
        cursor.execute(
            "UPDATE search_entry SET tsv_pairs = tsv_pairs || %s::tsvector WHERE id = %s", [added, entry.pk]
        )
    assert find(world.leader, '"cau treo dak nong"').total == 1
    assert find(world.leader, '"treo dak"').total == 1
    assert find(world.leader, '"treo dak cau"').total == 0
    assert find(world.leader, '"dak nong cau"').total == 0
