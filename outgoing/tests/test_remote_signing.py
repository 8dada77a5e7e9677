"""Remote signing from a phone: the request waits for the signer's one-time code (issue 4)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from api.tests.helpers import client_for
from core.errors import ApplicationError, Conflict, InvalidInput, NotAllowed, NotFound, TooManyAttempts
from core.files import open_blob
from core.models import AuditEvent
from notifications.models import Notification
from outgoing.remote_signing import confirm_remote_sign, request_remote_sign
from outgoing.tests.signing_world import Signed, snapshot
from signing import remote
from signing.models import Certificate, RemoteMethod, RemoteStatus, SignatureRequest
from signing.tests.conftest import (  # noqa: F401 - fixtures shared with the signing tests
    P12_PASSWORD,
    _signing_settings,
    font_dir,
    pki,
    trusted,
)
from signing.tests.helpers import app_code
from signing.validation import validate_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def s(signed: Signed) -> Signed:
    """The outgoing world with the signer's certificate (the fixture of test_signatures)."""
    return signed


def enrol(user: Any) -> Any:
    device = remote.start_enrolment(user)
    return remote.confirm_enrolment(user, app_code(device))


def entrust(s: Signed) -> Certificate:
    return remote.enable(actor=s.ow.secretary, certificate=s.person, secret=P12_PASSWORD)


def sent_code() -> str:
    assert mail.outbox, "no e-mail with the code"
    subject = mail.outbox[-1].subject
    return subject.rsplit(":", 1)[1].strip()


# --- enrolment and entrusting ----------------------------------------------------------------------------


def test_enrolment_needs_the_code_from_the_phone_and_replaces_an_older_phone(s: Signed) -> None:
    user = s.ow.secretary
    device = remote.start_enrolment(user)
    assert (
        "<svg" in remote.provisioning_svg(device) and len(remote.secret_text(device).replace(" ", "")) == 32
    )
    # a wrong code confirms nothing
    with pytest.raises(InvalidInput) as wrong:
        remote.confirm_enrolment(user, "000000" if app_code(device) != "000000" else "111111")
    assert wrong.value.code == "wrong_code" and remote.authenticator(user) is None
    first = remote.confirm_enrolment(user, app_code(device))
    assert remote.authenticator(user) == first
    # a new phone: the old authenticator stops working once the new one is confirmed
    second = enrol(user)
    assert remote.authenticator(user) == second and not type(first).objects.filter(pk=first.pk).exists()
    assert AuditEvent.objects.filter(action="signing.authenticator_enrol").count() == 2


def test_entrusting_checks_the_password_and_only_the_owner_may(s: Signed) -> None:
    ow = s.ow
    enrol(ow.secretary)
    with pytest.raises(InvalidInput) as wrong:
        remote.enable(actor=ow.secretary, certificate=s.person, secret="sai-mat-khau")
    assert wrong.value.code == "wrong_password"
    with pytest.raises(NotAllowed):
        remote.enable(actor=ow.w.clerk, certificate=s.person, secret=P12_PASSWORD)
    s.person.refresh_from_db()
    assert not s.person.remote_enabled and bytes(s.person.remote_secret_encrypted) == b""
    cert = entrust(s)
    # the password is kept encrypted, never in clear
    assert cert.remote_enabled and P12_PASSWORD.encode() not in bytes(cert.remote_secret_encrypted)
    assert remote.entrusted_secret(cert) == P12_PASSWORD
    assert remote.remote_certificates(ow.secretary) == [cert]


def test_without_an_authenticator_or_an_email_there_is_no_way_to_confirm(s: Signed) -> None:
    s.ow.secretary.email = ""
    s.ow.secretary.save()
    with pytest.raises(InvalidInput) as no_channel:
        entrust(s)
    assert no_channel.value.code == "no_channel"


# --- the request and its confirmation --------------------------------------------------------------------


