"""Replay a demo.plan through the incoming services, so that numbers, audit, history and files are real.

The services stamp rows with the current time; afterwards the rows this seed created (history events,
assignments, notifications, attachments) get the plausible past moments of the plan. The audit log is
append-only and is never touched: it truthfully records when the demo data was loaded.
"""

from __future__ import annotations

import functools
import hashlib
import multiprocessing
import random
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator
from contextlib import ExitStack, closing
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from unittest import mock

from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection, transaction
from django.db.models import Model
from django.db.models.signals import post_save
from django.test.utils import override_settings
from django.utils import timezone

from core import audit, files
from core.models import StoredFile
from demo.orgdata import MAIN_ORG, Created
from demo.pdf import render, render_annex
from demo.plan import COMPLETED, DocPlan, FileSpec, Plan, Step
from documents.models import Attachment
from incoming import permissions as incoming_permissions
from incoming import selectors as incoming_selectors
from incoming import services
from incoming.models import Assignment, Event, IncomingDocument
from notifications.models import Notification
from orgs import selectors as org_selectors

TRACKED: tuple[type[Model], ...] = (Event, Assignment, Notification, Attachment, StoredFile)
TODAY_USERS = (services, org_selectors, incoming_selectors)  # modules whose ``today()`` the seed pins
LINEAGE_USERS = (services, incoming_permissions)
real_checkpoint = audit.write_checkpoint
real_lineage = org_selectors.lineage_ids
WINDOW = 48  # PDF batches rendered ahead of the database work
CHUNK = 4  # documents per rendering task


Rendered = tuple[list[tuple[str, bytes]], int]


def render_files(files: list[FileSpec]) -> Rendered:
    """The files of a document (main document first) and their total number of pages."""
    out: list[tuple[str, bytes]] = []
    pages = 0
    for spec in files:
        if spec.main is not None:
            data, count = render(spec.main)
        elif spec.annex is not None:
            a = spec.annex
            data, count = render_annex(
                number_symbol=a.number_symbol, subject=a.subject, title=a.title, rows=list(a.rows)
            )
        else:
            continue
        out.append((spec.name, data))
        pages += count
    return out, pages


def prestore(data: bytes) -> None:
    """Write a file's bytes where core.files stores them (synced, atomically), so that the service finds
    the blob already there. Runs in the rendering process, taking the disk sync off the database work;
    the StoredFile and Attachment rows are still made by the service. Skipped for non-local storage."""
    if isinstance(default_storage, FileSystemStorage):
        files.write_blob(hashlib.sha256(data).hexdigest(), data)


def _render_chunk(chunk: list[list[FileSpec]]) -> list[Rendered]:
    results = [render_files(files) for files in chunk]
    for uploads, _pages in results:
        for _name, data in uploads:
            prestore(data)
    return results


def rendered(docs: list[DocPlan], workers: int) -> Generator[Rendered, None, None]:
    """Files of each document in order; rendered by ``workers`` processes ahead of the consumer."""
    if workers <= 0:
        for doc in docs:
            yield render_files(doc.files)
        return
    chunks = [[d.files for d in docs[i : i + CHUNK]] for i in range(0, len(docs), CHUNK)]
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:  # no fork on this platform: render in this process
        yield from rendered(docs, 0)
        return
    with context.Pool(workers) as pool:
        pending: deque[Any] = deque()
        index = 0
        while index < len(chunks) or pending:
            while index < len(chunks) and len(pending) < WINDOW:
                pending.append(pool.apply_async(_render_chunk, (chunks[index],)))
                index += 1
            yield from pending.popleft().get()


class Recorder:
    """Collects the rows created by each service call (via post_save) and the moment they belong to."""

    def __init__(self) -> None:
        self.untagged: list[tuple[type[Model], int]] = []
        self.rows: dict[type[Model], list[tuple[int, datetime, bool]]] = {m: [] for m in TRACKED}

    def __call__(self, sender: type[Model], instance: Model, created: bool, **kwargs: Any) -> None:
        if created:
            self.untagged.append((sender, instance.pk))

    def tag(self, at: datetime, finished_doc: bool) -> None:
        """Rows created since the last call belong to ``at``; ``finished_doc``: the document is completed."""
        for model, pk in self.untagged:
            self.rows[model].append((pk, at, finished_doc))
        self.untagged.clear()

    def drain(self) -> dict[type[Model], list[tuple[int, datetime, bool]]]:
        rows = self.rows
        self.rows = {m: [] for m in TRACKED}
        return rows


@dataclass
class Stats:
    documents: int = 0
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0


