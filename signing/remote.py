"""Remote signing from a phone: the request waits for the signer's one-time code.

How it holds together (docs/architecture.md, "Remote signing"):

* the signer **enrols an authenticator app** (TOTP, RFC 6238, through django-otp) by scanning a QR code
  and typing its first code; without one, codes are sent to the signer's e-mail address;
* the signer **entrusts one certificate** to remote signing by typing its password/PIN once: the server
  proves it opens the key, then keeps it encrypted like the PKCS#12 itself (``signing.storage``), and uses
  it only for a request the owner confirms; turning remote signing off erases it;
* someone (the signer at a desk, the drafter, the clerk) **opens a request** for one exact file (its
  SHA-256): the signer is notified, opens the request on the phone, sees what is to be signed and types
  the code; the request is single-use, expires after ``SIGNING_REMOTE_REQUEST_MINUTES`` and fails after
  ``SIGNING_REMOTE_MAX_ATTEMPTS`` wrong codes. A new request for the same document replaces the open one.

This module knows nothing of outgoing documents: ``outgoing.remote_signing`` checks the workflow and
performs the signature once ``consume`` has accepted the code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import secrets
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import audit
from core.errors import Conflict, InvalidInput, NotAllowed, NotFound, TooManyAttempts
from orgs.models import User
from signing import keys
from signing.models import (
    Certificate,
    RemoteMethod,
    RemoteStatus,
    SignatureRequest,
)
from signing.storage import decrypt, encrypt

DEVICE_NAME = "Ứng dụng xác thực (ký từ xa)"
CODE_DIGITS = 6
WRONG_CODE = "Mã xác nhận không đúng."
EXPIRED = "Yêu cầu ký đã hết thời gian xác nhận; vui lòng gửi yêu cầu mới."
NO_CHANNEL = (
    "Người ký chưa đăng ký ứng dụng xác thực và chưa có địa chỉ thư điện tử để nhận mã xác nhận ký từ xa."
)


# --- the signer's authenticator app ----------------------------------------------------------------------


def authenticator(user: User) -> TOTPDevice | None:
    """The person's confirmed authenticator (one per person: enrolling a new phone replaces the old)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


def start_enrolment(user: User) -> TOTPDevice:
    """A new, unconfirmed authenticator whose secret the QR code carries (earlier unconfirmed ones go)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def pending_enrolment(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()


def provisioning_svg(device: TOTPDevice) -> str:
    """The ``otpauth://`` URL of the device as an inline SVG QR code (no image library, no network)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue().decode()


def secret_text(device: TOTPDevice) -> str:
    """The key in Base32, in groups of four, for apps without a camera."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def confirm_enrolment(user: User, code: str) -> TOTPDevice:
    """The first code from the app proves the phone holds the secret; it then replaces any older one."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-id").first()
        )
        if device is None:
            raise InvalidInput("Hãy bắt đầu đăng ký ứng dụng xác thực trước.", code="no_enrolment")
        if not device.verify_token(_digits(code)):
            raise InvalidInput(WRONG_CODE, code="wrong_code", details={"code": "sai"})
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit.record(actor=user, action="signing.authenticator_enrol", target=device)
    return device


def remove_authenticator(user: User) -> None:
    with transaction.atomic():
        deleted, _ = TOTPDevice.objects.filter(user=user).delete()
        if deleted:
            audit.record(actor=user, action="signing.authenticator_remove", target_type="otp_totp.totpdevice")


# --- entrusting a certificate ----------------------------------------------------------------------------


def enable(*, actor: User, certificate: Certificate, secret: str) -> Certificate:
    """The owner entrusts the key's password/PIN to the server for remote signing (checked first)."""
    if certificate.person_id != actor.pk:
        raise NotAllowed("Chỉ người sở hữu chứng thư số mới cho phép ký từ xa bằng chứng thư này.")
    if authenticator(actor) is None and not actor.email:
        raise InvalidInput(NO_CHANNEL, code="no_channel")
    if not secret:
        raise InvalidInput("Vui lòng nhập mật khẩu khóa ký (hoặc mã PIN).", code="secret_required")
    with keys.signer_for(certificate, secret):  # a wrong password or an expired certificate stops here
        pass
    with transaction.atomic():
        Certificate.objects.filter(pk=certificate.pk).update(
            remote_secret_encrypted=encrypt(secret.encode()), remote_enabled_at=timezone.now()
        )
        audit.record(actor=actor, action="signing.remote_enable", target=certificate)
    certificate.refresh_from_db()
    return certificate


