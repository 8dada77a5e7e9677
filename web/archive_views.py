"""Thin HTML views for dossiers and the archive: the file plan, dossiers, "Đưa vào hồ sơ" from a document
page, close/reopen, exports, transfer (nộp lưu) and the bulk import with its progress bar."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from archive import exports, importing, permissions, selectors, services
from archive.models import Dossier, PlanHeading, PlanItem, Rights, Transfer
from archive.states import DossierStatus
from core import files
from core.errors import ApplicationError, NotFound
from core.http import file_response
from documents.models import DocType
from orgs.models import Organization, Unit, User
from orgs.selectors import lineage_ids, today
from web.archive_forms import DossierForm, HeadingForm, PlanItemForm, RecordForm, StyledForm

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


def _found(read: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """A selector's answer, its "not found" (never revealing whether the object exists) as a 404."""
    try:
        return read(*args, **kwargs)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _dossier(request: HttpRequest, pk: int) -> Dossier:
    return _found(selectors.dossier_get_for_user, _user(request), pk)


def _act(request: HttpRequest, action: Callable[[], str | None], back: str, done: str = "") -> HttpResponse:
    """Run one POSTed action and go back: its success message (``done``, or the one it returns) or the
    Vietnamese refusal, as a flash message. ``action`` may also return where to go instead of ``back``."""
    try:
        result = action()
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(back)
    if result and result.startswith("/"):
        return HttpResponseRedirect(result)
    if result or done:
        messages.success(request, result or done)
    return HttpResponseRedirect(back)