def test_drafter_sends_the_request_and_the_signer_confirms_with_the_app_code(s: Signed) -> None:
    ow = s.ow
    device = enrol(ow.secretary)
    entrust(s)
    doc = s.at_signer_step()
    version = doc.versions.get()
    # given the drafter sends the version at the signer's step to the signer's phone
    request = request_remote_sign(actor=ow.w.specialist, document=doc, version_sha256=version.sha256)
    assert request.status == RemoteStatus.PENDING and request.method == RemoteMethod.TOTP
    assert request.signer == ow.secretary and request.sha256 == version.sha256
    assert not mail.outbox  # the code is on the phone, nothing is e-mailed
    note = Notification.objects.get(user=ow.secretary, kind="sign")
    assert "Yêu cầu ký số từ xa" in note.text and note.url == f"/ky-tu-xa/{request.token}/"
    doc.refresh_from_db()
    assert doc.status == "pending_approval" and doc.signed_file_id is None  # it waits
    # when the signer types the code shown by the app
    done = confirm_remote_sign(actor=ow.secretary, token=request.token, code=app_code(device, offset=1))
    # then the document is signed and approved exactly as with "Ký số"
    assert done.status == "approved" and done.signed_file_id is not None
    assert done.signed_file is not None
    verdicts = validate_pdf(open_blob(done.signed_file.stored)).signatures
    assert [v.verdict for v in verdicts] == ["valid"] and "Lê Văn Bí" in verdicts[0].signer
    request.refresh_from_db()
    assert request.status == RemoteStatus.SIGNED and request.decided_at is not None
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert {"signing.remote_request", "signing.remote_signed", "outgoing.sign"} <= set(actions)


