"""The outgoing half of the benchmark data set: N outgoing documents of the same organization.

Loaded after the incoming half (``bench.dataset``), into the same database, with ``bulk_create`` (2,000
documents per transaction), not through ``outgoing.services``. It has its own marker
(``core_counter.scope == dbsetup.outgoing_marker_scope(size)``), so that a database loaded before the
outgoing documents were part of the bench gets only this half. Import only after ``django.setup()``.

What it writes: one approval route for all document types (1 unit head, 2 office leader, 3 committee
leader, the signing step), a committee leader, an outgoing register, the committee terms the issue dates
fall into, and N documents over three calendar years: mostly issued (numbered gap-free per document type
and committee term, as ``outgoing.numbering`` does for the Party profile), some drafts, a few approved
ones waiting to be issued, and ~1.2 % waiting for approval, spread over the three steps so that the
office leaders have ~100 documents at their step. Every document has its version 1 (an attachment; all
share one small stored PDF) and an approval for every step it went through (~282,000 at 100,000
documents), so that the visibility rule's "decided on it" subquery and the planner's statistics see a
table of realistic size.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from bench.dataset import (
    BATCH_SIZE,
    CLERK,
    DOC_TYPES,
    LEADER,
    ORG_NAME,
    PASSWORD,
    TOPICS,
    URGENCIES,
    _weighted,
)
from bench.dbsetup import outgoing_marker_scope
from bench.measure import make_pdf
from core import files
from core.models import Counter, StoredFile
from core.vn import fold
from documents.models import Attachment, DocType, Register, RegisterKind
from orgs.models import Organization, Role, RoleAssignment, User
from orgs.selectors import today
from outgoing.models import (
    Approval,
    ApprovalRoute,
    ApprovalRouteStep,
    CommitteeTerm,
    OutgoingDocument,
    Version,
)

COMMITTEE_LEADER = "bithu"  # the signer at step 3 (role committee_leader)
OTHER_LEADER = "phochanh"  # the second office leader (bench.dataset): approves some step-2 documents
STEPS = [  # (position, role, is_signer) of the organization's approval route
    (1, Role.UNIT_HEAD, False),
    (2, Role.OFFICE_LEADER, False),
    (3, Role.COMMITTEE_LEADER, True),
]
LEADER_STEP = 2  # the step of the measured approver (dataset.LEADER, an office leader)

PENDING_SHARE = 0.012  # waiting for approval: 1,200 of 100,000
LEADER_QUEUE_SHARE = 1 / 12  # of those, at the office leaders' step: 100 of 1,200 (at least 5)
SIGNER_QUEUE_SHARE = 0.25  # at the signing step; the rest waits for the unit heads (step 1)
APPROVED_SHARE = 0.003  # approved, waiting to be numbered and issued
DRAFT_SHARE = 0.05
CONFIDENTIAL_SHARE = 0.03
TERM_MONTH_DAY = (10, 1)  # committee terms run 1 Oct – 30 Sep, five years from 2020


def is_loaded(size: int) -> bool:
    return Counter.objects.filter(scope=outgoing_marker_scope(size)).exists()


@contextmanager
def _explicit_timestamps() -> Iterator[None]:
    """Let bulk_create keep the creation times we give (``auto_now_add`` fields) during the load."""
    fields = [
        model._meta.get_field(name)
        for model, name in ((OutgoingDocument, "created_at"), (Version, "created_at"), (Approval, "at"))
    ] + [Attachment._meta.get_field("created_at")]
    saved = []
    for field in fields:
        assert isinstance(field, models.DateTimeField)
        saved.append(field.auto_now_add)
        field.auto_now_add = False
    try:
        yield
    finally:
        for field, value in zip(fields, saved, strict=True):
            field.auto_now_add = value  # type: ignore[union-attr]


def _term_start(on: date) -> date:
    year = on.year if (on.month, on.day) >= TERM_MONTH_DAY else on.year - 1
    return date(2020 + 5 * ((year - 2020) // 5), *TERM_MONTH_DAY)


def _term(org: Organization, on: date, cache: dict[date, CommitteeTerm]) -> CommitteeTerm:
    start = _term_start(on)
    if start not in cache:
        cache[start], _ = CommitteeTerm.objects.get_or_create(
            organization=org,
            start_date=start,
            defaults={
                "name": f"{start.year}–{start.year + 5}",
                "end_date": date(start.year + 5, start.month, start.day) - timedelta(days=1),
            },
        )
    return cache[start]


def _directory(org: Organization) -> tuple[ApprovalRoute, Register, User]:
    """The route, the outgoing register and the committee leader (created when missing: re-runnable)."""
    committee_leader = User.objects.filter(username=COMMITTEE_LEADER).first()
    if committee_leader is None:
        from django.contrib.auth.hashers import make_password

        committee_leader = User.objects.create(
            username=COMMITTEE_LEADER,
            password=make_password(PASSWORD),
            full_name="Đinh Văn Thường",
            organization=org,
            clearance="top_secret",
            email=f"{COMMITTEE_LEADER}@example.test",
        )
    RoleAssignment.objects.get_or_create(user=committee_leader, role=Role.COMMITTEE_LEADER, organization=org)
    register, _ = Register.objects.get_or_create(
        organization=org, kind=RegisterKind.OUTGOING, defaults={"name": "Sổ đăng ký văn bản đi"}
    )
    route, _ = ApprovalRoute.objects.get_or_create(organization=org, doc_type=None)
    for position, role, is_signer in STEPS:
        ApprovalRouteStep.objects.get_or_create(
            route=route, position=position, defaults={"role": role, "is_signer": is_signer}
        )
    return route, register, committee_leader


def _statuses(total: int, rng: random.Random) -> tuple[list[str], list[int]]:
    """Status and current step of each document (documents are in creation order, oldest first)."""
    n_pending = round(total * PENDING_SHARE)
    n_leader = min(n_pending, max(5, round(n_pending * LEADER_QUEUE_SHARE)))
    n_signer = min(n_pending - n_leader, round(n_pending * SIGNER_QUEUE_SHARE))
    n_approved = round(total * APPROVED_SHARE)
    n_draft = round(total * DRAFT_SHARE)
    statuses = ["issued"] * total
    steps = [len(STEPS)] * total  # an issued document went through the last step
    # Waiting ones are recent: drawn from the newest documents.
    pool = list(range(max(0, total - round(2.5 * (n_pending + n_approved))), total))
    waiting = rng.sample(pool, min(len(pool), n_pending + n_approved))
    for i in waiting[:n_approved]:
        statuses[i] = "approved"
    for k, i in enumerate(waiting[n_approved:]):
        statuses[i] = "pending_approval"
        steps[i] = LEADER_STEP if k < n_leader else 3 if k < n_leader + n_signer else 1
    # Drafts: half recent, half abandoned long ago.
    rest = [i for i in range(total) if statuses[i] == "issued"]
    recent = rest[-max(1, len(rest) // 10) :]
    drafts = set(rng.sample(recent, min(len(recent), n_draft // 2)))
    older = [i for i in rest if i not in drafts]
    drafts |= set(rng.sample(older, min(len(older), n_draft - len(drafts))))
    for i in drafts:
        statuses[i] = "draft"
        steps[i] = 0
    return statuses, steps


def _stored_draft() -> StoredFile:
    """The one stored file every version points at (a small PDF, stored through core.files)."""
    with files.atomic_with_files():
        return files.store(
            files.validate("du-thao.pdf", make_pdf("Du thao van ban di"), allowed=frozenset({files.PDF}))
        )


def _clear(org: Organization) -> None:
    """Remove what an interrupted load left (children first: approvals protect their versions)."""
    Approval.objects.filter(document__organization=org).delete()
    Version.objects.filter(document__organization=org).delete()
    OutgoingDocument.objects.filter(organization=org).delete()
    Attachment.objects.filter(owner_kind="outgoing").delete()
    Counter.objects.filter(scope__startswith=f"party:{org.pk}:type:").delete()


def load(total: int, *, seed: int = 4711, progress: Callable[[str], None] = print) -> dict[str, Any]:
    """Write ``total`` outgoing documents (replacing any left by an interrupted load) and the marker."""
    rng = random.Random(seed)
    started = time.perf_counter()
    now = today()
    org = Organization.objects.get(name=ORG_NAME)
    clerk = User.objects.get(username=CLERK)
    office_leaders = [User.objects.get(username=LEADER), *User.objects.filter(username=OTHER_LEADER)]
    drafters = list(
        User.objects.filter(organization=org, role_assignments__role=Role.SPECIALIST, unit__isnull=False)
        .select_related("unit")
        .order_by("username")
    )
    heads = {
        u.unit_id: u
        for u in User.objects.filter(
            organization=org, role_assignments__role=Role.UNIT_HEAD, unit__isnull=False
        )
    }
    by_code = {t.code: t for t in DocType.objects.filter(profile="party", code__in=list(DOC_TYPES))}
    doc_types = [by_code[code] for code in DOC_TYPES if code in by_code]
    type_weights = [DOC_TYPES[t.code] for t in doc_types]
    with transaction.atomic():
        _clear(org)
        route, register, committee_leader = _directory(org)
    stored = _stored_draft()

    start = date(now.year - 2, 1, 1)
    span = (now - start).days
    moment_now = timezone.now()
    moments = sorted(  # working hours over three calendar years, none later than now
        min(
            timezone.make_aware(
                datetime.combine(start + timedelta(days=rng.randint(0, span)), dtime(7 + rng.randint(0, 9)))
                + timedelta(minutes=rng.randint(0, 59), seconds=rng.randint(0, 59))
            ),
            moment_now - timedelta(minutes=rng.randint(1, 120)),
        )
        for _ in range(total)
    )
    statuses, steps = _statuses(total, rng)
    issued_on: dict[int, datetime] = {}
    for i, moment in enumerate(moments):
        if statuses[i] == "issued":
            issued_on[i] = min(
                moment + timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 6)), moment_now
            )
    terms: dict[date, CommitteeTerm] = {}
    _term(org, now, terms)  # the term of today, so that issuing works after the load
    # Numbers in issue order, per (document type, committee term): gap-free, unique per scope.
    kinds = [rng.choices(doc_types, weights=type_weights)[0] for _ in range(total)]
    numbers: dict[str, int] = {}
    number_of: dict[int, tuple[str, int]] = {}
    for i in sorted(issued_on, key=issued_on.__getitem__):
        on = timezone.localdate(issued_on[i])
        scope = f"party:{org.pk}:type:{kinds[i].code}:term:{_term(org, on, terms).pk}"
        numbers[scope] = numbers.get(scope, 0) + 1
        number_of[i] = (scope, numbers[scope])

    written = approvals = 0
    with _explicit_timestamps():
        for offset in range(0, total, BATCH_SIZE):
            docs = []
            for i in range(offset, min(offset + BATCH_SIZE, total)):
                doc_type = kinds[i]
                drafter = rng.choice(drafters)
                status = statuses[i]
                scope, number = number_of.get(i, ("", 0))
                symbol = (
                    f"{number:02d}-{doc_type.abbreviation or doc_type.code}/{org.abbreviation}"
                    if number
                    else ""
                )
                moment = moments[i]
                subject = f"{doc_type.name} " + rng.choice(TOPICS).format(
                    q=(moment.month - 1) // 3 + 1, y=moment.year
                )
                signed = status in ("issued", "approved")  # the signing step's approver signed it
                docs.append(
                    OutgoingDocument(
                        organization=org,
                        drafting_unit=drafter.unit,
                        drafter=drafter,
                        doc_type=doc_type,
                        subject=subject,
                        urgency=_weighted(rng, URGENCIES),
                        secrecy="confidential" if rng.random() < CONFIDENTIAL_SHARE else "none",
                        signer=committee_leader if signed else None,
                        signer_capacity="on_behalf" if signed else "own",
                        status=status,
                        route=route if status != "draft" else None,
                        current_step=steps[i],
                        register=register if number else None,
                        numbering_scope=scope,
                        number=number or None,
                        number_symbol=symbol,
                        issued_at=issued_on.get(i),
                        issued_by=clerk if number else None,
                        created_at=moment,
                        search_text=fold(" ".join([symbol, subject, doc_type.name])),
                    )
                )
            with transaction.atomic():
                OutgoingDocument.objects.bulk_create(docs, batch_size=BATCH_SIZE)
                attachments = Attachment.objects.bulk_create(
                    [
                        Attachment(
                            stored=stored,
                            name="du-thao.pdf",
                            owner_kind="outgoing",
                            owner_id=doc.pk,
                            position=1,
                            uploaded_by=doc.drafter,
                            created_at=doc.created_at,
                        )
                        for doc in docs
                    ],
                    batch_size=BATCH_SIZE,
                )
                versions = Version.objects.bulk_create(
                    [
                        Version(
                            document=doc,
                            number=1,
                            attachment=attachment,
                            sha256=stored.sha256,
                            note="Dự thảo lần 1",
                            created_by=doc.drafter,
                            created_at=doc.created_at,
                        )
                        for doc, attachment in zip(docs, attachments, strict=True)
                    ],
                    batch_size=BATCH_SIZE,
                )
                rows = []
                for doc, version in zip(docs, versions, strict=True):
                    if doc.status == "draft":
                        continue
                    done = len(STEPS) if doc.status != "pending_approval" else doc.current_step - 1
                    approvers = [heads[doc.drafting_unit_id], rng.choice(office_leaders), committee_leader]
                    end = doc.issued_at or moment_now
                    for step in range(1, done + 1):
                        rows.append(
                            Approval(
                                document=doc,
                                version=version,
                                step=step,
                                approver=approvers[step - 1],
                                decision="approved",
                                at=doc.created_at + (end - doc.created_at) * step / (len(STEPS) + 1),
                            )
                        )
                Approval.objects.bulk_create(rows, batch_size=BATCH_SIZE)
            written += len(docs)
            approvals += len(rows)
            if (offset // BATCH_SIZE) % 10 == 9 or offset + BATCH_SIZE >= total:
                rate = written / (time.perf_counter() - started)
                progress(f"  … {written:,} outgoing documents, {approvals:,} approvals ({rate:,.0f} docs/s)")
    with transaction.atomic():
        Counter.objects.bulk_create([Counter(scope=s, last_number=n) for s, n in numbers.items()])
    load_seconds = time.perf_counter() - started
    analyze_started = time.perf_counter()
    if connection.vendor == "postgresql":  # what autovacuum would do soon after such a load
        tables = [
            m._meta.db_table
            for m in (
                OutgoingDocument,
                Version,
                Approval,
                Attachment,
                StoredFile,
                ApprovalRoute,
                ApprovalRouteStep,
                CommitteeTerm,
                Register,
                Counter,
                User,
                RoleAssignment,
            )
        ]
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))
    analyze_seconds = time.perf_counter() - analyze_started
    Counter.objects.create(scope=outgoing_marker_scope(total), last_number=total)
    return {
        "seconds": round(load_seconds, 2),
        "docs_per_second": round(total / load_seconds),
        "approvals": approvals,
        "analyze_seconds": round(analyze_seconds, 2),
    }


def describe() -> dict[str, Any]:
    docs = OutgoingDocument.objects
    pending = docs.filter(status="pending_approval")
    return {
        "documents": docs.count(),
        "issued": docs.filter(status="issued").count(),
        "drafts": docs.filter(status="draft").count(),
        "approved": docs.filter(status="approved").count(),
        "pending_approval": pending.count(),
        "pending_by_step": {
            str(step): n
            for step, n in pending.values_list("current_step")
            .annotate(n=models.Count("id"))
            .order_by("current_step")
        },
        "leader_awaiting": pending.filter(current_step=LEADER_STEP).count(),
        "versions": Version.objects.count(),
        "approvals": Approval.objects.count(),
    }
