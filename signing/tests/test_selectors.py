"""Reads shared by the signing flow, the pages and the API: which certificate seals, signature role labels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from conftest import World
from signing import selectors, services
from signing.models import Certificate, FileValidation
from signing.services import sign_bytes
from signing.tests.conftest import P12_PASSWORD, Certs
from signing.validation import validate_pdf

pytestmark = pytest.mark.django_db


def test_the_seal_is_the_valid_active_certificate_and_gives_the_seal_size(world: World, certs: Certs) -> None:
    # given the organisation's seal certificate (35 mm) and one expiring later but not valid yet, 42 mm
    now = timezone.now()
    later = Certificate.objects.get(pk=certs.org.pk)
    later.pk = None
    later.not_before, later.not_after = now + timedelta(days=1), now + timedelta(days=900)
    later.seal_size_mm = Decimal("42")
    later.save()
    # then the seal used — and the size the person's signature reserves for it — is the valid one
    assert selectors.seal_certificate(world.org.pk) == certs.org
    assert services._seal_size_for(world.org.pk) == 35.0
    # and without any usable seal certificate: none, and the default size
    Certificate.objects.filter(pk=certs.org.pk).update(is_active=False)
    assert selectors.seal_certificate(world.org.pk) is None
    assert services._seal_size_for(world.org.pk) == services.DEFAULT_SEAL_MM
    assert selectors.seal_certificate(None) is None


@dataclass
class Stored:
    content_type: str = "application/pdf"


@dataclass
class Attachment:
    stored: Stored


def view(report: dict[str, Any]) -> list[str]:
    now = timezone.now()
    row = FileValidation(verdict=report["verdict"], report=report, requested_at=now, validated_at=now)
    return [s["role"] for s in selectors.file_signature_view(Attachment(Stored()), row)["signatures"]]


def test_role_label_is_the_recorded_role_where_this_system_signed(
    world: World, certs: Certs, ten_pages: bytes
) -> None:
    # given an annex stamped here (a SignatureEvent with role "stamp" records it)
    pdf = sign_bytes(
        actor=world.clerk,
        certificate=certs.org,
        secret=P12_PASSWORD,
        pdf=ten_pages,
        role="stamp",
        stamp_text="12-TB/TU",
    )
    report = validate_pdf(pdf).as_dict()
    assert view(report) == ["Chữ ký số của cơ quan trên phụ lục, bản sao"]
    # when the field's name tells nothing, the recorded role still names it
    report["signatures"][0]["role"] = "unknown"
    assert view(report) == ["Chữ ký số của cơ quan trên phụ lục, bản sao"]
    # and a signature this system did not make (another certificate) is named by its field, or generically
    report["signatures"][0]["certificate"]["serial"] = "abc"
    assert view(report) == ["Chữ ký số"]
    report["signatures"][0]["role"] = "seal"
    assert view(report) == ["Chữ ký số của cơ quan (dấu)"]
