"""Exchange bench, codec stage: the cost of one edXML package with a 1 MB attachment at each end — build +
sign (sender) and verify + parse (receiver) — and what that allows per core. Issue 6's target is ≥ 50
documents/s through the hub with 1 MB attachments; the transport stage (three installations on loopback)
is added with the dispatcher.

    .venv/bin/python bench/exchange.py [--runs 30] [--size-mb 1]

Prints medians and p95 in ms and writes bench/results-exchange.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--size-mb", type=float, default=1.0)
    args = parser.parse_args()
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from dataclasses import replace

    from exchange.edxml import build, parse, sign
    from exchange.edxml.model import Attachment
    from exchange.testing.samples import package
    from signing.pki import TestPki

    pki = TestPki.create(root_cn="bench Exchange Root CA")
    sender = pki.issue("Văn phòng Tỉnh ủy", "Tỉnh ủy")
    payload = os.urandom(int(args.size_mb * 1024 * 1024))
    p = replace(package(), attachments=(Attachment("a1", "van-ban.pdf", "application/pdf", payload),))
    times: dict[str, list[float]] = {"build": [], "sign": [], "verify": [], "parse": []}
    size = 0
    for index in range(args.runs + 2):
        t0 = time.perf_counter()
        root = build.package(p)
        t1 = time.perf_counter()
        data = sign.sign(root, sender.key, [sender.cert])
        t2 = time.perf_counter()
        verified = sign.verify(data, [sender.cert])
        t3 = time.perf_counter()
        back = parse.parse_package(verified.root)
        t4 = time.perf_counter()
        assert back.attachments[0].data == payload
        size = len(data)
        if index >= 2:  # warm-up
            for key, value in zip(times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
                times[key].append(value * 1000)
    med = {key: statistics.median(values) for key, values in times.items()}
    p95 = {key: sorted(values)[int(0.95 * (len(values) - 1))] for key, values in times.items()}
    sender_ms, receiver_ms = med["build"] + med["sign"], med["verify"] + med["parse"]
    result = {
        "attachment_mb": args.size_mb,
        "package_bytes": size,
        "runs": args.runs,
        "median_ms": {k: round(v, 1) for k, v in med.items()},
        "p95_ms": {k: round(v, 1) for k, v in p95.items()},
        "sender_ms": round(sender_ms, 1),
        "receiver_ms": round(receiver_ms, 1),
        "packages_per_s_per_core_sender": round(1000 / sender_ms, 1),
        "packages_per_s_per_core_receiver": round(1000 / receiver_ms, 1),
        "load_average": round(os.getloadavg()[0], 2),
    }
    print(f"package with a {args.size_mb:g} MB attachment: {size / 1e6:.2f} MB of XML")
    for key in times:
        print(f"  {key:7} median {med[key]:6.1f} ms  p95 {p95[key]:6.1f} ms")
    print(f"sender (build + sign) {sender_ms:.1f} ms → {1000 / sender_ms:.0f} packages/s per core")
    print(f"receiver (verify + parse) {receiver_ms:.1f} ms → {1000 / receiver_ms:.0f} packages/s per core")
    print(f"load average {result['load_average']}")
    (HERE / "results-exchange.json").write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
