"""Thin HTML views for dossiers and the archive: the file plan, dossiers, "Đưa vào hồ sơ" from a document
page, close/reopen, exports, transfer (nộp lưu) and the bulk import with its progress bar."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from archive import exports, importing, permissions, selectors, services
from archive.models import Dossier, Rights, Transfer
from archive.states import DossierStatus
from core.errors import ApplicationError, NotFound
from core.http import file_response
from orgs.models import Organization, User
from orgs.selectors import today

DOC_PAGES = {
    "incoming": "web:incoming_detail",
    "outgoing": "web:outgoing_detail",
    "archive": "web:record_detail",
}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _date(value: str) -> date | None:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    return None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _org(value: Any) -> Organization | None:
    pk = _int(value)
    return Organization.objects.filter(pk=pk).first() if pk else None


def _dossier(request: HttpRequest, pk: int) -> Dossier:
    try:
        return selectors.dossier_get_for_user(_user(request), pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _managed_orgs(user: User) -> list[Organization]:
    return list(Organization.objects.filter(pk__in=permissions.managed_orgs(user), merged_into__isnull=True))


def document_dossiers_context(user: User, kind: str, doc: Any) -> dict[str, Any]:
    """For the incoming, outgoing and archive pages: the dossiers holding the document, and where
    "Đưa vào hồ sơ" may put it."""
    return {
        "dossier_kind": kind,
        "dossier_doc": doc,
        "doc_dossiers": list(selectors.dossiers_with_document(user, kind, doc.pk)),
        "open_dossiers": list(selectors.open_dossiers_for(user, doc.organization_id)),
    }


# --- the file plan --------------------------------------------------------------------------------------


@login_required
def plans(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        org = _org(request.POST.get("organization"))
        try:
            if org is None:
                raise NotFound()
            plan = services.plan_create(
                actor=user,
                organization=org,
                year=_int(request.POST.get("year")) or today().year,
                title=request.POST.get("title", ""),
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(reverse("web:file_plans"))
        return HttpResponseRedirect(reverse("web:file_plan", args=[plan.pk]))
    if not permissions.overseen_orgs(user):
        raise Http404()
    return render(
        request,
        "web/archive/plans.html",
        {"plans": selectors.plans_for(user), "orgs": _managed_orgs(user), "year": today().year},
    )


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    try:
        plan = selectors.plan_get_for_user(user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "heading":
                parent_id = _int(request.POST.get("parent"))
                parent = plan.headings.filter(pk=parent_id).first() if parent_id else None
                services.plan_heading_add(
                    actor=user,
                    plan=plan,
                    number=request.POST.get("number", ""),
                    title=request.POST.get("title", ""),
                    abbreviation=request.POST.get("abbreviation", ""),
                    parent=parent,
                )
            elif action == "item":
                services.plan_item_add(
                    actor=user,
                    plan=plan,
                    data=services.PlanItemInput(
                        code=request.POST.get("code", ""),
                        title=request.POST.get("title", ""),
                        retention_years=request.POST.get("retention_years", ""),
                        heading_id=_int(request.POST.get("heading")),
                        responsible_unit_id=_int(request.POST.get("unit")),
                        note=request.POST.get("note", ""),
                    ),
                )
            elif action == "copy":
                new = services.plan_copy(
                    actor=user, plan=plan, year=_int(request.POST.get("year")) or plan.year + 1
                )
                messages.success(request, f"Đã sao danh mục sang năm {new.year}.")
                return HttpResponseRedirect(reverse("web:file_plan", args=[new.pk]))
            elif action == "open":
                dossier = services.dossier_open(
                    actor=user,
                    organization=plan.organization,
                    data=services.DossierInput(plan_item_id=_int(request.POST.get("item"))),
                )
                return HttpResponseRedirect(reverse("web:dossier_detail", args=[dossier.pk]))
            else:
                raise Http404()
            messages.success(request, "Đã lưu.")
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("web:file_plan", args=[plan.pk]))
    rows = selectors.plan_rows(plan)
    items = [r["item"] for r in rows if "item" in r]
    return render(
        request,
        "web/archive/plan_detail.html",
        {
            "plan": plan,
            "rows": rows,
            "headings": list(plan.headings.all()),
            "units": plan.organization.units.all(),
            "can_manage": permissions.may_manage(user, plan.organization_id),
            "permanent": sum(1 for i in items if i.retention_years is None),
            "term": sum(1 for i in items if i.retention_years is not None),
        },
    )


# --- dossiers -------------------------------------------------------------------------------------------


@login_required
def dossier_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        org = _org(request.POST.get("organization"))
        try:
            if org is None:
                raise NotFound()
            dossier = services.dossier_open(
                actor=user,
                organization=org,
                data=services.DossierInput(
                    code=request.POST.get("code", ""),
                    title=request.POST.get("title", ""),
                    retention_years=request.POST.get("retention_years", ""),
                    rights=request.POST.get("rights", Rights.LIMITED),
                    start_date=_date(request.POST.get("start_date", "")),
                    description=request.POST.get("description", ""),
                ),
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(reverse("web:dossier_list"))
        return HttpResponseRedirect(reverse("web:dossier_detail", args=[dossier.pk]))
    if not permissions.overseen_orgs(user):
        raise Http404()
    year = _int(request.GET.get("nam"))
    status = request.GET.get("trang_thai", "")
    qs = selectors.dossier_list(user, year=year, status=status, q=request.GET.get("q", "").strip())
    return render(
        request,
        "web/archive/dossier_list.html",
        {
            "dossiers": qs[:200],
            "year": year,
            "status": status,
            "statuses": DossierStatus.choices,
            "q": request.GET.get("q", ""),
            "orgs": _managed_orgs(user),
            "rights": Rights.choices,
        },
    )


@login_required
def dossier_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    dossier = _dossier(request, pk)
    return render(
        request,
        "web/archive/dossier_detail.html",
        {
            "dossier": dossier,
            "entries": selectors.dossier_entries(dossier),
            "can_manage": permissions.may_manage(user, dossier.organization_id),
            "can_reopen": permissions.may_reopen(user, dossier.organization_id),
        },
    )


@login_required
@require_POST
def dossier_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = _user(request)
    dossier = _dossier(request, pk)
    try:
        if action == "ket-thuc":
            services.dossier_close(
                actor=user, dossier=dossier, end_date=_date(request.POST.get("end_date", ""))
            )
            messages.success(request, "Đã kết thúc hồ sơ.")
        elif action == "mo-lai":
            services.dossier_reopen(actor=user, dossier=dossier, reason=request.POST.get("reason", ""))
            messages.success(request, "Đã mở lại hồ sơ.")
        elif action == "bo":
            services.dossier_remove_document(
                actor=user,
                dossier=dossier,
                kind=request.POST.get("kind", ""),
                document_id=_int(request.POST.get("document")) or 0,
            )
            messages.success(request, "Đã bỏ văn bản khỏi hồ sơ.")
        else:
            raise Http404()
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(reverse("web:dossier_detail", args=[dossier.pk]))


@login_required
@require_POST
def dossier_add(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """ "Đưa vào hồ sơ" from a document's page."""
    if kind not in DOC_PAGES:
        raise Http404()
    user = _user(request)
    back = reverse(DOC_PAGES[kind], args=[pk])
    try:
        dossier = selectors.dossier_get_for_user(user, _int(request.POST.get("dossier")) or 0)
        services.dossier_add_document(actor=user, dossier=dossier, kind=kind, document_id=pk)
        messages.success(request, f"Đã đưa văn bản vào hồ sơ {dossier.code}.")
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(back)