def disable(*, actor: User, certificate: Certificate) -> Certificate:
    """Erase the entrusted secret; open requests with this certificate are cancelled."""
    if certificate.person_id != actor.pk:
        raise NotAllowed("Chỉ người sở hữu chứng thư số mới tắt ký từ xa của chứng thư này.")
    with transaction.atomic():
        Certificate.objects.filter(pk=certificate.pk).update(
            remote_secret_encrypted=b"", remote_enabled_at=None
        )
        SignatureRequest.objects.filter(certificate=certificate, status=RemoteStatus.PENDING).update(
            status=RemoteStatus.CANCELLED,
            reason="Đã tắt ký từ xa của chứng thư số.",
            decided_at=timezone.now(),
        )
        audit.record(actor=actor, action="signing.remote_disable", target=certificate)
    certificate.refresh_from_db()
    return certificate


def remote_certificates(user: User) -> list[Certificate]:
    """The person's certificates valid now that are entrusted to remote signing."""
    now = timezone.now()
    return [
        c
        for c in Certificate.objects.filter(
            person=user,
            is_active=True,
            not_before__lte=now,
            not_after__gt=now,
            remote_enabled_at__isnull=False,
        ).order_by("-not_after", "-id")
        if c.remote_enabled
    ]


def entrusted_secret(certificate: Certificate) -> str:
    if not certificate.remote_enabled:
        raise InvalidInput("Chứng thư số này chưa được phép ký từ xa.", code="remote_not_enabled")
    return decrypt(bytes(certificate.remote_secret_encrypted)).decode()


# --- requests --------------------------------------------------------------------------------------------


def _digits(code: str) -> str:
    return "".join(ch for ch in str(code) if ch.isdigit())


def _code_hash(token: str, code: str) -> str:
    key = f"dieuhanh-remote-sign:{settings.SECRET_KEY}".encode()
    return hmac.new(key, f"{token}:{code}".encode(), hashlib.sha256).hexdigest()


def _send_code(address: str, title: str, code: str, minutes: int) -> None:
    body = (
        f"Mã xác nhận ký số từ xa: {code}\n\n"
        f"Văn bản: {title}\n"
        f"Mã có hiệu lực {minutes} phút và chỉ dùng một lần. Nếu bạn không yêu cầu ký, đừng nhập mã này "
        "và hãy từ chối yêu cầu.\n\n— dieuhanh"
    )
    send_mail(f"[dieuhanh] Mã xác nhận ký số: {code}", body, settings.DEFAULT_FROM_EMAIL, [address])


def open_request(
    *,
    requested_by: User,
    signer: User,
    certificate: Certificate,
    document_kind: str,
    document_id: int,
    sha256: str,
    title: str,
    url: str,
) -> SignatureRequest:
    """A pending request for the signer (replacing the document's open one); notifies the signer and,
    without an authenticator, e-mails the code. Called inside the caller's transaction."""
    from notifications.services import notify_users

    if certificate.person_id != signer.pk or not certificate.remote_enabled:
        raise InvalidInput(
            "Người ký chưa cho phép ký từ xa bằng chứng thư số này.", code="remote_not_enabled"
        )
    keys.check_validity(certificate.not_before, certificate.not_after)
    device = authenticator(signer)
    if device is None and not signer.email:
        raise InvalidInput(NO_CHANNEL, code="no_channel")
    now = timezone.now()
    minutes = settings.SIGNING_REMOTE_REQUEST_MINUTES
    with transaction.atomic():
        replaced = SignatureRequest.objects.select_for_update().filter(
            document_kind=document_kind, document_id=document_id, status=RemoteStatus.PENDING
        )
        for old in replaced:
            _close(old, RemoteStatus.CANCELLED, "Đã có yêu cầu ký mới thay thế.", actor=requested_by)
        token = secrets.token_urlsafe(32)
        code = f"{secrets.randbelow(10**6):06d}" if device is None else ""
        request = SignatureRequest.objects.create(
            token=token,
            signer=signer,
            requested_by=requested_by,
            certificate=certificate,
            document_kind=document_kind,
            document_id=document_id,
            sha256=sha256,
            title=title[:500],
            url=url,
            method=RemoteMethod.TOTP if device is not None else RemoteMethod.EMAIL,
            code_hash=_code_hash(token, code) if code else "",
            expires_at=now + timedelta(minutes=minutes),
        )
        audit.record(
            actor=requested_by,
            action="signing.remote_request",
            target=request,
            data={
                "signer": signer.pk,
                "certificate": certificate.pk,
                "sha256": sha256,
                "method": request.method,
            },
        )
        confirm_url = reverse("web:remote_confirm", args=[token])
        notify_users([signer], f"Yêu cầu ký số từ xa: {title}"[:300], confirm_url, kind="sign")
        if code:
            # robust: a mail server outage is logged, the request stays (the signer can be sent a new one)
            transaction.on_commit(partial(_send_code, signer.email, title, code, minutes), robust=True)
    return request


