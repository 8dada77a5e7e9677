"""Screens of the scan intake (tiếp nhận bản quét): upload, progress (HTMX polling), the recognised
PDF/A, and registration with the fields pre-filled from the scan."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, NotFound
from core.files import open_blob
from core.http import file_response
from core.vn import sort_key
from intake import selectors, services
from intake.models import IntakeJob
from intake.permissions import may_use_intake
from intake.states import Status
from orgs.models import Organization, User
from web.forms import MultipleFileField, RegistrationForm

SCAN_ACCEPT = ".pdf,.png,.jpg,.jpeg,.tif,.tiff"


class UploadForm(forms.Form):
    files = MultipleFileField(  # type: ignore[assignment]
        label="Bản quét (PDF, TIFF, JPEG, PNG; mỗi tệp là một văn bản, nhiều trang được)",
        error_messages={"required": "Vui lòng chọn ít nhất một bản quét."},
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["files"].widget.attrs.update({"accept": SCAN_ACCEPT, "class": "form-control"})


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _job(request: HttpRequest, pk: int) -> IntakeJob:
    try:
        return selectors.job_get_for_user(_user(request), pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _refuse(request: HttpRequest) -> HttpResponse:
    messages.error(request, "Chỉ văn thư mới tiếp nhận bản quét.")
    return HttpResponseRedirect(reverse("web:home"))


@login_required
def intake_home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not may_use_intake(user):
        return _refuse(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        assert user.organization is not None
        created: list[IntakeJob] = []
        for upload in form.cleaned_data["files"]:
            try:
                created.append(
                    services.intake_job_create(
                        actor=user, organization=user.organization, name=upload.name, data=upload.read()
                    )
                )
            except ApplicationError as exc:
                form.add_error("files", exc.message)
        if created and not form.errors:
            if len(created) == 1:
                return HttpResponseRedirect(reverse("web:intake_job", args=[created[0].pk]))
            messages.success(request, f"Đã nhận {len(created)} bản quét; máy đang nhận dạng.")
            return HttpResponseRedirect(reverse("web:intake_home"))
    jobs = selectors.jobs_visible_to(user).exclude(status=Status.REGISTERED)[:50]
    return render(request, "web/intake_home.html", {"form": form, "jobs": jobs})


@login_required
def intake_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    return render(request, "web/intake_job.html", {"job": job})


@login_required
def intake_job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    response = render(request, "web/_intake_progress.html", {"job": job})
    if job.finished:
        response["HX-Refresh"] = "true"  # show the finished page (its buttons) once
    return response


@login_required
@require_POST
def intake_job_retry(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    job = _job(request, pk)
    try:
        services.intake_job_retry(actor=user, job=job)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(reverse("web:intake_job", args=[job.pk]))


@login_required
@xframe_options_sameorigin
def intake_job_pdfa(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    if job.result is None:
        return HttpResponseRedirect(reverse("web:intake_job", args=[job.pk]))
    name = job.original_name.rsplit(".", 1)[0] + "-pdfa.pdf"
    return file_response(open_blob(job.result.pdfa), name=name, content_type="application/pdf")


@login_required
def intake_register(request: HttpRequest, pk: int) -> HttpResponse:
    """The registration form pre-filled from the scan; the recognised PDF/A is the main file."""
    user = _user(request)
    job = _job(request, pk)
    if job.status != Status.DONE:
        messages.error(request, "Bản quét chưa nhận dạng xong hoặc đã được vào sổ.")
        return HttpResponseRedirect(reverse("web:intake_job", args=[job.pk]))
    page_count = job.result.page_count if job.result else None
    form = RegistrationForm(
        request.POST or None,
        request.FILES or None,
        organization=job.organization,
        suggestions=job.metadata,
        initial={"page_count": page_count},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.intake_register(
                actor=user,
                job=job,
                data=form.registration(),
                extra_uploads=[(f.name, f.read()) for f in data["files"]],
            )
        except ApplicationError as exc:
            for field, text in exc.details.items():
                if field in form.fields and isinstance(text, str):
                    form.add_error(field, text)
            form.add_error(None, exc.message)
        else:
            doc = result.document
            messages.success(request, f"Đã vào sổ: số đến {doc.arrival_number} — {doc.number_symbol}.")
            for warning in result.warnings:
                messages.warning(request, warning["message"])
            return HttpResponseRedirect(reverse("web:incoming_detail", args=[doc.pk]))
    issuers = sorted(
        Organization.objects.filter(merged_into__isnull=True).values_list("name", flat=True), key=sort_key
    )
    return render(request, "web/intake_register.html", {"form": form, "issuers": issuers, "job": job})