@login_required
def dossier_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    try:
        data, name, content_type = exports.export_dossier(_user(request), pk, fmt)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return file_response(data, name=name, content_type=content_type, inline=fmt == "pdf", restricted=True)


# --- transfer (nộp lưu) ---------------------------------------------------------------------------------


@login_required
def transfers(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        org = _org(request.POST.get("organization"))
        try:
            if org is None:
                raise NotFound()
            transfer = services.transfer_create(
                actor=user,
                organization=org,
                dossier_ids=[i for i in (_int(v) for v in request.POST.getlist("dossier")) if i],
                receiver_name=request.POST.get("receiver_name", ""),
                note=request.POST.get("note", ""),
            )
            messages.success(request, f"Đã nộp lưu {transfer.dossiers.count()} hồ sơ.")
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("web:archive_transfers"))
    orgs = permissions.overseen_orgs(user)
    if not orgs:
        raise Http404()
    ready = (
        selectors.dossier_visible_to(user)
        .filter(status=DossierStatus.CLOSED, organization_id__in=permissions.managed_orgs(user))
        .order_by("transfer_due", "code")
    )
    return render(
        request,
        "web/archive/transfers.html",
        {
            "ready": ready,
            "orgs": _managed_orgs(user),
            "forms": exports.TRANSFER_FORMS,
            "transfers": Transfer.objects.filter(organization_id__in=orgs).select_related("handed_over_by")[
                :50
            ],
        },
    )


@login_required
def transfer_export(request: HttpRequest, pk: int, form: str) -> HttpResponse:
    try:
        data, name = exports.export_transfer(_user(request), pk, form)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return file_response(data, name=name, content_type="application/pdf", restricted=True)


# --- archive records and the bulk import ----------------------------------------------------------------


@login_required
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from documents.selectors import document_get_for_user

    user = _user(request)
    try:
        record = document_get_for_user(user, "archive", pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return render(
        request,
        "web/archive/record_detail.html",
        {"record": record, **document_dossiers_context(user, "archive", record)},
    )


@login_required
def imports(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not permissions.managed_orgs(user):
        raise Http404()
    if request.method == "POST":
        org = _org(request.POST.get("organization"))
        sheet = request.FILES.get("spreadsheet")
        try:
            if org is None:
                raise NotFound()
            if sheet is None:
                raise services.InvalidInput("Vui lòng chọn bảng tính (.xlsx).")
            dossier_id = _int(request.POST.get("dossier"))
            dossier = selectors.dossier_get_for_user(user, dossier_id) if dossier_id else None
            job = importing.import_start(
                actor=user,
                organization=org,
                spreadsheet=(sheet.name or "", sheet.read()),
                scans=[(f.name or "", f.read()) for f in request.FILES.getlist("scans")],
                dossier=dossier,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(reverse("web:archive_imports"))
        return HttpResponseRedirect(reverse("web:archive_import", args=[job.pk]))
    managed = permissions.managed_orgs(user)
    return render(
        request,
        "web/archive/imports.html",
        {
            "jobs": selectors.import_jobs_for(user)[:30],
            "orgs": _managed_orgs(user),
            "dossiers": selectors.dossier_visible_to(user).filter(
                status=DossierStatus.OPEN, organization_id__in=managed
            ),
        },
    )


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    try:
        job = selectors.import_get_for_user(user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if request.method == "POST":
        try:
            importing.import_resume(actor=user, job=job)
            messages.success(request, "Đã cho tiếp tục đợt nhập.")
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("web:archive_import", args=[job.pk]))
    context = {"job": job, "errors": job.errors.all()[:500]}
    if request.headers.get("HX-Request"):
        return render(request, "web/archive/_import_progress.html", context)
    return render(request, "web/archive/import_detail.html", context)
