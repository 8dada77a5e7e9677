"""SoftHSM2 tokens for the tests: a real PKCS#11 token in tmp holding one key and its certificate."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from signing.pki import Issued

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
PIN = "123456"


def init_token(tmp_path: Path, monkeypatch: Any, leaf: Issued, key_label: str) -> str:
    """A fresh token (its label returned) with ``leaf``'s key and certificate under ``key_label``."""
    if shutil.which("softhsm2-util") is None or not Path(SOFTHSM_MODULE).exists():
        if os.environ.get("CI"):
            pytest.fail("softhsm2 is missing in CI (scripts/system-deps.sh test installs it)")
        pytest.skip("softhsm2 not installed (apt-get install softhsm2)")
    tokens = tmp_path / "tokens"
    tokens.mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))  # read by the library when a session opens
    label = f"dieuhanh-{tmp_path.name[-20:]}"
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin", "87654321", "--pin", PIN],
        check=True,
        capture_output=True,
        timeout=30,
    )
    key_file = tmp_path / "key.pem"
    key_file.write_bytes(leaf.key_pem)
    subprocess.run(
        [
            *("softhsm2-util", "--import", str(key_file), "--token", label),
            *("--label", key_label, "--id", "01", "--pin", PIN),
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    key_file.unlink()
    import pkcs11

    lib = pkcs11.lib(SOFTHSM_MODULE)
    # the library reads SOFTHSM2_CONF when it initialises: an earlier test's token directory would hide
    # this one, so it starts again (no session is open between tests)
    lib.reinitialize()
    with lib.get_token(token_label=label).open(rw=True, user_pin=PIN) as session:
        session.create_object(
            {
                pkcs11.Attribute.CLASS: pkcs11.ObjectClass.CERTIFICATE,
                pkcs11.Attribute.CERTIFICATE_TYPE: pkcs11.CertificateType.X_509,
                pkcs11.Attribute.TOKEN: True,
                pkcs11.Attribute.LABEL: key_label,
                pkcs11.Attribute.ID: b"\x01",
                pkcs11.Attribute.VALUE: leaf.der,
                pkcs11.Attribute.SUBJECT: leaf.cert.subject.public_bytes(),
                pkcs11.Attribute.ISSUER: leaf.cert.issuer.public_bytes(),
            }
        )
    return label
