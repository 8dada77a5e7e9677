"""Signing bench: median and p95 time to sign and to validate a 10-page document (20 runs each).

Sign: the person's visible signature with the blue image (PKCS#12 decrypted and loaded each time, as at
signing time). Validate: one signature, offline, hard-fail revocation from a local CRL file (no network).
Targets: sign ≤ 300 ms, validate ≤ 200 ms. Prints the figures and writes bench/results-sign.json.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
RUNS = 20
TARGETS = {"sign": 300.0, "validate": 200.0}


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="bench-sign-"))
    os.environ.setdefault("DEBUG", "1")
    os.environ["DATA_DIR"] = str(tmp)
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from asn1crypto import x509 as ax
    from django.conf import settings

    from conftest import make_pdf
    from signing import appearance, pades, storage
    from signing.keys import signer_from_pkcs12
    from signing.pki import TestPki
    from signing.validation import validate_pdf

    settings.SIGNING_FETCH_REVOCATION = False
    settings.SIGNING_CRL_DIR = tmp / "crl"
    settings.SIGNING_FONT_DIR = tmp / "fonts"
    ca = TestPki.create(root_cn="Bench Root CA", crl_base_url="http://127.0.0.1:9")
    ca.write_crls(tmp / "crl")
    leaf = ca.issue("Trần Văn Lãnh", "Tỉnh ủy Sông Lam")
    stored = storage.encrypt(ca.pkcs12(leaf, "Demo@2026"))
    image = appearance.default_signature_png("Trần Văn Lãnh")
    pdf = make_pdf("Bench", pages=10)
    box = appearance.Box(9, 350.0, 222.0, 490.0, 287.0)
    roots = [ax.Certificate.load(ca.root.der)]

    def sign_once() -> bytes:
        signer = signer_from_pkcs12(storage.decrypt(stored), "Demo@2026")
        return pades.sign_pdf(pdf, signer=signer, field_name="person", box=box, image=image)

    signed = sign_once()  # warm-up (fonts, imports)
    assert validate_pdf(signed, roots=roots, fetch=False).verdict == "valid"
    figures: dict[str, dict[str, float]] = {}
    for name, action in (
        ("sign", sign_once),
        ("validate", lambda: validate_pdf(signed, roots=roots, fetch=False)),
    ):
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            action()
            times.append((time.perf_counter() - start) * 1000)
        figures[name] = {
            "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(p95(times), 1),
            "min_ms": round(min(times), 1),
            "max_ms": round(max(times), 1),
            "runs": RUNS,
            "target_ms": TARGETS[name],
        }
    print(f"{'measurement':<46} {'median':>8} {'p95':>8} {'target':>8}")
    labels = {
        "sign": "sign, visible with image, PKCS#12 (10 pages)",
        "validate": "validate 1 signature, offline CRL (10 pages)",
    }
    for name, f in figures.items():
        verdict = "PASS" if f["p95_ms"] <= f["target_ms"] else "FAIL"
        row = f"{f['median_ms']:>6.1f}ms {f['p95_ms']:>6.1f}ms {f['target_ms']:>6.0f}ms"
        print(f"{labels[name]:<46} {row} {verdict}")
    (HERE / "results-sign.json").write_text(json.dumps(figures, indent=2) + "\n")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
