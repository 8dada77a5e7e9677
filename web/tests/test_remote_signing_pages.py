"""The remote-signing screens: enrol the phone, entrust a certificate, send, confirm on the phone."""

from __future__ import annotations

import pytest

from outgoing.tests.conftest import ow, signed  # noqa: F401 - fixtures
from outgoing.tests.signing_world import Signed
from signing import remote
from signing.models import RemoteStatus, SignatureRequest
from signing.tests.conftest import (  # noqa: F401 - fixtures shared with the signing tests
    P12_PASSWORD,
    _signing_settings,
    font_dir,
    pki,
    trusted,
)
from signing.tests.helpers import app_code
from web.tests.helpers import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def s(signed: Signed) -> Signed:  # noqa: F811
    return signed


def test_enrol_the_phone_and_entrust_the_certificate_on_the_certificates_page(s: Signed) -> None:
    signer = s.ow.secretary
    client = login(signer)
    page = client.get("/chung-thu-so/").content.decode()
    assert 'hx-get="/chung-thu-so/ky-tu-xa/"' in page
    block = client.get("/chung-thu-so/ky-tu-xa/").content.decode()
    assert "Đăng ký ứng dụng xác thực" in block and "Cho phép ký từ xa" in block
    # start: the QR code and the key are shown
    started = client.post("/chung-thu-so/ky-tu-xa/", {"action": "enrol_start"}, HTTP_HX_REQUEST="true")
    assert "<svg" in started.content.decode() and 'id="remote-secret"' in started.content.decode()
    device = remote.pending_enrolment(signer)
    assert device is not None
    # a wrong code is refused on the same block, the right one confirms
    wrong = client.post(
        "/chung-thu-so/ky-tu-xa/", {"action": "enrol_confirm", "code": "12"}, HTTP_HX_REQUEST="true"
    )
    assert "Mã xác nhận không đúng" in wrong.content.decode() and remote.authenticator(signer) is None
    ok = client.post(
        "/chung-thu-so/ky-tu-xa/",
        {"action": "enrol_confirm", "code": app_code(device)},
        HTTP_HX_REQUEST="true",
    )
    assert "Đã đăng ký ứng dụng xác thực" in ok.content.decode() and remote.authenticator(signer) is not None
    # entrust: a wrong password says so, the right one enables
    cert = s.person
    bad = client.post(
        "/chung-thu-so/ky-tu-xa/",
        {"action": "enable", "certificate_id": cert.pk, "secret": "sai"},
        HTTP_HX_REQUEST="true",
    )
    assert "Mật khẩu khóa ký không đúng" in bad.content.decode()
    good = client.post(
        "/chung-thu-so/ky-tu-xa/",
        {"action": "enable", "certificate_id": cert.pk, "secret": P12_PASSWORD},
        HTTP_HX_REQUEST="true",
    )
    assert "Đang cho phép ký từ xa" in good.content.decode()
    cert.refresh_from_db()
    assert cert.remote_enabled
    # another person's certificate cannot be touched through this page
    other = login(s.ow.w.clerk).post(
        "/chung-thu-so/ky-tu-xa/", {"action": "disable", "certificate_id": cert.pk}, HTTP_HX_REQUEST="true"
    )
    assert "Không tìm thấy" in other.content.decode()
    cert.refresh_from_db()
    assert cert.remote_enabled


def test_drafter_sends_from_the_document_page_and_the_signer_confirms_on_the_phone(s: Signed) -> None:
    o = s.ow
    device = remote.start_enrolment(o.secretary)
    remote.confirm_enrolment(o.secretary, app_code(device))
    remote.enable(actor=o.secretary, certificate=s.person, secret=P12_PASSWORD)
    doc = s.at_signer_step()
    drafter, signer = login(o.w.specialist), login(o.secretary)
    # the document page loads the panel, which offers to send the request
    assert (
        f'hx-get="/van-ban-di/{doc.pk}/ky-tu-xa/"' in drafter.get(f"/van-ban-di/{doc.pk}/").content.decode()
    )
    panel = drafter.get(f"/van-ban-di/{doc.pk}/ky-tu-xa/").content.decode()
    assert "Gửi yêu cầu ký đến điện thoại của Lê Văn Bí" in panel
    # a colleague who is neither drafter, clerk nor signer gets no panel
    assert login(o.w.head).get(f"/van-ban-di/{doc.pk}/ky-tu-xa/").content == b""
    sent = drafter.post(f"/van-ban-di/{doc.pk}/ky-tu-xa/", {"action": "send"}, HTTP_HX_REQUEST="true")
    text = sent.content.decode()
    assert "Đang chờ <strong>Lê Văn Bí</strong> xác nhận" in text and 'hx-trigger="every 3s"' in text
    request = SignatureRequest.objects.get()
    # the signer sees it on "Việc của tôi" and opens it
    home = signer.get("/").content.decode()
    assert f"/ky-tu-xa/{request.token}/" in home and "Yêu cầu ký từ xa chờ tôi xác nhận" in home
    page = signer.get(f"/ky-tu-xa/{request.token}/").content.decode()
    assert request.sha256 in page and 'autocomplete="one-time-code"' in page
    # the drafter may look but has no code field
    assert 'name="code"' not in drafter.get(f"/ky-tu-xa/{request.token}/").content.decode()
    assert login(o.w.head).get(f"/ky-tu-xa/{request.token}/").status_code == 404
    # a wrong code stays on the page with the reason
    wrong = signer.post(f"/ky-tu-xa/{request.token}/", {"action": "confirm", "code": "000001"})
    assert wrong.status_code == 200 and "Mã xác nhận không đúng" in wrong.content.decode()
    type(device).objects.update(throttling_failure_timestamp=None)  # the wait after a wrong code is over
    done = signer.post(
        f"/ky-tu-xa/{request.token}/", {"action": "confirm", "code": app_code(device, offset=1)}
    )
    assert done.status_code == 302 and done["Location"] == f"/van-ban-di/{doc.pk}/"
    doc.refresh_from_db()
    assert doc.status == "approved" and doc.signed_file_id is not None
    # the drafter's polling panel sees the answer and reloads the page
    polled = drafter.get(f"/van-ban-di/{doc.pk}/ky-tu-xa/?was=pending")
    assert polled["HX-Refresh"] == "true"


def test_the_signer_declines_and_the_requester_sees_why(s: Signed) -> None:
    o = s.ow
    o.secretary.email = "bithu@example.test"
    o.secretary.save()
    remote.enable(actor=o.secretary, certificate=s.person, secret=P12_PASSWORD)
    doc = s.at_signer_step()
    clerk, signer = login(o.w.clerk), login(o.secretary)
    clerk.post(f"/van-ban-di/{doc.pk}/ky-tu-xa/", {"action": "send"})
    request = SignatureRequest.objects.get()
    assert request.method == "email"
    declined = signer.post(f"/ky-tu-xa/{request.token}/", {"action": "decline", "reason": "Cần sửa số liệu"})
    assert declined.status_code == 302
    request.refresh_from_db()
    assert request.status == RemoteStatus.DECLINED
    panel = clerk.get(f"/van-ban-di/{doc.pk}/ky-tu-xa/").content.decode()
    assert "Người ký từ chối" in panel and "Cần sửa số liệu" in panel
    assert signer.get("/ky-tu-xa/").content.decode().count("list-group-item") == 0