def _close(request: SignatureRequest, status: str, reason: str, *, actor: User | None) -> None:
    request.status = status
    request.reason = reason[:500]
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "reason", "decided_at"])
    audit.record(
        actor=actor, action=f"signing.remote_{status}", target=request, data={"reason": reason[:200]}
    )


def get_for(user: User, token: str) -> SignatureRequest:
    """The request as its signer or its requester sees it (404 for anyone else); closes it if expired."""
    request = (
        SignatureRequest.objects.select_related("certificate", "signer", "requested_by")
        .filter(token=token)
        .first()
    )
    if request is None or user.pk not in (request.signer_id, request.requested_by_id):
        raise NotFound()
    return expire_if_due(request)


SIGNING_GRACE = timedelta(minutes=5)
STUCK = "Không hoàn tất được việc ký sau khi xác nhận; vui lòng gửi yêu cầu mới."


def expire_if_due(request: SignatureRequest) -> SignatureRequest:
    """A pending request past its time expires; one accepted but never finished (the process died while
    signing) fails once its time is over — the document was not signed, or the request would say so."""
    now = timezone.now()
    # a request confirmed just before its time is over may still be signing: give it a few minutes more
    due = request.expires_at + (SIGNING_GRACE if request.status == RemoteStatus.SIGNING else timedelta(0))
    if request.status in (RemoteStatus.PENDING, RemoteStatus.SIGNING) and now >= due:
        status = RemoteStatus.EXPIRED if request.status == RemoteStatus.PENDING else RemoteStatus.FAILED
        reason = EXPIRED if status == RemoteStatus.EXPIRED else STUCK
        with transaction.atomic():
            updated = SignatureRequest.objects.filter(pk=request.pk, status=request.status).update(
                status=status, reason=reason, decided_at=now
            )
            if updated:
                audit.record(actor=None, action=f"signing.remote_{status}", target=request)
        request.refresh_from_db()
    return request


def pending_for(user: User) -> list[SignatureRequest]:
    """The signer's open requests, newest first (expired ones are not shown)."""
    return list(
        SignatureRequest.objects.filter(
            signer=user, status=RemoteStatus.PENDING, expires_at__gt=timezone.now()
        )
        .select_related("requested_by")
        .order_by("-created_at")
    )


def latest_for_document(document_kind: str, document_id: int) -> SignatureRequest | None:
    request = (
        SignatureRequest.objects.filter(document_kind=document_kind, document_id=document_id)
        .select_related("signer", "requested_by")
        .order_by("-created_at", "-id")
        .first()
    )
    return expire_if_due(request) if request is not None else None


