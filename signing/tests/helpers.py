"""Signing test helpers: a document signed and sealed, and poppler's pdfsig with an NSS database."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django_otp.oath import TOTP

from conftest import World
from signing.appearance import Box
from signing.services import sign_bytes
from signing.tests.conftest import P12_PASSWORD, SIGNATURE_BOX, Certs, Pki


def signed_and_sealed(world: World, certs: Certs, pdf: bytes) -> bytes:
    box = Box(9, *SIGNATURE_BOX)
    signed = sign_bytes(
        actor=world.leader, certificate=certs.person, secret=P12_PASSWORD, pdf=pdf, role="person", box=box
    )
    return sign_bytes(
        actor=world.clerk, certificate=certs.org, secret=P12_PASSWORD, pdf=signed, role="seal", box=box
    )


def need(tool: str) -> None:
    if shutil.which(tool) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is missing in CI (scripts/system-deps.sh test installs it)")
        pytest.skip(f"{tool} not installed (apt-get install poppler-utils libnss3-tools)")


def nss_db(tmp: Path, pki: Pki) -> str:
    """Our root trusted, the intermediate known, both CRLs imported (NSS fetches no CRL by itself)."""
    need("certutil")
    need("crlutil")
    db = tmp / "nssdb"
    db.mkdir()
    spec = f"sql:{db}"
    (tmp / "root.der").write_bytes(pki.ca.root.der)
    (tmp / "int.der").write_bytes(pki.ca.intermediate.der)
    (tmp / "int.crl").write_bytes(pki.ca.intermediate_crl())
    (tmp / "root.crl").write_bytes(pki.ca.root_crl())
    for cmd in (
        ["certutil", "-N", "-d", spec, "--empty-password"],
        ["certutil", "-A", "-d", spec, "-n", "Test Root", "-t", "CT,C,C", "-i", str(tmp / "root.der")],
        ["certutil", "-A", "-d", spec, "-n", "Test Intermediate", "-t", ",,", "-i", str(tmp / "int.der")],
        ["crlutil", "-I", "-d", spec, "-i", str(tmp / "root.crl")],
        ["crlutil", "-I", "-d", spec, "-i", str(tmp / "int.crl")],
    ):
        subprocess.run(cmd, check=True, capture_output=True, timeout=30)
    return spec


def pdfsig(path: Path, nss: str) -> list[dict[str, str]]:
    """pdfsig always exits 0: parse its text into one dict per signature."""
    need("pdfsig")
    out = subprocess.run(
        ["pdfsig", "-nssdir", nss, "-no-ocsp", str(path)], capture_output=True, text=True, timeout=60
    ).stdout
    sigs: list[dict[str, str]] = []
    for line in out.splitlines():
        if re.match(r"^Signature #\d+:", line):
            sigs.append({})
        elif sigs and ":" in line:
            key, _, value = line.strip().lstrip("- ").partition(":")
            sigs[-1][key.strip()] = value.strip()
    return sigs


def app_code(device: Any, offset: int = 0) -> str:
    """What the authenticator app on the phone shows (``offset`` steps of 30 s later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset * device.step
    return f"{totp.token():0{device.digits}d}"


def artifact_dir(name: str) -> Path:
    folder = Path(settings.DATA_DIR) / "test-artifacts" / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