class Replayer:
    """Plays every planned document through the services, then back-dates the rows it created."""

    def __init__(self, plan: Plan, created: Created) -> None:
        self.plan = plan
        self.users = created.users
        self.units = created.units
        self.org = created.orgs[MAIN_ORG]
        self.issuers = created.orgs
        self.recorder = Recorder()
        self.now = timezone.now()
        self.rng = random.Random(f"{plan.seed}:replay")
        self.doc_times: list[tuple[int, datetime, datetime | None]] = []
        self.finished: list[tuple[int, datetime]] = []
        self.read_cutoff = plan.today - timedelta(days=10)

    def aware(self, moment: datetime) -> datetime:
        value = timezone.make_aware(moment)
        return min(value, self.now - timedelta(seconds=1))

    def run(self, workers: int, progress: Callable[[str], None]) -> Stats:
        stats = Stats()
        started = time.monotonic()
        docs = self.plan.documents
        with ExitStack() as stack:
            files = stack.enter_context(closing(rendered(docs, workers)))  # stops the workers on error
            # no e-mail for the past, and no SQL logging (DEBUG) while thousands of statements run
            stack.enter_context(
                override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend", DEBUG=False)
            )
            # the services check dates against "today": make it the seed's today
            for module in TODAY_USERS:
                if hasattr(module, "today"):
                    stack.enter_context(mock.patch.object(module, "today", lambda: self.plan.today))
            self._shortcuts(stack)
            for model in TRACKED:
                post_save.connect(
                    self.recorder, sender=model, weak=False, dispatch_uid=f"demo-seed-{model.__name__}"
                )
            stack.callback(self._disconnect)
            for month, batch in _by_month(docs):
                with transaction.atomic():
                    for doc in batch:
                        uploads, pages = next(files)
                        self.replay(doc, uploads, pages)
                        stats.files += len(uploads)
                        stats.bytes += sum(len(b) for _, b in uploads)
                    self.flush()
                    transaction.on_commit(real_checkpoint)  # once per batch instead of once per event
                stats.documents += len(batch)
                progress(
                    f"  Tháng {month:%m/%Y}: {len(batch):>4} văn bản đến "
                    f"(đã xong {stats.documents}/{len(docs)}, {time.monotonic() - started:.1f} giây)"
                )
        stats.seconds = time.monotonic() - started
        return stats

    @staticmethod
    def _shortcuts(stack: ExitStack) -> None:
        """Two shortcuts that do not change the result, for speed while thousands of events are written:
        the audit checkpoint (a file mirroring the chain head, refreshed after each commit) is written once
        per committed batch; and an organization's lineage (merged organizations) is looked up once, as no
        organization is merged while the seed runs."""
        stack.enter_context(mock.patch.object(audit, "write_checkpoint", _no_checkpoint))
        cached = functools.lru_cache(maxsize=None)(
            lambda organization_id: frozenset(real_lineage(organization_id))
        )
        for module in LINEAGE_USERS:
            if getattr(module, "lineage_ids", None) is real_lineage:
                stack.enter_context(mock.patch.object(module, "lineage_ids", lambda pk: set(cached(pk))))

    def _disconnect(self) -> None:
        for model in TRACKED:
            post_save.disconnect(sender=model, dispatch_uid=f"demo-seed-{model.__name__}")

    # -- one document --------------------------------------------------------------------------------

    def replay(self, plan: DocPlan, uploads: list[tuple[str, bytes]], pages: int) -> None:
        clerk = self.users["vanthu"]
        issuer = self.issuers.get(plan.issuer_key)
        data = services.Registration(
            issuer_name=plan.issuer_name,
            number_symbol=plan.number_symbol,
            issued_date=plan.issued,
            doc_type=plan.doc_type,
            subject=plan.subject,
            issuer_id=issuer.pk if issuer else None,
            signer_name=plan.signer_name,
            signer_position=plan.signer_position,
            urgency=plan.urgency,
            secrecy=plan.secrecy,
            channel=plan.channel,
            page_count=pages,
            arrival_date=plan.arrival,
            description=plan.description,
        )
        result = services.incoming_register(actor=clerk, organization=self.org, data=data, uploads=uploads)
        doc = result.document
        registered = self.aware(plan.registered_at)
        finished_doc = plan.final == COMPLETED
        self.recorder.tag(registered, finished_doc)
        completed: datetime | None = None
        acknowledged: list[tuple[Step, datetime]] = []
        for step in plan.steps:
            self.perform(doc, step)
            at = self.aware(step.at)
            self.recorder.tag(at, finished_doc)
            if step.action == "complete":
                completed = at
            elif step.action == "acknowledge":
                acknowledged.append((step, at))
        self.doc_times.append((doc.pk, registered, completed))
        if completed is not None or acknowledged:
            self._finish_times(doc.pk, completed, acknowledged)

    def perform(self, doc: IncomingDocument, step: Step) -> None:
        actor = self.users[step.actor]
        if step.action == "submit":
            services.incoming_submit(actor=actor, document=doc, note=step.text)
        elif step.action == "return_to_clerk":
            services.incoming_return(actor=actor, document=doc, reason=step.text)
        elif step.action == "assign":
            items = [
                services.AssignmentInput(
                    role=i.role,
                    unit_id=self.units[i.unit].pk if i.unit else None,
                    person_id=self.users[i.person].pk if i.person else None,
                    deadline=i.deadline,
                )
                for i in step.items
            ]
            services.incoming_assign(actor=actor, document=doc, items=items, instruction=step.text)
        elif step.action == "forward":
            services.incoming_forward(
                actor=actor,
                document=doc,
                person_ids=[self.users[p].pk for p in step.people],
                deadline=step.deadline,
                instruction=step.text,
            )
        elif step.action == "note":
            services.incoming_add_note(actor=actor, document=doc, note=step.text)
        elif step.action == "acknowledge":
            services.incoming_acknowledge(actor=actor, document=doc, note=step.text)
        elif step.action == "complete":
            services.incoming_complete(
                actor=actor, document=doc, note=step.text, reply_number_symbol=step.reply
            )
        else:
            raise ValueError(f"unknown step {step.action}")

    def _finish_times(
        self, doc_id: int, completed: datetime | None, acknowledged: list[tuple[Step, datetime]]
    ) -> None:
        """Moments at which the document's finished assignments were finished."""
        rows = Assignment.objects.filter(document_id=doc_id, finished_at__isnull=False).values_list(
            "id", "role", "unit_id", "person_id"
        )
        acked_people = {self.users[s.actor].pk: at for s, at in acknowledged}
        acked_units = {self.users[s.actor].unit_id: at for s, at in acknowledged}
        for pk, role, unit_id, person_id in rows:
            at = completed
            if role != "lead":
                at = (
                    acked_people.get(person_id)
                    or (acked_units.get(unit_id) if person_id is None else None)
                    or at
                )
            if at is not None:
                self.finished.append((pk, at))

    # -- back-dating ---------------------------------------------------------------------------------

    def flush(self) -> None:
        rows = self.recorder.drain()
        finished = dict(self.finished)
        _update(Event, "at", [(at, pk) for pk, at, _ in rows[Event]])
        _update(Attachment, "created_at", [(at, pk) for pk, at, _ in rows[Attachment]])
        _update(StoredFile, "created_at", [(at, pk) for pk, at, _ in rows[StoredFile]])
        _update(Assignment, "created_at", [(at, pk) for pk, at, _ in rows[Assignment]])
        _update(Assignment, "finished_at", [(at, pk) for pk, at in finished.items()])
        # old notifications and those about finished documents have been read; recent open work is unread
        notifications = []
        for pk, at, finished_doc in rows[Notification]:
            read = None
            if finished_doc or at.date() < self.read_cutoff:
                read = min(at + timedelta(minutes=self.rng.randint(5, 240)), self.now)
            notifications.append((at, read, pk))
        _update(Notification, ("created_at", "read_at"), notifications)
        _update(
            IncomingDocument,
            ("received_at", "completed_at"),
            [(reg, done, pk) for pk, reg, done in self.doc_times],
        )
        self.doc_times.clear()
        self.finished.clear()


