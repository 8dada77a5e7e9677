"""A leader signs, the clerk seals: our validator and poppler's pdfsig both say valid."""

from __future__ import annotations

import pytest

from conftest import World
from signing.models import SignatureEvent
from signing.tests.conftest import Certs
from signing.tests.helpers import signed_and_sealed
from signing.validation import validate_pdf

pytestmark = pytest.mark.django_db


def test_person_and_seal_validate_as_valid(world: World, certs: Certs, ten_pages: bytes) -> None:
    # given a 10-page document signed by the leader and sealed by the clerk
    pdf = signed_and_sealed(world, certs, ten_pages)
    # when we validate it
    report = validate_pdf(pdf)
    # then both signatures are valid, in order, with their roles and signers
    assert report.verdict == "valid", report
    assert [(s.role, s.signer, s.verdict) for s in report.signatures] == [
        ("person", "Trần Văn Lãnh", "valid"),
        ("seal", "Tỉnh ủy Sông Lam", "valid"),
    ]
    assert report.signatures[-1].covers_whole_document
    assert all(s.trusted and s.intact and not s.revoked for s in report.signatures)
    assert SignatureEvent.objects.count() == 2


def test_a_garbled_signature_is_reported_not_crashed(world: World, certs: Certs, ten_pages: bytes) -> None:
    """Garbage in a signature's CMS bytes: a clear Vietnamese refusal, and the stored check ends as invalid
    (never left "đang kiểm tra")."""
    import re

    from core import files
    from signing.models import FileValidation
    from signing.services import file_validate, schedule_validation

    pdf = signed_and_sealed(world, certs, ten_pages)
    # overwrite the first signature's /Contents with other hex digits of the same length
    match = re.search(rb"/Contents <([0-9a-fA-F]+)>", pdf)
    assert match is not None
    start, end = match.span(1)
    garbled = pdf[:start] + b"ab" * ((end - start) // 2) + pdf[end:]
    from core.errors import InvalidInput

    with pytest.raises(InvalidInput) as error:  # pyHanko cannot even list the signatures
        validate_pdf(garbled)
    assert error.value.message == "Tệp PDF bị hỏng, không đọc được."
    stored = files.store(files.validate("hong.pdf", garbled))
    schedule_validation(stored)
    row = file_validate(stored.pk)
    assert row is not None
    row = FileValidation.objects.get(pk=row.pk)
    assert not row.is_pending and row.verdict == "invalid"
