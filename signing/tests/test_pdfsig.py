"""Independent check: poppler's pdfsig (Debian poppler-utils) with an NSS database made for the test."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import World
from signing.tests.conftest import Certs, Pki
from signing.tests.helpers import nss_db, pdfsig, signed_and_sealed
from signing.validation import validate_pdf

pytestmark = pytest.mark.django_db


def test_pdfsig_agrees_person_and_seal_valid_and_trusted(
    world: World, pki: Pki, certs: Certs, ten_pages: bytes, tmp_path: Path
) -> None:
    # given a document signed by the leader and sealed by the clerk
    pdf = signed_and_sealed(world, certs, ten_pages)
    path = tmp_path / "signed.pdf"
    path.write_bytes(pdf)
    # when our validator and pdfsig check it
    ours = validate_pdf(pdf)
    nss = nss_db(tmp_path, pki)
    theirs = pdfsig(path, nss)
    # then ours says both are valid; pdfsig says both signatures are valid and the person's certificate
    # trusted
    assert [s.verdict for s in ours.signatures] == ["valid", "valid"]
    assert [s["Signer Certificate Common Name"] for s in theirs] == ["Trần Văn Lãnh", "Tỉnh ủy Sông Lam"]
    assert [s["Signature Validation"] for s in theirs] == ["Signature is Valid."] * 2, theirs
    assert theirs[0]["Certificate Validation"] == "Certificate is Trusted.", theirs
    # pdfsig 22.12 (NSS 3.87) quirk: whatever the certificate, the *second* signature of a file gets
    # "Unknown issue with Certificate or corrupted data." (the first and third are trusted; reproduced
    # with the stamp then the seal, both by the organisation's certificate, and with or without CRLs or a
    # trusted intermediate). The seal's certificate itself is trusted by NSS: as the only signature of a
    # file (test below) and through certutil.
    assert theirs[1]["Certificate Validation"] in {
        "Certificate is Trusted.",
        "Unknown issue with Certificate or corrupted data.",
    }, theirs
    (tmp_path / "org.der").write_bytes(pki.org.der)
    subprocess.run(
        ["certutil", "-A", "-d", nss, "-n", "org", "-t", ",,", "-i", str(tmp_path / "org.der")], check=True
    )
    check = subprocess.run(
        ["certutil", "-V", "-d", nss, "-n", "org", "-u", "S"], capture_output=True, text=True, timeout=30
    )
    assert (check.returncode, check.stdout.strip()) == (0, "certutil: certificate is valid")


def test_pdfsig_trusts_the_seal_alone(
    world: World, pki: Pki, certs: Certs, ten_pages: bytes, tmp_path: Path
) -> None:
    # given a document sealed by the clerk (the organisation's certificate, the seal image)
    from signing.appearance import Box
    from signing.services import sign_bytes
    from signing.tests.conftest import P12_PASSWORD, SIGNATURE_BOX

    pdf = sign_bytes(
        actor=world.clerk,
        certificate=certs.org,
        secret=P12_PASSWORD,
        pdf=ten_pages,
        role="seal",
        box=Box(9, *SIGNATURE_BOX),
    )
    path = tmp_path / "sealed.pdf"
    path.write_bytes(pdf)
    # then pdfsig says valid and trusted, as we do
    [theirs] = pdfsig(path, nss_db(tmp_path, pki))
    assert (theirs["Signature Validation"], theirs["Certificate Validation"]) == (
        "Signature is Valid.",
        "Certificate is Trusted.",
    )
    assert validate_pdf(pdf).verdict == "valid"


def test_pdfsig_sees_the_tampering(
    world: World, pki: Pki, certs: Certs, ten_pages: bytes, tmp_path: Path
) -> None:
    pdf = signed_and_sealed(world, certs, ten_pages)
    at = pdf.index(b"/MediaBox") + len(b"/MediaBox [ 0 0 ")
    path = tmp_path / "tampered.pdf"
    path.write_bytes(pdf[:at] + (b"4" if pdf[at : at + 1] != b"4" else b"5") + pdf[at + 1 :])
    theirs = pdfsig(path, nss_db(tmp_path, pki))
    assert theirs[0]["Signature Validation"] == "Digest Mismatch.", theirs
