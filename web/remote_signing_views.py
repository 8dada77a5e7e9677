"""Pages of remote signing: the signer's authenticator and entrusted certificates, the request panel on an
outgoing document (polled while it waits), the signer's list of requests and the confirmation page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from core.errors import ApplicationError, NotFound
from orgs.models import User
from outgoing import remote_signing
from outgoing.models import OutgoingDocument
from outgoing.permissions import may_approve_step
from outgoing.selectors import current_step, outgoing_get_for_user
from outgoing.states import Status
from signing import remote
from signing.models import Certificate


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# --- the signer's settings (a block of "Chứng thư số của tôi") -------------------------------------------


def _settings_context(user: User, *, error: str = "", done: str = "") -> dict[str, Any]:
    device = remote.authenticator(user)
    enrolling = remote.pending_enrolment(user)
    certificates = list(Certificate.objects.filter(person=user, is_active=True).order_by("-not_after", "-id"))
    return {
        "device": device,
        "enrolling": enrolling,
        "qr_svg": remote.provisioning_svg(enrolling) if enrolling else "",
        "secret_text": remote.secret_text(enrolling) if enrolling else "",
        "certificates": certificates,
        "has_email": bool(user.email),
        "error": error,
        "done": done,
    }


@login_required
def remote_settings(request: HttpRequest) -> HttpResponse:
    """GET: the block; POST ``action``: enrol_start, enrol_confirm, enrol_cancel, enrol_remove, enable,
    disable — then the block again, with the outcome."""
    user = _user(request)
    error = done = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            done = _settings_action(user, action, request.POST)
        except ApplicationError as exc:
            error = exc.message
    response = render(request, "web/_remote_settings.html", _settings_context(user, error=error, done=done))
    if not request.headers.get("HX-Request") and request.method == "POST":
        (messages.error if error else messages.success)(request, error or done)
        return HttpResponseRedirect(reverse("web:certificates"))
    return response


def _settings_action(user: User, action: str, data: Any) -> str:
    if action == "enrol_start":
        remote.start_enrolment(user)
        return ""
    if action == "enrol_confirm":
        remote.confirm_enrolment(user, data.get("code", ""))
        return "Đã đăng ký ứng dụng xác thực trên điện thoại."
    if action == "enrol_cancel":
        pending = remote.pending_enrolment(user)
        if pending is not None:
            pending.delete()
        return ""
    if action == "enrol_remove":
        remote.remove_authenticator(user)
        return "Đã gỡ ứng dụng xác thực; mã xác nhận sẽ được gửi qua thư điện tử."
    certificate_id = str(data.get("certificate_id", ""))
    certificate = (
        Certificate.objects.filter(pk=int(certificate_id), person=user).first()
        if certificate_id.isdecimal()
        else None
    )
    if certificate is None:
        raise NotFound()
    if action == "enable":
        remote.enable(actor=user, certificate=certificate, secret=data.get("secret", ""))
        return f"Đã cho phép ký từ xa bằng chứng thư số {certificate.subject_cn}."
    if action == "disable":
        remote.disable(actor=user, certificate=certificate)
        return f"Đã tắt ký từ xa của chứng thư số {certificate.subject_cn}."
    raise Http404()


# --- the panel on an outgoing document -------------------------------------------------------------------


def _panel_context(user: User, doc: OutgoingDocument) -> dict[str, Any] | None:
    step = current_step(doc)
    signer = remote_signing.expected_signer(doc)
    if signer is None and step is not None and may_approve_step(user, doc, step):
        signer = user
    latest = remote.latest_for_document("outgoing", doc.pk)
    involved = latest is not None and user.pk in (latest.signer_id, latest.requested_by_id)
    at_signer_step = doc.status == Status.PENDING_APPROVAL and step is not None and step.is_signer
    may_request = at_signer_step and remote_signing.may_request(user, doc, signer)
    if not may_request and not involved:
        return None
    return {
        "doc": doc,
        "signer": signer,
        "latest": latest,
        "pending": latest is not None and latest.is_waiting,
        "may_request": may_request,
        "signer_ready": bool(signer and remote.remote_certificates(signer)),
        "is_signer": signer is not None and signer.pk == user.pk,
    }


@login_required
def outgoing_remote_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the panel (HTMX; polled while a request waits). POST ``action`` send / cancel."""
    user = _user(request)
    try:
        doc = outgoing_get_for_user(user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "send":
                remote_signing.request_remote_sign(
                    actor=user, document=doc, version_sha256=request.POST.get("version_sha256") or None
                )
            elif action == "cancel":
                remote.cancel(actor=user, token=request.POST.get("token", ""))
            else:
                raise Http404()
        except ApplicationError as exc:
            error = exc.message
        doc.refresh_from_db()
    context = _panel_context(user, doc)
    if context is None:
        return HttpResponse("")
    if request.GET.get("was") == "pending" and not context["pending"]:
        response = HttpResponse("")  # the signer answered: the whole page changes (status, signed file)
        response["HX-Refresh"] = "true"
        return response
    context["error"] = error
    return render(request, "web/_remote_sign_panel.html", context)


# --- the signer's side -----------------------------------------------------------------------------------


@login_required
def remote_requests(request: HttpRequest) -> HttpResponse:
    """ "Yêu cầu ký từ xa": what waits for my confirmation."""
    return render(request, "web/remote_requests.html", {"requests": remote.pending_for(_user(request))})


@login_required
def remote_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The page the signer opens on the phone: what is to be signed, the code, confirm or decline."""
    user = _user(request)
    try:
        item = remote.get_for(user, token)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    error = ""
    if request.method == "POST" and item.signer_id == user.pk:
        action = request.POST.get("action", "")
        try:
            if action == "confirm":
                remote_signing.confirm_remote_sign(
                    actor=user,
                    token=token,
                    code=request.POST.get("code", ""),
                    note=request.POST.get("note", ""),
                )
                messages.success(
                    request, "Đã ký số văn bản; văn bản chờ văn thư cấp số, đóng dấu và phát hành."
                )
                return HttpResponseRedirect(item.url or reverse("web:remote_requests"))
            if action == "decline":
                remote.decline(actor=user, token=token, reason=request.POST.get("reason", ""))
                messages.info(request, "Đã từ chối yêu cầu ký.")
                return HttpResponseRedirect(reverse("web:remote_requests"))
            raise Http404()
        except ApplicationError as exc:
            error = exc.message
        item = remote.get_for(user, token)
    return render(
        request,
        "web/remote_confirm.html",
        {
            "item": item,
            "error": error,
            "is_signer": item.signer_id == user.pk,
            "max_attempts": settings.SIGNING_REMOTE_MAX_ATTEMPTS,
        },
    )