def _for_org(
    request: HttpRequest, create: Callable[[Organization], str | None], back: str, done: str = ""
) -> HttpResponse:
    """A creation form with an "organization" field: that organisation (unknown → refused like any
    other input), then ``_act``."""

    def action() -> str | None:
        org = _org(request.POST.get("organization"))
        if org is None:
            raise NotFound()
        return create(org)

    return _act(request, action, back, done)


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

        def create(org: Organization) -> str:
            plan = services.plan_create(
                actor=user,
                organization=org,
                year=_int(request.POST.get("year")) or today().year,
                title=request.POST.get("title", ""),
            )
            return reverse("web:file_plan", args=[plan.pk])

        return _for_org(request, create, reverse("web:file_plans"))
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
    plan = _found(selectors.plan_get_for_user, user, pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ("heading", "item", "copy", "open"):
            raise Http404()

        def run() -> str | None:
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
                return reverse("web:file_plan", args=[new.pk])
            else:
                dossier = services.dossier_open(
                    actor=user,
                    organization=plan.organization,
                    data=services.DossierInput(plan_item_id=_int(request.POST.get("item"))),
                )
                return reverse("web:dossier_detail", args=[dossier.pk])
            return None

        return _act(request, run, reverse("web:file_plan", args=[plan.pk]), "Đã lưu.")
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

        def create(org: Organization) -> str:
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
            return reverse("web:dossier_detail", args=[dossier.pk])

        return _for_org(request, create, reverse("web:dossier_list"))
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

    def close() -> str:
        services.dossier_close(actor=user, dossier=dossier, end_date=_date(request.POST.get("end_date", "")))
        return "Đã kết thúc hồ sơ."

    def reopen() -> str:
        services.dossier_reopen(actor=user, dossier=dossier, reason=request.POST.get("reason", ""))
        return "Đã mở lại hồ sơ."

    def remove() -> str:
        services.dossier_remove_document(
            actor=user,
            dossier=dossier,
            kind=request.POST.get("kind", ""),
            document_id=_int(request.POST.get("document")) or 0,
        )
        return "Đã bỏ văn bản khỏi hồ sơ."

    actions = {"ket-thuc": close, "mo-lai": reopen, "bo": remove}
    if action not in actions:
        raise Http404()
    return _act(request, actions[action], reverse("web:dossier_detail", args=[dossier.pk]))


@login_required
@require_POST
def dossier_add(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """ "Đưa vào hồ sơ" from a document's page."""
    if kind not in DOC_PAGES:
        raise Http404()
    user = _user(request)
    dossier = _dossier(request, _int(request.POST.get("dossier")) or 0)

    def add() -> str:
        services.dossier_add_document(actor=user, dossier=dossier, kind=kind, document_id=pk)
        return f"Đã đưa văn bản vào hồ sơ {dossier.code}."

    return _act(request, add, reverse(DOC_PAGES[kind], args=[pk]))


@login_required
def dossier_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    data, name, content_type = _found(exports.export_dossier, _user(request), pk, fmt)
    return file_response(data, name=name, content_type=content_type, inline=fmt == "pdf", restricted=True)


# --- transfer (nộp lưu) ---------------------------------------------------------------------------------


@login_required
def transfers(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":

        def create(org: Organization) -> str:
            transfer = services.transfer_create(
                actor=user,
                organization=org,
                dossier_ids=[i for i in (_int(v) for v in request.POST.getlist("dossier")) if i],
                receiver_name=request.POST.get("receiver_name", ""),
                note=request.POST.get("note", ""),
            )
            return f"Đã nộp lưu {transfer.dossiers.count()} hồ sơ."

        return _for_org(request, create, reverse("web:archive_transfers"))
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
    data, name = _found(exports.export_transfer, _user(request), pk, form)
    return file_response(data, name=name, content_type="application/pdf", restricted=True)


# --- archive records and the bulk import ----------------------------------------------------------------


@login_required
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from documents.selectors import document_get_for_user

    user = _user(request)
    record = _found(document_get_for_user, user, "archive", pk)
    return render(
        request,
        "web/archive/record_detail.html",
        {
            "record": record,
            "signed_pdf": _signed_pdf(record.file),
            **document_dossiers_context(user, "archive", record),
        },
    )


def _signed_pdf(attachment: Any) -> bool:
    """Whether the scan is a PDF carrying a digital signature (its printed copy then is not the original)."""
    if attachment is None or attachment.stored.content_type != "application/pdf":
        return False
    import io

    from pypdf import PdfReader

    from reports.printmark import is_signed

    try:
        return is_signed(PdfReader(io.BytesIO(files.open_blob(attachment.stored))))
    except Exception:  # an unreadable PDF simply gets no note
        return False


@login_required
def imports(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not permissions.managed_orgs(user):
        raise Http404()
    if request.method == "POST":

        def create(org: Organization) -> str:
            sheet = request.FILES.get("spreadsheet")
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
            return reverse("web:archive_import", args=[job.pk])

        return _for_org(request, create, reverse("web:archive_imports"))
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
    job = _found(selectors.import_get_for_user, user, pk)
    if request.method == "POST":

        def resume() -> None:
            importing.import_resume(actor=user, job=job)

        return _act(
            request, resume, reverse("web:archive_import", args=[job.pk]), "Đã cho tiếp tục đợt nhập."
        )
    context = {"job": job, "errors": job.errors.all()[:500]}
    if request.headers.get("HX-Request"):
        return render(request, "web/archive/_import_progress.html", context)
    return render(request, "web/archive/import_detail.html", context)


# --- edit forms -----------------------------------------------------------------------------------------


def _form_page(
    request: HttpRequest,
    form: StyledForm,
    save: Callable[[dict[str, Any]], str],
    context: dict[str, Any],
    done: str = "Đã lưu.",
) -> HttpResponse:
    """GET shows the form; a valid POST runs ``save`` (which returns where to go next); a refusal of
    the service stays on the form with what was typed and the Vietnamese reason."""
    if request.method == "POST" and form.is_valid():
        try:
            url = save(form.cleaned_data)
        except ApplicationError as exc:
            form.refuse(exc)
        else:
            messages.success(request, done)
            return HttpResponseRedirect(url)
    return render(request, "web/archive/edit.html", {"form": form, **context})


def _people(organization_id: int) -> list[tuple[int, str]]:
    users = User.objects.filter(organization_id__in=lineage_ids(organization_id), is_active=True)
    return [(u.pk, u.display_name) for u in users]


@login_required
def dossier_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    dossier = _dossier(request, pk)
    back = reverse("web:dossier_detail", args=[dossier.pk])
    if not permissions.may_manage(user, dossier.organization_id):
        raise Http404()
    if dossier.status != DossierStatus.OPEN:
        messages.error(request, services.CLOSED_EDIT)
        return HttpResponseRedirect(back)
    initial = {name: getattr(dossier, name) for name in services.EDITABLE}
    form = DossierForm(request.POST or None, initial=initial, keepers=_people(dossier.organization_id))

    def save(data: dict[str, Any]) -> str:
        services.dossier_update(actor=user, dossier=dossier, changes=data)
        return back

    context = {
        "heading": f"Sửa hồ sơ {dossier.code}",
        "note": "Mọi thay đổi được ghi nhật ký (giá trị cũ và mới). Hồ sơ đã kết thúc thì không sửa được.",
        "back": back,
        "tab": "dossiers",
    }
    return _form_page(request, form, save, context, "Đã lưu thông tin hồ sơ.")


@login_required
def record_new(request: HttpRequest) -> HttpResponse:
    """One legacy document with its scan and metadata (the spreadsheet import does many)."""
    user = _user(request)
    orgs = _managed_orgs(user)
    if not orgs:
        raise Http404()
    open_dossiers = selectors.dossier_visible_to(user).filter(
        status=DossierStatus.OPEN, organization_id__in=[o.pk for o in orgs]
    )
    form = RecordForm(
        request.POST or None,
        request.FILES or None,
        initial={"dossier": _int(request.GET.get("ho_so")), "language": "Tiếng Việt"},
        orgs=[(o.pk, o.name) for o in orgs],
        dossiers=[(d.pk, f"{d.code} ({d.year}) — {d.title}") for d in open_dossiers],
    )

    def save(data: dict[str, Any]) -> str:
        organization = next(o for o in orgs if o.pk == data["organization"])
        scan = data.get("scan")
        record_data = services.RecordInput(
            issued_date=data["issued_date"],
            issuer_name=data["issuer_name"],
            type_name=data["type_name"],
            subject=data["subject"],
            number_symbol=data["number_symbol"],
            signer_name=data["signer_name"],
            signer_position=data["signer_position"],
            language=data["language"] or "Tiếng Việt",
            page_count=data["page_count"],
            secrecy=data["secrecy"],
            description=data["description"],
        )
        with files.atomic_with_files():  # the record, its scan and its place in the dossier, or nothing
            record = services.record_create(
                actor=user,
                organization=organization,
                data=record_data,
                scan=(scan.name or "", scan.read()) if scan else None,
            )
            if data.get("dossier"):
                dossier = selectors.dossier_get_for_user(user, data["dossier"])
                services.dossier_add_document(
                    actor=user, dossier=dossier, kind="archive", document_id=record.pk
                )
        return reverse("web:record_detail", args=[record.pk])

    context = {
        "heading": "Thêm tài liệu lưu trữ",
        "note": "Một văn bản của phông lưu trữ cũ với tệp quét và thông tin của nó. "
        "Nhiều văn bản một lúc: dùng “Nhập tài liệu lưu trữ” (bảng tính).",
        "back": reverse("web:archive_imports"),
        "tab": "imports",
        "submit": "Thêm tài liệu",
        "doc_types": sorted(set(DocType.objects.values_list("name", flat=True))),
    }
    return _form_page(request, form, save, context, "Đã thêm tài liệu lưu trữ.")


def _found_or_404(found: Any) -> Any:
    if found is None:
        raise Http404()
    return found


def _managed_plan(request: HttpRequest, plan_id: int) -> Any:
    user = _user(request)
    plan = selectors.plans_for(user).filter(pk=plan_id).first()
    if plan is None or not permissions.may_manage(user, plan.organization_id):
        raise Http404()
    return plan


@login_required
def plan_heading_edit(request: HttpRequest, pk: int) -> HttpResponse:
    heading = _found_or_404(PlanHeading.objects.filter(pk=pk).select_related("plan").first())
    plan = _managed_plan(request, heading.plan_id)
    back = reverse("web:file_plan", args=[plan.pk])
    form = HeadingForm(
        request.POST or None,
        initial={"number": heading.number, "title": heading.title, "abbreviation": heading.abbreviation},
    )

    def save(data: dict[str, Any]) -> str:
        services.plan_heading_update(actor=_user(request), heading=heading, **data)
        return back

    context = {"heading": f"Sửa đề mục {heading.number}", "back": back, "tab": "plans"}
    return _form_page(request, form, save, context, "Đã lưu đề mục.")


@login_required
def plan_item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = _found_or_404(PlanItem.objects.filter(pk=pk).select_related("plan").first())
    plan = _managed_plan(request, item.plan_id)
    back = reverse("web:file_plan", args=[plan.pk])
    fields = ("code", "title", "retention_years", "heading_id", "responsible_unit_id", "note")
    initial = {name: getattr(item, name) for name in (*fields, "responsible_person_id")}
    units = Unit.objects.filter(organization_id__in=lineage_ids(plan.organization_id))
    form = PlanItemForm(
        request.POST or None,
        initial=initial,
        headings=[(h.pk, f"{h.number}. {h.title}") for h in plan.headings.all()],
        units=[(u.pk, u.name) for u in units],
        people=_people(plan.organization_id),
    )

    def save(data: dict[str, Any]) -> str:
        services.plan_item_update(actor=_user(request), item=item, data=services.PlanItemInput(**data))
        return back

    context = {
        "heading": f"Sửa hồ sơ {item.code} trong danh mục năm {plan.year}",
        "note": "Hồ sơ đã mở theo mục này giữ nguyên thông tin của nó.",
        "back": back,
        "tab": "plans",
    }
    return _form_page(request, form, save, context, "Đã lưu hồ sơ trong danh mục.")