def consume(*, actor: User, token: str, code: str) -> SignatureRequest:
    """Accept the signer's code: the request is used up (status ``signing``; the caller then signs and
    calls ``mark_signed`` in the signing transaction, or ``fail``). A wrong code counts; too many wrong
    codes end the request. The outcome of a wrong code is committed before the error is raised."""
    code = _digits(code)
    outcome: Exception | None = None
    with transaction.atomic():
        request = SignatureRequest.objects.select_for_update().filter(token=token).first()
        if request is None or request.signer_id != actor.pk:
            raise NotFound()
        if request.status != RemoteStatus.PENDING:
            raise Conflict(
                f"Yêu cầu ký này không còn chờ xác nhận ({request.get_status_display().lower()}).",
                code="request_closed",
            )
        if timezone.now() >= request.expires_at:
            _close(request, RemoteStatus.EXPIRED, EXPIRED, actor=None)
            outcome = Conflict(EXPIRED, code="request_expired")
        elif len(code) != CODE_DIGITS:
            outcome = InvalidInput(
                f"Mã xác nhận gồm {CODE_DIGITS} chữ số.", code="invalid_code", details={"code": "sai"}
            )
        elif (wait := _throttled_for(request)) is not None:
            # django-otp slows down guessing on the authenticator (after a wrong code, 1 s, 2 s, 4 s...)
            outcome = TooManyAttempts(f"Vui lòng chờ {wait} giây rồi nhập lại mã.", code="throttled")
        elif not _code_ok(request, code):
            request.attempts += 1
            request.save(update_fields=["attempts"])
            left = settings.SIGNING_REMOTE_MAX_ATTEMPTS - request.attempts
            audit.record(actor=actor, action="signing.remote_wrong_code", target=request, data={"left": left})
            if left <= 0:
                _close(request, RemoteStatus.FAILED, "Nhập sai mã xác nhận quá số lần cho phép.", actor=actor)
                outcome = TooManyAttempts(
                    "Nhập sai mã quá số lần cho phép; yêu cầu ký đã bị hủy. Vui lòng gửi yêu cầu mới.",
                    code="too_many_attempts",
                )
            else:
                outcome = InvalidInput(
                    f"{WRONG_CODE} Còn {left} lần thử.", code="wrong_code", details={"code": "sai"}
                )
        else:
            request.status = RemoteStatus.SIGNING
            request.save(update_fields=["status"])
            audit.record(actor=actor, action="signing.remote_confirmed", target=request)
    if outcome is not None:
        raise outcome
    return request


def _throttled_for(request: SignatureRequest) -> int | None:
    """Seconds to wait before the authenticator accepts another try (None: it may try now)."""
    if request.method != RemoteMethod.TOTP:
        return None
    device = authenticator(request.signer)
    if device is None:
        return None
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    until = (info or {}).get("locked_until")
    return max(1, int((until - timezone.now()).total_seconds()) + 1) if until else 1


def _code_ok(request: SignatureRequest, code: str) -> bool:
    if request.method == RemoteMethod.EMAIL:
        return hmac.compare_digest(request.code_hash, _code_hash(request.token, code))
    device = authenticator(request.signer)
    return device is not None and bool(device.verify_token(code))  # rejects a code already used


def mark_signed(request: SignatureRequest, *, actor: User) -> None:
    """In the transaction that recorded the signature: the request is done."""
    _close(request, RemoteStatus.SIGNED, "", actor=actor)


def fail(request: SignatureRequest, reason: str) -> None:
    """The code was right but signing failed (the document moved on, the key would not open...)."""
    with transaction.atomic():
        SignatureRequest.objects.filter(pk=request.pk).update(
            status=RemoteStatus.FAILED, reason=reason[:500], decided_at=timezone.now()
        )
        audit.record(
            actor=None, action="signing.remote_failed", target=request, data={"reason": reason[:200]}
        )
    request.refresh_from_db()


def decline(*, actor: User, token: str, reason: str = "") -> SignatureRequest:
    """The signer refuses to sign this request (the document stays where it is)."""
    return _end(
        actor, token, RemoteStatus.DECLINED, reason or "Người ký từ chối yêu cầu ký từ xa.", signer_only=True
    )


def cancel(*, actor: User, token: str) -> SignatureRequest:
    """The requester (or the signer) withdraws the request."""
    return _end(actor, token, RemoteStatus.CANCELLED, "Người gửi đã hủy yêu cầu ký.", signer_only=False)


def _end(actor: User, token: str, status: str, reason: str, *, signer_only: bool) -> SignatureRequest:
    from notifications.services import notify_users

    with transaction.atomic():
        request = SignatureRequest.objects.select_for_update().filter(token=token).first()
        allowed: set[int] = set()
        if request is not None:
            allowed = {request.signer_id} if signer_only else {request.signer_id, request.requested_by_id}
        if request is None or actor.pk not in allowed:
            raise NotFound()
        if request.status != RemoteStatus.PENDING:
            raise Conflict("Yêu cầu ký này không còn chờ xác nhận.", code="request_closed")
        _close(request, status, reason, actor=actor)
        other = request.requested_by if actor.pk == request.signer_id else request.signer
        if other.pk != actor.pk:
            notify_users(
                [other], f"{request.get_status_display()}: {request.title}"[:300], request.url, kind="sign"
            )
    return request
