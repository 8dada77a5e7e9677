"""Extraction accuracy over a folder of scans with their JSON truth (the format of the shared samples)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from intake import ocr
from intake.extract import Extraction, Sources
from intake.zones import extract_checked

SCAN_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff")
# extraction field -> truth key (fields missing from a truth file are not counted)
COMPARED = {
    "number_symbol": "number_symbol",
    "issued_date": "issued_date",
    "issuer_name": "issuer",
    "doc_type": "doc_type_code",
    "subject": "subject",
    "place": "place",
    "signer_name": "signer",
    "signer_position": "signer_position",
    "urgency": "urgency",
    "secrecy": "secrecy",
}
TARGETS = {"number_symbol": 0.95, "issued_date": 0.95, "issuer_name": 0.95, "doc_type": 0.95, "subject": 0.90}


def normalise(value: Any) -> str:
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return re.sub(r"\s+", " ", str(value or "")).strip()


@dataclass
class Report:
    counted: dict[str, int] = field(default_factory=dict)
    correct: dict[str, int] = field(default_factory=dict)
    misses: list[tuple[str, str, str, str]] = field(default_factory=list)
    files: int = 0

    def rate(self, name: str) -> float:
        return self.correct.get(name, 0) / self.counted[name] if self.counted.get(name) else 0.0


def scans(folder: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in sorted(folder.iterdir()):
        truth = path.with_suffix(".json")
        if path.suffix.lower() in SCAN_SUFFIXES and truth.exists():
            yield path, json.loads(truth.read_text(encoding="utf-8"))


def read(path: Path) -> Extraction:
    data = path.read_bytes()
    pdf = data if path.suffix.lower() == ".pdf" else ocr.image_to_pdf(data)
    pages, zones = ocr.read_scan(pdf)
    text = "\f".join([*pages[:2], pages[-1]] if len(pages) > 2 else pages)
    return extract_checked(pdf, Sources(text, zones.left, zones.right))


def measure(folder: Path, *, on_file: Callable[[str], None] | None = None) -> Report:
    report = Report()
    for path, truth in scans(folder):
        extraction = read(path)
        report.files += 1
        for name, key in COMPARED.items():
            if key not in truth:
                continue
            report.counted[name] = report.counted.get(name, 0) + 1
            got, want = normalise(extraction.value(name)), normalise(truth[key])
            if got == want:
                report.correct[name] = report.correct.get(name, 0) + 1
            else:
                report.misses.append((path.name, name, got, want))
        if on_file:
            on_file(path.name)
    return report
