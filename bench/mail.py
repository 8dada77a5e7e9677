"""Intake mailbox bench: how fast one pass takes in messages from a real IMAP server (Dovecot on loopback).

MESSAGES messages, each with two generated one-page scans (a PDF and a PNG, ~100–200 kB each, distinct
bytes per message), are delivered, then one ``intake.mailbox.poll_once`` pass over IMAPS takes them in
(fetch, parse, store the originals, one job + key + audit row + task row per scan, move). Then the same
messages are delivered again and a second pass finds them all taken (the duplicate check and the move
only). The OCR is not included (it runs in the workers: bench/ocr.py). SQLite in a temporary folder.
Prints the figures and writes bench/results-mail.json.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
MESSAGES = int(os.environ.get("BENCH_MAIL_MESSAGES", "50"))


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    os.environ.setdefault("DEBUG", "1")
    os.environ["DATA_DIR"] = str(tmp)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from email.message import EmailMessage
    from email.utils import make_msgid

    from django.core.management import call_command

    from intake.mailbox import MailConfig, poll_once
    from intake.models import IntakeJob
    from intake.testing.imap import PASSWORD, dovecot_binary, run_dovecot
    from intake.testing.scans import make_scan
    from intake.tests.helpers import party_doc
    from orgs.models import Organization

    binary = dovecot_binary()
    if binary is None:
        print("dovecot is not installed (apt-get install dovecot-imapd)")
        return 1
    call_command("migrate", verbosity=0)
    organization = Organization.objects.create(
        name="Tỉnh ủy Sông Lam", abbreviation="TU", kind="provincial_committee", identifier="000.00.00.H99"
    )
    messages = []
    for index in range(MESSAGES):
        message = EmailMessage()
        message["From"] = "Văn phòng Huyện ủy <vanphong@huyenuy.example.vn>"
        message["Subject"] = f"Bản quét số {index}"
        message["Message-ID"] = make_msgid(domain="huyenuy.example.vn")
        message.set_content("Xin gửi bản quét.")
        for fmt, subtype, maintype in (("pdf", "pdf", "application"), ("png", "png", "image")):
            data = make_scan(party_doc(), fmt=fmt, dpi=150, seed=index)
            message.add_attachment(data, maintype=maintype, subtype=subtype, filename=f"scan-{index}.{fmt}")
        messages.append(message)
    size = sum(len(bytes(message)) for message in messages)
    with run_dovecot(binary) as server:
        config = MailConfig(
            host=server.host,
            port=server.tls_port,
            user="tiepnhan",
            password=PASSWORD,
            security="ssl",
            ca_file=str(server.ca_file),
        )
        for message in messages:
            server.deliver("tiepnhan", message)
        started = time.perf_counter()
        first = poll_once(config, organization)
        first_seconds = time.perf_counter() - started
        for message in messages:
            server.deliver("tiepnhan", message)
        started = time.perf_counter()
        second = poll_once(config, organization)
        second_seconds = time.perf_counter() - started
    assert len(first.jobs) == 2 * MESSAGES and second.duplicates == 2 * MESSAGES, (first, second)
    assert IntakeJob.objects.count() == 2 * MESSAGES
    result = {
        "messages": MESSAGES,
        "scans": 2 * MESSAGES,
        "mail_megabytes": round(size / 1e6, 1),
        "first_pass_s": round(first_seconds, 2),
        "first_pass_messages_per_s": round(MESSAGES / first_seconds, 1),
        "first_pass_ms_per_scan": round(1000 * first_seconds / (2 * MESSAGES), 1),
        "second_pass_s": round(second_seconds, 2),
        "second_pass_messages_per_s": round(MESSAGES / second_seconds, 1),
        "database": "sqlite",
        "load_average": os.getloadavg()[0],
    }
    print(
        f"{MESSAGES} messages, {2 * MESSAGES} scans, {result['mail_megabytes']} MB: "
        f"first pass {result['first_pass_s']} s ({result['first_pass_messages_per_s']} messages/s, "
        f"{result['first_pass_ms_per_scan']} ms per scan); "
        f"all already taken: {result['second_pass_s']} s ({result['second_pass_messages_per_s']} messages/s) "
        f"(load average {result['load_average']:.1f})"
    )
    (HERE / "results-mail.json").write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
