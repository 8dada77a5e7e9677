"""What ``directory.routes`` remembers per process, and when it reads again: the directory's change
token, kept by database triggers (exchange/directory_version.py), changes with every write that changes
what the directory says — and with nothing else."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from exchange import directory, directory_version
from exchange.models import DirectoryEntry, Node
from exchange.tests.conftest import COMMUNE_ID, ExchangeWorld
from orgs.models import Organization

pytestmark = pytest.mark.django_db


def _token() -> int:
    return directory_version.token(connection)


def test_a_message_after_the_first_costs_one_primary_key_read(xw: ExchangeWorld) -> None:
    ours = str(xw.w.org.identifier)
    first = directory.routes([COMMUNE_ID, ours])
    assert first.next_hop(COMMUNE_ID) == xw.hub and first.local_organization(ours) == xw.w.org
    with CaptureQueriesContext(connection) as queries:
        again = directory.routes([COMMUNE_ID, ours])
    assert len(queries) == 1 and "exchange_directory_version" in queries[0]["sql"]
    assert again.registered_certificates(COMMUNE_ID)[0] == xw.commune_key.cert
    assert again.local_organization(COMMUNE_ID) is None  # listed, not served here


def test_every_write_that_changes_the_directory_is_seen_at_once(xw: ExchangeWorld) -> None:
    assert directory.routes([COMMUNE_ID]).next_hop(COMMUNE_ID) == xw.hub
    # a bulk update (the hub's listing is applied so): no model signal, the trigger sees it
    DirectoryEntry.objects.filter(organization=xw.commune).update(active=False)
    assert directory.routes([COMMUNE_ID]).next_hop(COMMUNE_ID) is None
    DirectoryEntry.objects.filter(organization=xw.commune).update(active=True)
    other = Node.objects.create(name="Trục liên thông khác", endpoint="http://127.0.0.1:9/", is_hub=False)
    DirectoryEntry.objects.filter(organization=xw.commune).update(node=other)
    assert directory.routes([COMMUNE_ID]).next_hop(COMMUNE_ID) == other
    Node.objects.filter(pk=other.pk).update(endpoint="http://127.0.0.1:10/")
    moved = directory.routes([COMMUNE_ID]).next_hop(COMMUNE_ID)
    assert moved is not None and moved.endpoint == "http://127.0.0.1:10/"
    # an organisation listed later, and one that becomes ours
    Organization.objects.create(name="Đảng ủy xã Tân Lập", identifier="000.12.32.H99")
    assert directory.routes(["000.12.32.H99"]).organizations["000.12.32.H99"].name == "Đảng ủy xã Tân Lập"
    Organization.objects.filter(identifier="000.12.32.H99").update(uses_system=True)
    assert directory.routes(["000.12.32.H99"]).local_organization("000.12.32.H99") is not None
    DirectoryEntry.objects.filter(organization=xw.commune).delete()
    assert directory.routes([COMMUNE_ID]).registered_certificates(COMMUNE_ID) == []


def test_what_every_delivery_writes_does_not_empty_the_memory(xw: ExchangeWorld) -> None:
    before = _token()
    Node.objects.filter(pk=xw.hub.pk).update(last_ok_at=timezone.now(), consecutive_failures=0)
    Organization.objects.filter(pk=xw.commune.pk).update(abbreviation="ĐUX")  # not a column it reads
    assert _token() == before
    Organization.objects.filter(pk=xw.commune.pk).update(name="Đảng ủy xã Hòa Bình mới")
    assert _token() != before


def test_a_rolled_back_change_is_not_remembered(xw: ExchangeWorld) -> None:
    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        DirectoryEntry.objects.filter(organization=xw.commune).update(active=False)
        assert directory.routes([COMMUNE_ID]).next_hop(COMMUNE_ID) is None
        raise Undo
    # the token is the one from before the transaction again: what was read inside it is not used
    assert directory.routes([COMMUNE_ID]).next_hop(COMMUNE_ID) == xw.hub


@pytest.mark.django_db(transaction=True)
def test_a_change_committed_by_another_connection_is_seen(
    world: Any, exchange_pki: Any, next_hop: Any
) -> None:
    from exchange.tests.conftest import build_exchange_world

    xw = build_exchange_world(world, exchange_pki, next_hop)
    assert directory.routes([COMMUNE_ID]).next_hop(COMMUNE_ID) == xw.hub

    def elsewhere() -> None:  # another thread: its own connection, its own commit
        try:
            DirectoryEntry.objects.filter(organization=xw.commune).update(active=False)
        finally:
            connection.close()

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert directory.routes([COMMUNE_ID]).next_hop(COMMUNE_ID) is None


def test_identifiers_nobody_knows_are_not_kept(xw: ExchangeWorld) -> None:
    # a message's identifiers are read before its signature is checked: unknown ones are asked each time,
    # never kept (a flood of made-up identifiers cannot fill the memory)
    made_up = [f"999.00.{n:02d}.H99" for n in range(50)]
    assert directory.routes([COMMUNE_ID, *made_up]).next_hop(COMMUNE_ID) == xw.hub
    assert COMMUNE_ID in directory._known and not set(made_up) & set(directory._known)
    with CaptureQueriesContext(connection) as queries:
        directory.routes(made_up[:1])
    assert len(queries) == 2  # the token, then the query for what is not known
