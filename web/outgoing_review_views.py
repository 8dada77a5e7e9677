"""Thin HTML views for review rounds on drafts (góp ý dự thảo): ask, comment, answer, compare."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from core.vn import sort_key
from incoming.permissions import cleared_for
from orgs.models import Organization, User
from outgoing import reviews
from outgoing.models import Comment, OutgoingDocument
from web.forms import DATE_ATTRS, DATE_ERRORS
from web.outgoing_views import _doc, _user, detail_context


class ReviewForm(forms.Form):
    reviewers = forms.MultipleChoiceField(
        label="Người góp ý", required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    organizations = forms.MultipleChoiceField(
        label="Cơ quan trong hệ thống (văn thư, lãnh đạo góp ý)",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    outside = forms.CharField(
        label="Cơ quan ngoài hệ thống (mỗi dòng một nơi)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Người soạn thảo ghi nhận ý kiến của các nơi này khi nhận được.",
    )
    deadline = forms.DateField(
        label="Hạn góp ý", widget=forms.TextInput(attrs=DATE_ATTRS), error_messages=DATE_ERRORS
    )
    note = forms.CharField(
        label="Nội dung xin ý kiến", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, doc: OutgoingDocument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = (
            User.objects.filter(is_active=True, organization__isnull=False)
            .exclude(pk=doc.drafter_id)
            .select_related("organization", "unit")
        )
        groups: dict[str, list[tuple[str, str]]] = {}
        for person in sorted(people, key=lambda p: (sort_key(p.organization.name), sort_key(p.display_name))):  # type: ignore[union-attr]
            if cleared_for(person, doc.secrecy):
                label = f"{person.display_name}{f' — {person.unit.name}' if person.unit else ''}"
                groups.setdefault(person.organization.name, []).append((str(person.pk), label))  # type: ignore[union-attr]
        self.fields["reviewers"].choices = list(groups.items())  # type: ignore[attr-defined]
        organizations = Organization.objects.filter(uses_system=True, merged_into__isnull=True)
        self.fields["organizations"].choices = [  # type: ignore[attr-defined]
            (str(o.pk), o.name) for o in sorted(organizations, key=lambda o: sort_key(o.name))
        ]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.SelectMultiple) else "form-control"
            field.widget.attrs.setdefault("class", css)


def review_context(user: User, doc: OutgoingDocument, form: ReviewForm | None = None) -> dict[str, Any]:
    """What the draft page shows about review rounds and comments."""
    can_request = reviews.may_request_review(user, doc)
    can_answer = reviews.may_answer(user, doc)
    rounds = list(
        doc.review_rounds.select_related("version").prefetch_related(
            "requests__reviewer", "requests__organization"
        )
    )
    comments = list(
        doc.comments.select_related(
            "version", "author", "on_behalf_of", "answered_in", "answered_by"
        ).order_by("version__number", "created_at", "id")
    )
    return {
        "review_form": form or (ReviewForm(doc=doc) if can_request else None),
        "review_rounds": rounds,
        "comments": comments,
        "can_comment": reviews.may_comment(user, doc),
        "can_answer": can_answer,
        "can_record_outside": can_answer
        and any(not r.closed and any(q.outside_name for q in r.requests.all()) for r in rounds),
        "outside_names": sorted(
            {q.outside_name for r in rounds if not r.closed for q in r.requests.all() if q.outside_name},
            key=sort_key,
        ),
    }


def _back(doc: OutgoingDocument, anchor: str = "gop-y") -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("web:outgoing_detail", args=[doc.pk]) + f"#{anchor}")


@login_required
@require_POST
def review_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    doc = _doc(request, pk)
    form = ReviewForm(request.POST, doc=doc)
    if form.is_valid():
        data = form.cleaned_data
        try:
            reviews.review_request(
                actor=user,
                document=doc,
                deadline=data["deadline"],
                reviewer_ids=[int(p) for p in data["reviewers"]],
                organization_ids=[int(p) for p in data["organizations"]],
                outside_names=data["outside"].splitlines(),
                note=data["note"],
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Đã gửi xin ý kiến góp ý, hạn {data['deadline']:%d/%m/%Y}.")
            return _back(doc)
    context = {**detail_context(user, doc), **review_context(user, doc, form)}
    return render(request, "web/outgoing_detail.html", context, status=400)


@login_required
@require_POST
def review_close(request: HttpRequest, pk: int, rid: int) -> HttpResponse:
    doc = _doc(request, pk)
    try:
        reviews.review_close(actor=_user(request), document=doc, round_id=rid)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Đã kết thúc đợt xin ý kiến.")
    return _back(doc)


@login_required
@require_POST
def comment_new(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _doc(request, pk)
    version = request.POST.get("version_id", "")
    try:
        reviews.comment_add(
            actor=_user(request),
            document=doc,
            version_id=int(version) if version.isdecimal() else None,
            text=request.POST.get("text", ""),
            on_behalf_of=request.POST.get("on_behalf_of", ""),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Đã gửi ý kiến góp ý.")
    return _back(doc)


@login_required
@require_POST
def comment_answer(request: HttpRequest, pk: int, cid: int) -> HttpResponse:
    """The drafter's answer; with HTMX only the comment is redrawn."""
    user = _user(request)
    doc = _doc(request, pk)
    version = request.POST.get("version_id", "")
    error = None
    try:
        reviews.comment_answer(
            actor=user,
            document=doc,
            comment_id=cid,
            text=request.POST.get("text", ""),
            version_id=int(version) if version.isdecimal() else None,
        )
    except ApplicationError as exc:
        error = exc.message
    if request.headers.get("HX-Request"):
        comment = (
            Comment.objects.select_related("version", "author", "on_behalf_of", "answered_in", "answered_by")
            .filter(pk=cid, document_id=doc.pk)
            .first()
        )
        if comment is None:
            return HttpResponse(error or "", status=404)
        context = {
            "doc": doc,
            "c": comment,
            "error": error,
            "versions": list(doc.versions.order_by("-number")),
        }
        return render(
            request, "web/_review_comment.html", {**context, "can_answer": reviews.may_answer(user, doc)}
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, "Đã trả lời ý kiến góp ý.")
    return _back(doc, f"y-kien-{cid}")


@login_required
def compare(request: HttpRequest, pk: int) -> HttpResponse:
    """Pick two versions; the lines deleted from the first and inserted in the second are highlighted."""
    doc = _doc(request, pk, need="file")  # the versions' text is read
    versions = list(doc.versions.order_by("number"))
    a, b = request.GET.get("a", ""), request.GET.get("b", "")
    if not (a.isdecimal() and b.isdecimal()) and len(versions) >= 2:
        a, b = str(versions[-2].pk), str(versions[-1].pk)
    diff = None
    if a.isdecimal() and b.isdecimal():
        try:
            diff = reviews.versions_compare(doc, int(a), int(b))
        except ApplicationError as exc:
            messages.error(request, exc.message)
    return render(
        request,
        "web/outgoing_compare.html",
        {"doc": doc, "versions": versions, "a": a, "b": b, "diff": diff},
    )
