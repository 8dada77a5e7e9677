"""Administration: importing a PKCS#12 file with its password; key material never shown."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conftest import World
from signing.models import Certificate
from signing.tests.conftest import P12_PASSWORD, Pki

pytestmark = pytest.mark.django_db


def admin_client(world: World) -> Client:
    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save()
    client = Client()
    client.force_login(world.admin)
    return client


def test_admin_imports_pkcs12_and_refuses_a_wrong_password(world: World, pki: Pki, trusted: Any) -> None:
    client = admin_client(world)
    p12 = pki.ca.pkcs12(pki.person, P12_PASSWORD)

    def post(password: str) -> Any:
        return client.post(
            "/admin/signing/certificate/add/",
            {
                "person": world.leader.pk,
                "pkcs12_file": SimpleUploadedFile("lanh.p12", p12),
                "password": password,
                "seal_size_mm": "35",
            },
        )

    # a wrong password: the form says so, nothing is stored
    response = post("sai")
    assert response.status_code == 200
    assert "Mật khẩu khóa ký không đúng." in response.content.decode()
    assert not Certificate.objects.exists()
    # the right one: stored, and its page shows no key material
    assert post(P12_PASSWORD).status_code == 302
    cert = Certificate.objects.get()
    assert (cert.person, cert.subject_cn, cert.kind) == (world.leader, "Trần Văn Lãnh", "pkcs12")
    page = client.get(f"/admin/signing/certificate/{cert.pk}/change/").content.decode()
    assert "Trần Văn Lãnh" in page and "pkcs12_encrypted" not in page and P12_PASSWORD not in page
    assert "Còn hiệu lực" in client.get("/admin/signing/certificate/").content.decode()


def png(mode: str, colour: Any, *, transparency: Any = None) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    image = Image.new(mode, (40, 20), colour)
    if transparency is None:
        image.save(out, format="PNG")
    else:
        image.save(out, format="PNG", transparency=transparency)
    return out.getvalue()


def jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 20), "blue").save(out, format="JPEG")
    return out.getvalue()


def post_import(client: Client, world: World, p12: bytes, image: bytes | None = None) -> Any:
    data: dict[str, Any] = {
        "person": world.leader.pk,
        "pkcs12_file": SimpleUploadedFile("lanh.p12", p12),
        "password": P12_PASSWORD,
        "seal_size_mm": "35",
    }
    if image is not None:
        data["image"] = SimpleUploadedFile("chu-ky.png", image)
    return client.post("/admin/signing/certificate/add/", data)


def test_admin_refuses_a_certificate_not_meant_for_signing(world: World, pki: Pki, trusted: Any) -> None:
    # given a PKCS#12 whose certificate is for encryption only (no digitalSignature / nonRepudiation)
    client = admin_client(world)
    leaf = pki.ca.issue("Trần Văn Mã Hóa", "Tỉnh ủy Sông Lam", for_signing=False)
    # when the administrator imports it
    response = post_import(client, world, pki.ca.pkcs12(leaf, P12_PASSWORD))
    # then the form says why, in Vietnamese, and nothing is stored
    assert response.status_code == 200
    assert "Chứng thư số này không dùng để ký số" in response.content.decode()
    assert not Certificate.objects.exists()


@pytest.mark.parametrize(
    "image",
    [
        pytest.param(jpeg(), id="jpeg"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"not really a png", id="broken-png"),
        pytest.param(png("RGB", "blue"), id="rgb-opaque"),
        pytest.param(png("RGBA", (0, 0, 255, 255)), id="rgba-all-opaque"),
        pytest.param(b"GIF89a", id="gif"),
    ],
)
def test_admin_refuses_an_image_that_is_not_a_transparent_png(
    world: World, pki: Pki, trusted: Any, image: bytes
) -> None:
    client = admin_client(world)
    response = post_import(client, world, pki.ca.pkcs12(pki.person, P12_PASSWORD), image)
    assert response.status_code == 200
    assert "Ảnh chữ ký, con dấu phải là tệp PNG nền trong suốt." in response.content.decode()
    assert not Certificate.objects.exists()


@pytest.mark.parametrize(
    "image",
    [
        pytest.param(png("RGBA", (0, 0, 255, 0)), id="rgba"),
        pytest.param(
            png("RGB", (255, 255, 255), transparency=(255, 255, 255)), id="rgb-with-transparent-colour"
        ),
    ],
)
def test_admin_accepts_a_transparent_png(world: World, pki: Pki, trusted: Any, image: bytes) -> None:
    client = admin_client(world)
    response = post_import(client, world, pki.ca.pkcs12(pki.person, P12_PASSWORD), image)
    assert response.status_code == 302
    assert bytes(Certificate.objects.get().signature_image) == image