def _update(model: type[Model], columns: str | tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """UPDATE model SET columns = … WHERE id = … for many rows at once (datetime columns only)."""
    if not rows:
        return
    names = (columns,) if isinstance(columns, str) else columns
    meta = model._meta
    ops = connection.ops
    columns_sql = [ops.quote_name(str(getattr(meta.get_field(name), "column", name))) for name in names]
    assignments = ", ".join(f"{column} = %s" for column in columns_sql)
    pk_column = ops.quote_name(str(meta.pk.column if meta.pk is not None else "id"))
    sql = f"UPDATE {ops.quote_name(meta.db_table)} SET {assignments} WHERE {pk_column} = %s"  # noqa: S608
    params = [[ops.adapt_datetimefield_value(v) for v in row[:-1]] + [row[-1]] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _no_checkpoint() -> None:
    """Stands in for audit.write_checkpoint during the seed (see Replayer._shortcuts)."""


def _by_month(docs: list[DocPlan]) -> Iterator[tuple[date, list[DocPlan]]]:
    batch: list[DocPlan] = []
    month: date | None = None
    for doc in docs:
        key = doc.arrival.replace(day=1)
        if month is not None and key != month:
            yield month, batch
            batch = []
        month = key
        batch.append(doc)
    if batch and month is not None:
        yield month, batch


def seed_documents(
    plan: Plan, created: Created, *, workers: int = 1, progress: Callable[[str], None] = print
) -> Stats:
    """Register and process every planned document through the incoming services."""
    return Replayer(plan, created).run(workers, progress)
