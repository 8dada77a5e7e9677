"""demo_ca: certificates for the demo signers and organisations, once."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from conftest import World
from signing.models import Certificate, TrustAnchor
from signing.services import sign_bytes
from signing.validation import validate_pdf

pytestmark = pytest.mark.django_db


def run() -> str:
    out = io.StringIO()
    call_command("demo_ca", stdout=out)
    return out.getvalue()


def test_demo_ca_is_idempotent_and_its_certificates_sign(
    world: World, settings: Any, tmp_path: Any, ten_pages: bytes
) -> None:
    settings.DATA_DIR = tmp_path
    # when run the first time: the leader and both organisations that use the system get a certificate
    first = run()
    assert "Mật khẩu khóa ký thử nghiệm: Demo@2026" in first
    people = set(Certificate.objects.filter(person__isnull=False).values_list("person__username", flat=True))
    assert people == {"lanhdao", "vanthu2", "ngoai"}  # the office_leader role holders of World
    orgs = set(
        Certificate.objects.filter(organization__isnull=False).values_list("organization__name", flat=True)
    )
    assert orgs == {"Tỉnh ủy Sông Lam", "Đảng ủy xã Hưng Lộc"}
    assert TrustAnchor.objects.count() == 1
    # when run again: nothing new, nothing printed
    assert run() == ""
    assert (Certificate.objects.count(), TrustAnchor.objects.count()) == (5, 1)
    # and the demo certificates sign documents that validate with the local CRLs
    cert = Certificate.objects.get(person=world.leader)
    pdf = sign_bytes(actor=world.leader, certificate=cert, secret="Demo@2026", pdf=ten_pages, role="person")
    assert validate_pdf(pdf).verdict == "valid"
    # the demo signers with an e-mail address can sign remotely at once (codes e-mailed)
    assert cert.remote_enabled and world.leader.email