def test_an_emailed_code_works_once_and_wrong_codes_end_the_request(
    s: Signed, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SIGNING_REMOTE_MAX_ATTEMPTS = 3
    ow = s.ow
    ow.secretary.email = "bithu@example.test"
    ow.secretary.save()
    entrust(s)
    doc = s.at_signer_step()
    with django_capture_on_commit_callbacks(execute=True):
        request = request_remote_sign(actor=ow.secretary, document=doc)
    assert request.method == RemoteMethod.EMAIL
    code = sent_code()
    assert len(code) == 6 and code not in request.code_hash and mail.outbox[-1].to == ["bithu@example.test"]
    before = snapshot(doc)
    wrong = "123456" if code != "123456" else "654321"
    with pytest.raises(InvalidInput) as first:
        confirm_remote_sign(actor=ow.secretary, token=request.token, code=wrong)
    assert "Còn 2 lần thử" in first.value.message
    with pytest.raises(InvalidInput):
        confirm_remote_sign(actor=ow.secretary, token=request.token, code=wrong)
    with pytest.raises(TooManyAttempts):
        confirm_remote_sign(actor=ow.secretary, token=request.token, code=wrong)
    request.refresh_from_db()
    assert request.status == RemoteStatus.FAILED and request.attempts == 3
    # the right code no longer helps; the document did not move (audit aside)
    with pytest.raises(Conflict):
        confirm_remote_sign(actor=ow.secretary, token=request.token, code=code)
    after = snapshot(doc)
    assert after[:7] == before[:7] and after[8:] == before[8:]
    # a new request has a new code, which signs
    with django_capture_on_commit_callbacks(execute=True):
        again = request_remote_sign(actor=ow.secretary, document=doc)
    assert confirm_remote_sign(actor=ow.secretary, token=again.token, code=sent_code()).status == "approved"


def test_an_app_code_cannot_be_replayed_on_a_second_request(s: Signed) -> None:
    ow = s.ow
    device = enrol(ow.secretary)
    entrust(s)
    doc = s.at_signer_step()
    first = request_remote_sign(actor=ow.secretary, document=doc)
    code = app_code(device, offset=1)  # a code not used by the enrolment
    remote.decline(actor=ow.secretary, token=first.token, reason="Xem lại đã")
    second = request_remote_sign(actor=ow.secretary, document=doc)
    # the code was not consumed by the declined request: it signs the second one
    assert confirm_remote_sign(actor=ow.secretary, token=second.token, code=code).status == "approved"
    # and it is not accepted again (django-otp remembers the last time step used)
    phone = remote.authenticator(ow.secretary)
    assert phone is not None and phone.verify_token(code) is False


def test_expired_and_replaced_requests_cannot_be_confirmed(s: Signed) -> None:
    ow = s.ow
    device = enrol(ow.secretary)
    entrust(s)
    doc = s.at_signer_step()
    old = request_remote_sign(actor=ow.w.specialist, document=doc)
    new = request_remote_sign(actor=ow.w.specialist, document=doc)
    old.refresh_from_db()
    assert old.status == RemoteStatus.CANCELLED and "thay thế" in old.reason
    with pytest.raises(Conflict):
        confirm_remote_sign(actor=ow.secretary, token=old.token, code=app_code(device))
    SignatureRequest.objects.filter(pk=new.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert [r.pk for r in remote.pending_for(ow.secretary)] == []
    with pytest.raises(Conflict) as expired:
        confirm_remote_sign(actor=ow.secretary, token=new.token, code=app_code(device, offset=1))
    assert expired.value.code == "request_expired"
    new.refresh_from_db()
    assert new.status == RemoteStatus.EXPIRED
    doc.refresh_from_db()
    assert doc.status == "pending_approval" and doc.signed_file_id is None


def test_an_accepted_code_keeps_the_requester_waiting_until_signed_and_a_stuck_one_fails(s: Signed) -> None:
    o = s.ow
    device = enrol(o.secretary)
    entrust(s)
    doc = s.at_signer_step()
    request = request_remote_sign(actor=o.w.specialist, document=doc)
    # the code accepted, the signature not yet recorded: still "waiting" for the page that polls
    accepted = remote.consume(actor=o.secretary, token=request.token, code=app_code(device, offset=1))
    assert accepted.status == RemoteStatus.SIGNING and accepted.is_waiting
    latest = remote.latest_for_document("outgoing", doc.pk)
    assert latest is not None and latest.is_waiting
    with pytest.raises(Conflict):  # single use
        remote.consume(actor=o.secretary, token=request.token, code=app_code(device, offset=1))
    # the process died while signing: once the request's time is over it is failed, never "signed"
    SignatureRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert remote.get_for(o.w.specialist, request.token).status == RemoteStatus.SIGNING  # still signing
    SignatureRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now() - timedelta(minutes=6))
    stuck = remote.get_for(o.w.specialist, request.token)
    assert stuck.status == RemoteStatus.FAILED and "Không hoàn tất" in stuck.reason
    doc.refresh_from_db()
    assert doc.status == "pending_approval"


def test_a_request_for_another_version_fails_without_signing(s: Signed) -> None:
    ow = s.ow
    device = enrol(ow.secretary)
    entrust(s)
    doc = s.at_signer_step()
    request = request_remote_sign(actor=ow.secretary, document=doc)
    SignatureRequest.objects.filter(pk=request.pk).update(sha256="0" * 64)  # not the approved version
    with pytest.raises(Conflict) as mismatch:
        confirm_remote_sign(actor=ow.secretary, token=request.token, code=app_code(device, offset=1))
    assert mismatch.value.code == "version_mismatch"
    request.refresh_from_db()
    assert request.status == RemoteStatus.FAILED and "phiên bản" in request.reason
    doc.refresh_from_db()
    assert doc.status == "pending_approval" and doc.signed_file_id is None


def test_who_may_request_confirm_decline_and_cancel(s: Signed) -> None:
    ow = s.ow
    device = enrol(ow.secretary)
    entrust(s)
    doc = s.at_signer_step()
    # an outsider does not see the document; a colleague who is neither drafter nor clerk may not ask
    with pytest.raises(NotFound):
        request_remote_sign(actor=ow.w.outsider, document=doc)
    with pytest.raises(NotAllowed):
        request_remote_sign(actor=ow.w.head, document=doc)
    assert not SignatureRequest.objects.exists()
    request = request_remote_sign(actor=ow.w.clerk, document=doc)
    # only the signer confirms or declines; the requester sees it and may cancel it
    for stranger in (ow.w.clerk, ow.w.head, ow.w.outsider):
        with pytest.raises(NotFound):
            remote.consume(actor=stranger, token=request.token, code=app_code(device))
    with pytest.raises(NotFound):
        remote.decline(actor=ow.w.clerk, token=request.token)
    with pytest.raises(NotFound):
        remote.get_for(ow.w.head, request.token)
    assert remote.get_for(ow.w.clerk, request.token) == request
    declined = remote.decline(actor=ow.secretary, token=request.token, reason="Cần sửa đoạn 2")
    assert declined.status == RemoteStatus.DECLINED
    assert Notification.objects.filter(user=ow.w.clerk, text__contains="từ chối").exists()
    again = request_remote_sign(actor=ow.w.clerk, document=doc)
    assert remote.cancel(actor=ow.w.clerk, token=again.token).status == RemoteStatus.CANCELLED
    with pytest.raises(Conflict):
        remote.cancel(actor=ow.w.clerk, token=again.token)


def test_turning_remote_signing_off_erases_the_secret_and_cancels_open_requests(s: Signed) -> None:
    ow = s.ow
    enrol(ow.secretary)
    entrust(s)
    doc = s.at_signer_step()
    request = request_remote_sign(actor=ow.w.specialist, document=doc)
    cert = remote.disable(actor=ow.secretary, certificate=s.person)
    request.refresh_from_db()
    assert not cert.remote_enabled and bytes(cert.remote_secret_encrypted) == b""
    assert request.status == RemoteStatus.CANCELLED
    with pytest.raises(InvalidInput) as off:
        request_remote_sign(actor=ow.w.specialist, document=doc)
    assert off.value.code == "remote_not_enabled"


def test_a_secret_documents_subject_stays_out_of_the_notification_and_the_email(
    s: Signed, django_capture_on_commit_callbacks: Any
) -> None:
    o = s.ow
    o.secretary.email = "bithu@example.test"
    o.secretary.save()
    entrust(s)
    doc = s.at_signer_step(secrecy="confidential")
    with django_capture_on_commit_callbacks(execute=True):
        request = request_remote_sign(actor=o.w.clerk, document=doc)
    assert "chuyển đổi số" not in request.title and "(văn bản mật)" in request.title
    note = Notification.objects.get(user=o.secretary, kind="sign")
    assert "chuyển đổi số" not in note.text
    assert "chuyển đổi số" not in mail.outbox[-1].body and "chuyển đổi số" not in mail.outbox[-1].subject


def test_not_at_the_signer_step_no_request(s: Signed) -> None:
    from outgoing.services import outgoing_submit

    ow = s.ow
    enrol(ow.secretary)
    entrust(s)
    draft = ow.draft("TB")
    outgoing_submit(actor=ow.w.specialist, document=draft)
    with pytest.raises(ApplicationError) as early:
        request_remote_sign(actor=ow.w.specialist, document=draft)
    assert early.value.code == "not_signer_step" and not SignatureRequest.objects.exists()


def test_the_authenticator_slows_down_guessing_without_counting_the_wait(s: Signed) -> None:
    ow = s.ow
    device = enrol(ow.secretary)
    entrust(s)
    doc = s.at_signer_step()
    request = request_remote_sign(actor=ow.secretary, document=doc)
    right = app_code(device, offset=1)
    with pytest.raises(InvalidInput) as wrong:
        confirm_remote_sign(
            actor=ow.secretary, token=request.token, code="999999" if right != "999999" else "888888"
        )
    assert wrong.value.code == "wrong_code"
    # right after a wrong code, the app's code is refused for a moment (django-otp's throttling)
    with pytest.raises(TooManyAttempts) as wait:
        confirm_remote_sign(actor=ow.secretary, token=request.token, code=right)
    assert wait.value.code == "throttled" and "giây" in wait.value.message
    request.refresh_from_db()
    assert request.status == RemoteStatus.PENDING and request.attempts == 1
    # once the wait is over, the code signs
    type(device).objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
    assert confirm_remote_sign(actor=ow.secretary, token=request.token, code=right).status == "approved"


# --- API -------------------------------------------------------------------------------------------------


def test_api_request_list_confirm(s: Signed) -> None:
    ow = s.ow
    device = enrol(ow.secretary)
    entrust(s)
    doc = s.at_signer_step()
    drafter, signer = client_for(ow.w.specialist), client_for(ow.secretary)
    opened = drafter.post(f"/api/v1/outgoing/{doc.pk}/sign-requests", {}, content_type="application/json")
    assert opened.status_code == 201, opened.content
    token = opened.json()["id"]
    assert opened.json()["status"] == "pending" and opened.json()["method"] == "totp"
    listed = signer.get("/api/v1/sign-requests").json()
    assert [r["id"] for r in listed] == [token] and listed[0]["document_id"] == doc.pk
    assert drafter.get("/api/v1/sign-requests").json() == []  # the drafter is not the signer
    assert client_for(ow.w.head).get(f"/api/v1/sign-requests/{token}").status_code == 404
    wrong = signer.post(
        f"/api/v1/sign-requests/{token}/confirm", {"code": "12"}, content_type="application/json"
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_code"
    done = signer.post(
        f"/api/v1/sign-requests/{token}/confirm",
        {"code": app_code(device, offset=1)},
        content_type="application/json",
    )
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["request"]["status"] == "signed" and body["document"]["status"] == "approved"
    assert drafter.get(f"/api/v1/sign-requests/{token}").json()["status"] == "signed"
