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
