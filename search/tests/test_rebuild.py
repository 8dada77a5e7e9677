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
