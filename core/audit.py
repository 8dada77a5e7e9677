"""Append-only, hash-chained audit log.

Every append locks the single head row, so concurrent writers never fork the chain; the event is
written in the caller's transaction, so a rolled-back change leaves no event and vice versa.
After commit, an HMAC-signed checkpoint of the head is written outside the database so that
truncating the newest events is detected too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from core.middleware import current_ip
from core.models import AuditEvent, AuditHead

GENESIS = "0" * 64


def _canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(
        payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode()


def _payload(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "actor": event.actor_id,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "organization": event.organization_id,
        "data": event.data,
        "ip": event.ip,
    }


def compute_hash(prev_hash: str, payload: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + _canonical(payload)).hexdigest()


def record(
    *,
    actor: Any,
    action: str,
    target: Model | None = None,
    organization_id: int | None = None,
    data: dict[str, Any] | None = None,
    target_type: str = "",
    target_id: str = "",
) -> AuditEvent:
    """Append one event in the current transaction (opens one if there is none). Inside a caller's
    transaction no savepoint is taken: an event that cannot be written fails the change it records."""
    with transaction.atomic(savepoint=False):
        seq, prev_hash = _head(lock=True)
        if target is not None:
            target_type = target._meta.label_lower
            target_id = str(target.pk)
        actor_id = getattr(actor, "pk", None) if actor is not None else None
        event = AuditEvent(
            seq=seq + 1,
            at=timezone.now(),
            actor_id=actor_id,
            actor_name=getattr(actor, "username", "") if actor is not None else "",
            action=action,
            target_type=target_type,
            target_id=target_id,
            organization_id=organization_id,
            data=json.loads(_canonical(data or {})),
            ip=current_ip.get() or "",
            prev_hash=prev_hash,
        )
        event.hash = compute_hash(prev_hash, _payload(event))
        event.save(force_insert=True)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {_head_table()} SET seq = %s, hash = %s WHERE id = 1",  # noqa: S608 (our table)
                [event.seq, event.hash],
            )
        transaction.on_commit(write_checkpoint)
    return event


def _head_table() -> str:
    return str(connection.ops.quote_name(AuditHead._meta.db_table))


def _head(*, lock: bool = False) -> tuple[int, str]:
    """The chain's head (seq, hash), locked for the rest of the transaction with ``lock`` (PostgreSQL;
    on SQLite the transaction holds the database's write lock already). In SQL of its own: every audited
    change and every checkpoint reads it, and the ORM's query building cost more than the read."""
    sql = f"SELECT seq, hash FROM {_head_table()} WHERE id = 1"  # noqa: S608 (our table)
    if lock and connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    if row is None:  # the first event of a new database
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        return head.seq, head.hash
    return int(row[0]), str(row[1])


# --- checkpoint kept outside the database -------------------------------------------------------------


def _mac(seq: int, digest: str) -> str:
    key = hashlib.sha256(b"dieuhanh-audit-checkpoint:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, f"{seq}:{digest}".encode(), hashlib.sha256).hexdigest()


def checkpoint_path() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_PATH)


def read_checkpoint() -> dict[str, Any] | None:
    path = checkpoint_path()
    if not path.exists():
        return None
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return {"invalid": True}
    return data


_checkpoint_lock = threading.Lock()


def write_checkpoint() -> None:
    """The head as it is now, written and synced outside the database (after each audited commit).

    One writer at a time per process, and the head is read under the lock: commits that end while a
    checkpoint is being synced (~10 ms) are covered by the next one, written once for all of them (a
    group commit: the exchange's receiving threads, dispatcher and workers commit audited transactions
    concurrently), and an older head never overwrites a newer one. Each caller still returns once a
    checkpoint covering its own commit is on disk."""
    with _checkpoint_lock:
        _write_checkpoint()


def _write_checkpoint() -> None:
    seq, digest = _head()
    if seq == 0:
        return
    current = read_checkpoint()
    if current and not current.get("invalid") and int(current.get("seq", 0)) >= seq:
        return
    path = checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"seq": seq, "hash": digest, "at": timezone.now().isoformat(), "mac": _mac(seq, digest)}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".checkpoint-")
    with os.fdopen(fd, "w") as fh:
        json.dump(body, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


# --- verification -------------------------------------------------------------------------------------


@dataclass
class VerifyResult:
    ok: bool
    rows: int
    first_bad_seq: int | None = None
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {"ok": self.ok, "rows": self.rows}
        if not self.ok:
            result["first_bad_seq"] = self.first_bad_seq
            result["reason"] = self.reason
        return result


def verify_chain(batch_size: int = 5000) -> VerifyResult:
    """Recompute every hash; compare the head row and the outside checkpoint."""
    prev = GENESIS
    expected_seq = 1
    rows = 0
    hashes_at: dict[int, str] = {}
    checkpoint = read_checkpoint()
    cp_seq = int(checkpoint["seq"]) if checkpoint and not checkpoint.get("invalid") else None
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=batch_size):
        rows += 1
        if event.seq != expected_seq:
            return VerifyResult(False, rows, expected_seq, "Thiếu hoặc chèn thêm sự kiện trong chuỗi.")
        if event.prev_hash != prev or compute_hash(prev, _payload(event)) != event.hash:
            return VerifyResult(False, rows, event.seq, "Nội dung sự kiện đã bị sửa đổi.")
        if cp_seq == event.seq:
            hashes_at[event.seq] = event.hash
        prev = event.hash
        expected_seq += 1
    head = AuditHead.objects.filter(id=1).first()
    if head is not None and (head.seq != rows or head.hash != prev):
        return VerifyResult(False, rows, rows + 1, "Chuỗi nhật ký ngắn hơn bản ghi đầu chuỗi (bị cắt bớt).")
    if checkpoint is not None:
        if checkpoint.get("invalid") or checkpoint.get("mac") != _mac(
            int(checkpoint["seq"]), checkpoint["hash"]
        ):
            return VerifyResult(False, rows, None, "Điểm kiểm tra bên ngoài không hợp lệ (chữ ký sai).")
        if cp_seq is not None and cp_seq > rows:
            return VerifyResult(
                False, rows, rows + 1, "Nhật ký đã bị cắt bớt so với điểm kiểm tra bên ngoài."
            )
        if cp_seq is not None and hashes_at.get(cp_seq) != checkpoint["hash"]:
            return VerifyResult(False, rows, cp_seq, "Chuỗi nhật ký không khớp điểm kiểm tra bên ngoài.")
    return VerifyResult(True, rows)


def events_for(target: Model) -> Any:
    return AuditEvent.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk))
