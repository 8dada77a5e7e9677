"""Pages of digital signatures: a file's validation result (polled, re-validated), the caller's
certificates, the signing statistics, and the CRLs this installation publishes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_POST, require_safe

from core.errors import ApplicationError, InvalidInput, NotFound
from documents.models import Attachment
from documents.selectors import attachment_get_for_user
from orgs.models import User
from signing import selectors, services
from signing.models import FileValidation
from web.forms import DATE_ATTRS


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _attachment(request: HttpRequest, pk: int) -> Attachment:
    try:
        attachment, _owner = attachment_get_for_user(_user(request), pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return attachment


def _render_file(request: HttpRequest, attachment: Attachment) -> HttpResponse:
    row = FileValidation.objects.filter(stored_id=attachment.stored_id).first()
    item = selectors.file_signature_view(attachment, row)
    return render(request, "web/_signature_file.html", {"item": item})


@login_required
def file_signatures(request: HttpRequest, pk: int) -> HttpResponse:
    """One file's validation block (the HTMX poll while the worker validates)."""
    return _render_file(request, _attachment(request, pk))


@login_required
@require_POST
def file_revalidate(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Kiểm tra lại": queue the validation again; HTMX swaps the block, a plain form goes back."""
    attachment = _attachment(request, pk)
    try:
        services.revalidate(actor=_user(request), stored=attachment.stored)
    except ApplicationError as exc:
        if request.headers.get("HX-Request"):
            return HttpResponse(exc.message, status=exc.status)
        messages.error(request, exc.message)
    else:
        if request.headers.get("HX-Request"):
            return _render_file(request, attachment)
        messages.success(request, "Đã yêu cầu kiểm tra lại chữ ký số.")
    back = request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=request.is_secure()):
        back = "/"
    return HttpResponseRedirect(back)


@login_required
def certificates(request: HttpRequest) -> HttpResponse:
    """ "Chứng thư số của tôi": personal certificates and, for clerks, the organisation's seal."""
    rows = selectors.certificate_rows(_user(request))
    return render(
        request, "web/certificates.html", {"rows": rows, "warning_days": selectors.EXPIRY_WARNING_DAYS}
    )


def _date(request: HttpRequest, key: str, default: date) -> date:
    from web.views import _parse_date

    value = request.GET.get(key, "").strip()
    if not value:
        return default
    parsed = _parse_date(value)
    if parsed is None:
        label = "Từ ngày" if key == "from" else "Đến ngày"
        messages.error(request, f"{label} không hợp lệ (định dạng dd/mm/yyyy); dùng ngày mặc định.")
        return default
    return parsed


@login_required
def statistics(request: HttpRequest) -> HttpResponse:
    """Thống kê ký số: leaders and clerks; the period defaults to this year."""
    user = _user(request)
    if not selectors.may_see_statistics(user):
        raise PermissionDenied("Chỉ lãnh đạo và văn thư mới xem thống kê ký số.")
    year = timezone.localdate().year
    start = _date(request, "from", date(year, 1, 1))
    end = _date(request, "to", date(year, 12, 31))
    stats = None
    try:
        stats = selectors.signature_statistics(user, start, end)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return render(
        request,
        "web/signature_statistics.html",
        {"stats": stats, "start": start, "end": end, "date_attrs": DATE_ATTRS},
    )


# --- CRLs (no login: other installations and any validator fetch them) -------------------------------

CRL_MAX_AGE = 3600  # seconds a cache may keep a CRL: a re-issued CRL (a revocation) shows within the hour


def _crl_path(name: str) -> Path:
    """A CRL file directly in SIGNING_CRL_DIR (the URL pattern admits no slash); 404 for anything else."""
    directory = Path(settings.SIGNING_CRL_DIR).resolve()
    path = (directory / name).resolve()
    if path.parent != directory or path.suffix != ".crl" or not path.is_file():
        raise Http404("Không có CRL này.")
    return path


def _crl_modified(request: HttpRequest, name: str) -> datetime:
    return datetime.fromtimestamp(_crl_path(name).stat().st_mtime, tz=UTC)


@require_safe
@cache_control(public=True, max_age=CRL_MAX_AGE)
@condition(last_modified_func=_crl_modified)
def crl(request: HttpRequest, name: str) -> FileResponse:
    """``/pki/crl/<name>.crl``: a CRL of SIGNING_CRL_DIR as published (DER, application/pkix-crl)."""
    return FileResponse(_crl_path(name).open("rb"), content_type="application/pkix-crl")


TOKEN_TOOL = Path(settings.BASE_DIR) / "tools" / "dieuhanh_token_sign.py"


@login_required
def token_tool(request: HttpRequest) -> HttpResponse:
    """The signer's two-step signing tool, served from the installation (closed networks: no internet)."""
    response = HttpResponse(TOKEN_TOOL.read_bytes(), content_type="text/x-python; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="dieuhanh_token_sign.py"'
    return response


@login_required
@require_POST
def token_certificate_register(request: HttpRequest) -> HttpResponse:
    """Register the certificate of the signer's own token (the .cer file; the key stays on the token)."""
    from signing.client_signing import register_client_certificate

    upload = request.FILES.get("certificate")
    try:
        if upload is None or (upload.size or 0) > 64 * 1024:
            raise InvalidInput("Vui lòng chọn tệp chứng thư số (.cer, .crt, .pem) của thiết bị ký.")
        cert = register_client_certificate(
            actor=_user(request), owner=_user(request), certificate=upload.read()
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Đã đăng ký chứng thư số {cert.subject_cn} trên thiết bị ký của bạn.")
    return HttpResponseRedirect(reverse("web:certificates"))
