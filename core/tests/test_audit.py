"""The audit log: chained, append-only at the database, truncation caught by the outside checkpoint."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from core import audit, dbtriggers
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def fill(n: int) -> None:
    for i in range(n):
        audit.record(actor=None, action="test.event", target_type="thing", target_id=str(i), data={"i": i})
    audit.write_checkpoint()


def test_chain_verifies() -> None:
    fill(20)
    result = audit.verify_chain()
    assert result.ok and result.rows == 20


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE core_auditevent SET action = 'forged' WHERE seq = 3",
        "DELETE FROM core_auditevent WHERE seq = 3",
    ],
)
def test_updates_and_deletes_are_refused_by_the_database(statement: str) -> None:
    fill(5)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEvent.objects.count() == 5
    assert AuditEvent.objects.get(seq=3).action == "test.event"


def test_orm_update_is_refused() -> None:
    fill(3)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=2).update(action="forged")


def _tamper(sql: str, params: list[Any]) -> None:
    """Simulate someone with database access who removed the protection first."""
    dbtriggers.drop(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    finally:
        dbtriggers.create(connection)


@pytest.mark.parametrize("seq", [1, 7, 15])
def test_edited_payload_is_detected_at_its_seq(seq: int) -> None:
    fill(15)
    _tamper("UPDATE core_auditevent SET data = %s WHERE seq = %s", [json.dumps({"i": 999}), seq])
    result = audit.verify_chain()
    assert not result.ok and result.first_bad_seq == seq


def test_deleted_middle_row_is_detected() -> None:
    fill(10)
    _tamper("DELETE FROM core_auditevent WHERE seq = %s", [4])
    result = audit.verify_chain()
    assert not result.ok and result.first_bad_seq == 4


def test_truncation_is_caught_by_the_outside_checkpoint() -> None:
    fill(10)
    # the attacker deletes the newest rows and rewinds the head row so the chain alone looks fine
    _tamper("DELETE FROM core_auditevent WHERE seq > %s", [7])
    last = AuditEvent.objects.get(seq=7)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_audithead SET seq = %s, hash = %s", [7, last.hash])
    result = audit.verify_chain()
    assert not result.ok
    assert "cắt bớt" in result.reason


def test_forged_checkpoint_is_detected(settings: Any) -> None:
    fill(3)
    path = settings.AUDIT_CHECKPOINT_PATH
    body = json.loads(path.read_text())
    body["seq"] = 2
    path.write_text(json.dumps(body))
    assert not audit.verify_chain().ok


def test_rolled_back_change_leaves_no_event() -> None:
    fill(2)
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(actor=None, action="test.rollback")
        raise RuntimeError
    assert AuditEvent.objects.count() == 2
    assert audit.verify_chain().ok


def test_verify_endpoint_for_administrators_only(world: Any) -> None:
    from django.test import Client

    from core import tokens

    fill(3)
    admin_key, _ = tokens.issue(world.admin)
    clerk_key, _ = tokens.issue(world.clerk)
    response = Client(HTTP_AUTHORIZATION=f"Bearer {admin_key}").get("/api/v1/audit/verify")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "rows": AuditEvent.objects.count()}
    assert Client(HTTP_AUTHORIZATION=f"Bearer {clerk_key}").get("/api/v1/audit/verify").status_code == 403


def test_verify_command_fails_on_tampering() -> None:
    from django.core.management import CommandError, call_command

    fill(4)
    call_command("audit_verify")
    _tamper("UPDATE core_auditevent SET action = %s WHERE seq = %s", ["x", 2])
    with pytest.raises(CommandError):
        call_command("audit_verify")


@pytest.mark.django_db(transaction=True)
def test_checkpoints_of_concurrent_commits_are_written_once_for_all(monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import threading

    from django.db import connections

    fill(1)
    syncing, release = threading.Event(), threading.Event()
    synced: list[int] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(fd)
        if len(synced) == 1:  # the first checkpoint is slow to reach the disk
            syncing.set()
            release.wait(10)
        real_fsync(fd)

    monkeypatch.setattr(audit.os, "fsync", fsync)

    def commit(i: int) -> None:
        try:
            audit.record(actor=None, action="test.event", target_type="thing", target_id=f"c{i}")
        finally:
            connections.close_all()

    first = threading.Thread(target=commit, args=(0,))
    first.start()
    assert syncing.wait(10)
    others = [threading.Thread(target=commit, args=(i,)) for i in range(1, 4)]
    for thread in others:
        thread.start()
    # the three commit while the first checkpoint is being synced, then wait for the writer
    while AuditEvent.objects.count() < 5:
        threading.Event().wait(0.01)
    release.set()
    for thread in [first, *others]:
        thread.join(10)
    assert len(synced) == 2  # the first checkpoint, then one covering the three others
    assert json.loads(audit.checkpoint_path().read_text())["seq"] == 5
    assert audit.verify_chain().ok
