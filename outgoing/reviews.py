"""Review rounds on drafts (góp ý dự thảo): ask for comments, comment, answer, compare, remind.

Every write follows the services' rules: one transaction, the document row locked, the state checked
(``outgoing.states.REVIEW_TRANSITIONS``), an audit event inside, notifications (e-mail after commit).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from core import audit
from core.calendar import add_working_days
from core.errors import InvalidInput, NotAllowed, NotFound
from core.vn import fold
from incoming.permissions import OVERSEER_ROLES, cleared_for
from notifications import services as notify
from orgs.models import Organization, Secrecy, User
from orgs.selectors import people_with_roles, today, working_lineage_ids
from outgoing.models import (
    ApprovalRoute,
    ApprovalRouteStep,
    Comment,
    OutgoingDocument,
    ReviewRequest,
    ReviewRound,
    Version,
)
from outgoing.permissions import may_approve_step
from outgoing.selectors import review_requests_for
from outgoing.states import Status, check_review
from outgoing.version_text import version_lines

OPEN_STATUSES = (Status.DRAFT, Status.PENDING_APPROVAL)


def _locked(doc: OutgoingDocument) -> OutgoingDocument:
    return OutgoingDocument.objects.select_for_update().get(pk=doc.pk)


def _audit(doc: OutgoingDocument, actor: User, action: str, data: dict[str, Any]) -> None:
    audit.record(
        actor=actor,
        action=f"outgoing.{action}",
        target=doc,
        organization_id=doc.organization_id,
        data={"status": doc.status, **data},
    )


def _version(doc: OutgoingDocument, version_id: int | None, field: str = "version_id") -> Version:
    if version_id is None:
        latest = doc.versions.order_by("-number").first()
        if latest is None:
            raise InvalidInput("Dự thảo chưa có phiên bản nào.", details={field: None})
        return latest
    version = Version.objects.filter(pk=version_id, document_id=doc.pk).first()
    if version is None:
        raise InvalidInput("Phiên bản không thuộc văn bản này.", details={field: version_id})
    return version


def organization_reviewers(organization_id: int, secrecy: str) -> list[User]:
    """Who answers for an organization asked for comments: its clerks and leaders cleared for the document."""
    people = people_with_roles(set(OVERSEER_ROLES), working_lineage_ids(organization_id))
    return [p for p in people if cleared_for(p, secrecy)]


def _chain_steps(doc: OutgoingDocument) -> QuerySet[ApprovalRouteStep]:
    """The approval chain the draft is (or will be) sent up."""
    route_id = doc.route_id
    if route_id is None:
        route = (
            ApprovalRoute.objects.filter(
                organization_id=doc.organization_id, doc_type_id=doc.doc_type_id
            ).first()
            or ApprovalRoute.objects.filter(
                organization_id=doc.organization_id, doc_type__isnull=True
            ).first()
        )
        route_id = route.pk if route else None
    return ApprovalRouteStep.objects.filter(route_id=route_id).select_related("person")


def on_approval_chain(user: User, doc: OutgoingDocument) -> bool:
    return any(may_approve_step(user, doc, step) for step in _chain_steps(doc))


def _open_requests(user: User, doc: OutgoingDocument) -> list[ReviewRequest]:
    return list(
        review_requests_for(user)
        .filter(round__document_id=doc.pk, round__closed=False)
        .select_related("organization")
        .order_by("id")
    )


def may_request_review(user: User, doc: OutgoingDocument) -> bool:
    """Only the drafter asks for comments, on a draft."""
    return doc.drafter_id == user.pk and doc.status == Status.DRAFT


def may_answer(user: User, doc: OutgoingDocument) -> bool:
    """Only the drafter answers comments, while the document is open for them."""
    return doc.drafter_id == user.pk and doc.status in OPEN_STATUSES


def may_comment(user: User, doc: OutgoingDocument) -> bool:
    """Requested reviewers (in person or for their organization) and approvers on the chain."""
    if not user.is_authenticated or user.pk == doc.drafter_id or doc.status not in OPEN_STATUSES:
        return False
    if not cleared_for(user, doc.secrecy):
        return False
    return bool(_open_requests(user, doc)) or on_approval_chain(user, doc)


def _clean_names(names: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for name in names:
        clean = " ".join(str(name).split())[:255]
        if clean and fold(clean) not in seen:
            seen.add(fold(clean))
            out.append(clean)
    return out


def review_request(
    *,
    actor: User,
    document: OutgoingDocument,
    deadline: date | None,
    reviewer_ids: Iterable[int] = (),
    organization_ids: Iterable[int] = (),
    outside_names: Iterable[str] = (),
    version_id: int | None = None,
    note: str = "",
) -> ReviewRound:
    """The drafter asks people and organizations for comments on one version, by a deadline."""
    reviewer_ids = sorted(set(reviewer_ids))
    organization_ids = sorted(set(organization_ids))
    names = _clean_names(outside_names)
    with transaction.atomic():
        doc = _locked(document)
        if doc.drafter_id != actor.pk:
            raise NotAllowed("Chỉ người soạn thảo mới xin ý kiến góp ý dự thảo.")
        check_review("request_review", doc.status)
        errors: dict[str, Any] = {}
        if deadline is None:
            errors["deadline"] = "Vui lòng nhập hạn góp ý."
        elif deadline < today():
            errors["deadline"] = f"Hạn góp ý {deadline:%d/%m/%Y} đã qua."
        if not (reviewer_ids or organization_ids or names):
            errors["reviewer_ids"] = "Vui lòng chọn ít nhất một người hoặc cơ quan để xin ý kiến."
        reviewers = list(User.objects.filter(pk__in=reviewer_ids, is_active=True).order_by("pk"))
        missing = sorted(set(reviewer_ids) - {u.pk for u in reviewers})
        if missing or actor.pk in reviewer_ids:
            errors["reviewer_ids"] = (
                "Người được xin ý kiến không tồn tại, đã ngừng hoạt động hoặc là người soạn thảo."
            )
        uncleared = [u for u in reviewers if not cleared_for(u, doc.secrecy)]
        if uncleared:
            level = Secrecy(doc.secrecy).label
            errors["reviewer_ids"] = (
                f"{', '.join(str(u) for u in uncleared)} không được phép xem văn bản độ mật “{level}”."
            )
        organizations = list(
            Organization.objects.filter(pk__in=organization_ids, uses_system=True, merged_into__isnull=True)
        )
        if len(organizations) != len(organization_ids):
            errors["organization_ids"] = "Cơ quan được xin ý kiến không tồn tại hoặc không dùng hệ thống."
        if errors:
            raise InvalidInput("Chưa xin ý kiến được: " + " ".join(errors.values()), details=errors)
        assert deadline is not None
        version = _version(doc, version_id)
        review = ReviewRound.objects.create(
            document=doc, version=version, deadline=deadline, note=note.strip(), created_by=actor
        )
        ReviewRequest.objects.bulk_create(
            [ReviewRequest(round=review, reviewer=u) for u in reviewers]
            + [ReviewRequest(round=review, organization=o) for o in organizations]
            + [ReviewRequest(round=review, outside_name=n) for n in names]
        )
        _audit(
            doc,
            actor,
            "review_request",
            {
                "round": review.pk,
                "version": version.number,
                "sha256": version.sha256,
                "deadline": deadline.isoformat(),
                "reviewers": [u.pk for u in reviewers],
                "organizations": [o.pk for o in organizations],
                "outside": names,
            },
        )
        people = list(reviewers)
        for organization in organizations:
            people += organization_reviewers(organization.pk, doc.secrecy)
        title = f"Xin ý kiến góp ý dự thảo (phiên bản {version.number}, hạn {deadline:%d/%m/%Y})"
        notify.notify_many([p for p in people if p.pk != actor.pk], doc, title, kind="review")
    return review


def review_close(*, actor: User, document: OutgoingDocument, round_id: int) -> ReviewRound:
    """The drafter ends a round: no more comments or reminders for it; reviewers still read the draft."""
    with transaction.atomic():
        doc = _locked(document)
        if doc.drafter_id != actor.pk:
            raise NotAllowed("Chỉ người soạn thảo mới kết thúc đợt xin ý kiến.")
        check_review("close_review", doc.status)
        review = ReviewRound.objects.filter(pk=round_id, document_id=doc.pk).first()
        if review is None:
            raise NotFound("Không tìm thấy đợt xin ý kiến.")
        if not review.closed:
            review.closed = True
            review.closed_at = timezone.now()
            review.save(update_fields=["closed", "closed_at"])
            _audit(doc, actor, "review_close", {"round": review.pk})
    return review


def comment_add(
    *, actor: User, document: OutgoingDocument, version_id: int | None, text: str, on_behalf_of: str = ""
) -> Comment:
    """A requested reviewer (or an approver on the chain) comments on a version; the drafter may record
    the opinion of an outside organization that was asked (``on_behalf_of``)."""
    text = text.strip()
    outside = " ".join(on_behalf_of.split())
    with transaction.atomic():
        doc = _locked(document)
        answered: list[ReviewRequest] = []
        organization = None
        if outside:
            if doc.drafter_id != actor.pk:
                raise NotAllowed("Chỉ người soạn thảo mới ghi nhận ý kiến của cơ quan ngoài hệ thống.")
            answered = [
                r
                for r in ReviewRequest.objects.filter(round__document_id=doc.pk, round__closed=False).exclude(
                    outside_name=""
                )
                if fold(r.outside_name) == fold(outside)
            ]
            if not answered:
                raise InvalidInput(
                    f"“{outside}” không có trong đợt xin ý kiến nào đang mở.",
                    details={"on_behalf_of": outside},
                )
            outside = answered[0].outside_name
        else:
            if actor.pk == doc.drafter_id or not cleared_for(actor, doc.secrecy):
                raise NotAllowed("Bạn không được xin ý kiến về dự thảo này.")
            requests = _open_requests(actor, doc)
            direct = [r for r in requests if r.reviewer_id == actor.pk]
            answered = direct or [r for r in requests if r.organization_id]
            if answered and not direct:
                organization = answered[0].organization
            if not answered and not on_approval_chain(actor, doc):
                raise NotAllowed("Bạn không được xin ý kiến về dự thảo này.")
        check_review("comment", doc.status)
        if not text:
            raise InvalidInput("Vui lòng nhập nội dung ý kiến.", details={"text": "trống"})
        version = _version(doc, version_id)
        comment = Comment.objects.create(
            document=doc,
            version=version,
            author=actor,
            on_behalf_of=organization,
            on_behalf_of_name=outside,
            text=text,
        )
        ReviewRequest.objects.filter(pk__in=[r.pk for r in answered], responded_at__isnull=True).update(
            responded_at=timezone.now()
        )
        _audit(
            doc,
            actor,
            "comment",
            {
                "comment": comment.pk,
                "version": version.number,
                "sha256": version.sha256,
                "on_behalf_of": organization.pk if organization else outside or None,
            },
        )
        if actor.pk != doc.drafter_id:
            notify.notify_many([doc.drafter], doc, f"Có ý kiến góp ý mới (phiên bản {version.number})")
    return comment


def comment_answer(
    *, actor: User, document: OutgoingDocument, comment_id: int, text: str, version_id: int | None = None
) -> Comment:
    """The drafter answers a comment (tiếp thu, giải trình), optionally in a later version."""
    text = text.strip()
    with transaction.atomic():
        doc = _locked(document)
        if doc.drafter_id != actor.pk:
            raise NotAllowed("Chỉ người soạn thảo mới trả lời ý kiến góp ý.")
        check_review("answer_comment", doc.status)
        comment = (
            Comment.objects.select_for_update()
            .select_related("version", "author")
            .filter(pk=comment_id, document_id=doc.pk)
            .first()
        )
        if comment is None:
            raise NotFound("Không tìm thấy ý kiến góp ý.")
        if not text:
            raise InvalidInput("Vui lòng nhập nội dung trả lời.", details={"text": "trống"})
        answered_in = None
        if version_id is not None:
            answered_in = _version(doc, version_id)
            if answered_in.number <= comment.version.number:
                raise InvalidInput(
                    f"Phiên bản tiếp thu phải mới hơn phiên bản {comment.version.number} được góp ý.",
                    details={"version_id": version_id},
                )
        previous = comment.answer
        comment.answer = text
        comment.answered_in = answered_in
        comment.answered_by = actor
        comment.answered_at = timezone.now()
        comment.save(update_fields=["answer", "answered_in", "answered_by", "answered_at"])
        _audit(
            doc,
            actor,
            "comment_answer",
            {
                "comment": comment.pk,
                "answered_in": answered_in.number if answered_in else None,
                "old": previous or None,
                "new": text,
            },
        )
        if comment.author_id != actor.pk:
            notify.notify_many([comment.author], doc, "Người soạn thảo đã trả lời ý kiến góp ý của bạn")
    return comment


def versions_compare(doc: OutgoingDocument, a: int, b: int) -> dict[str, Any]:
    """The line-by-line difference of two versions' text: ``lines`` of {op, text, a, b} and counts.

    ``doc`` must come through the door (``documents.selectors.document_get_for_user``)."""
    versions = {
        v.pk: v
        for v in Version.objects.filter(document_id=doc.pk, pk__in=[a, b]).select_related(
            "attachment__stored"
        )
    }
    if a not in versions or b not in versions:
        raise InvalidInput("Phiên bản cần so sánh không thuộc văn bản này.", details={"a": a, "b": b})
    old, new = version_lines(versions[a]), version_lines(versions[b])
    lines: list[dict[str, Any]] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            lines += [
                {"op": "equal", "text": old[i1 + k], "a": i1 + k + 1, "b": j1 + k + 1} for k in range(i2 - i1)
            ]
            continue
        lines += [{"op": "delete", "text": old[i], "a": i + 1, "b": None} for i in range(i1, i2)]
        lines += [{"op": "insert", "text": new[j], "a": None, "b": j + 1} for j in range(j1, j2)]
    counts = {op: sum(1 for line in lines if line["op"] == op) for op in ("equal", "insert", "delete")}

    def ref(v: Version) -> dict[str, Any]:
        return {"id": v.pk, "number": v.number, "sha256": v.sha256, "name": v.attachment.name}

    return {"a": ref(versions[a]), "b": ref(versions[b]), "lines": lines, "counts": counts}


def send_review_reminders(on: date | None = None) -> int:
    """On the last working day before a round's deadline, remind who has not commented yet — once.

    Outside organizations have no account: their drafter is reminded to collect the opinion."""
    on = on or today()
    limit = add_working_days(on, 1)
    due = ReviewRequest.objects.filter(
        responded_at__isnull=True,
        reminded_at__isnull=True,
        round__closed=False,
        round__deadline__gt=on,
        round__deadline__lte=limit,
        round__document__status__in=OPEN_STATUSES,
    ).select_related("round__document__drafter", "reviewer")
    sent = 0
    for request in due.iterator():
        with transaction.atomic():
            claimed = ReviewRequest.objects.filter(pk=request.pk, reminded_at__isnull=True).update(
                reminded_at=timezone.now()
            )
            if not claimed:
                continue
            doc = request.round.document
            deadline = f"{request.round.deadline:%d/%m/%Y}"
            if request.outside_name:
                people = [doc.drafter]
                title = f"Chưa nhận ý kiến góp ý của {request.outside_name} (hạn {deadline})"
            elif request.organization_id:
                people = organization_reviewers(request.organization_id, doc.secrecy)
                title = f"Sắp hết hạn góp ý dự thảo ({deadline})"
            else:
                people = [request.reviewer] if request.reviewer else []
                people = [p for p in people if cleared_for(p, doc.secrecy)]
                title = f"Sắp hết hạn góp ý dự thảo ({deadline})"
            notify.notify_many(people, doc, title, kind="review_due")
            sent += 1
    return sent
