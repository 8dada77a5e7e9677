"""Archive records in the one search: found by metadata without diacritics, only by those who may see them."""

from __future__ import annotations

import pytest

from archive.tests.conftest import ArchiveWorld, aw  # noqa: F401 - fixture
from search.selectors import Filters, search

pytestmark = pytest.mark.django_db


def test_archive_records_are_searchable_by_those_who_may_see_them(aw: ArchiveWorld) -> None:  # noqa: F811
    record = aw.record()
    secret = aw.record(secrecy="secret")
    w = aw.w
    # the clerk finds the record by its subject typed without diacritics, and by its number-symbol first
    found = search(w.clerk, "tong ket cong tac", Filters(kind="archive"))
    assert {(h.kind, h.id) for h in found.items} == {("archive", record.pk), ("archive", secret.pk)}
    exact = search(w.clerk, "12-BC/HU")
    assert exact.items and exact.items[0].kind == "archive"
    # another organisation and a user without clearance see neither in items nor in the count
    assert search(w.outsider, "tong ket cong tac").total == 0
    low = search(w.lowclear, "tong ket cong tac", Filters(kind="archive"))
    assert secret.pk not in {h.id for h in low.items if h.kind == "archive"}
