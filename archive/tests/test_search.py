"""Archive records in the one search: found by metadata without diacritics, only by those who may see them."""

from __future__ import annotations

from datetime import date

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


def test_search_within_a_dossier(aw: ArchiveWorld) -> None:  # noqa: F811
    from django.test import Client

    from api.tests.helpers import client_for
    from archive import services
    from search.tests.helpers import register

    w = aw.w
    kept = aw.record()
    other = aw.record(issued=date(2021, 3, 4))
    incoming = register(w, subject="Báo cáo tổng kết công tác tuyên giáo", number_symbol="40-BC/TU")
    dossier = aw.dossier(title="Hồ sơ tổng kết")
    for kind, pk in (("archive", kept.pk), ("incoming", incoming.pk)):
        services.dossier_add_document(actor=w.clerk, dossier=dossier, kind=kind, document_id=pk)
    # a document may be in several dossiers
    second = aw.dossier(code="02.TH", title="Hồ sơ thứ hai")
    services.dossier_add_document(actor=w.clerk, dossier=second, kind="archive", document_id=kept.pk)
    found = search(w.clerk, "tong ket", Filters(dossier=dossier.pk))
    assert {(h.kind, h.id) for h in found.items} == {("archive", kept.pk), ("incoming", incoming.pk)}
    assert other.pk not in {h.id for h in search(w.clerk, "", Filters(dossier=second.pk)).items}
    assert {h.id for h in search(w.clerk, "", Filters(dossier=second.pk)).items} == {kept.pk}
    # a dossier the user may not see filters to nothing
    assert search(w.outsider, "tong ket", Filters(dossier=dossier.pk)).total == 0
    # the API and the page take it too; the page offers the dossiers the user may see
    body = client_for(w.clerk).get("/api/v1/search", {"q": "tong ket", "dossier": dossier.pk}).json()
    assert body["total"] == 2
    client = Client()
    client.force_login(w.clerk)
    html = client.get("/tim-kiem/", {"q": "tong ket", "dossier": dossier.pk}).content.decode()
    assert "Hồ sơ tổng kết" in html and "2 kết quả" in html
