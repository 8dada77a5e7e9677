"""The figures table printed at the end of a run (plain text) and its Markdown twin for the README."""

from __future__ import annotations

from typing import Any

TARGETS_MS = {
    "queue": 100.0,
    "overdue": 200.0,
    "lookup_api": 100.0,
    "lookup_page": 100.0,
    "awaiting_api": 100.0,
    "outgoing_page": 100.0,
}
LABELS = {
    "queue": "Specialist's queue      GET /",
    "overdue": "Overdue board           GET /qua-han/",
    "lookup_api": "Symbol lookup (API)     GET /api/v1/incoming?number_symbol=",
    "lookup_page": "Symbol lookup (page)    GET /van-ban-den/?number_symbol=",
    "awaiting_api": "Approval queue (API)    GET /api/v1/outgoing?awaiting=true",
    "outgoing_page": "Approval queue (page)   GET /van-ban-di/",
}


def verdict(endpoint: str, figures: dict[str, Any]) -> str:
    target = TARGETS_MS.get(endpoint)
    if target is None:
        return ""
    return "PASS" if figures["p95_ms"] <= target else "FAIL"


def _rows(results: dict[str, Any]) -> list[list[str]]:
    rows = []
    for db, data in results["databases"].items():
        for key, label in LABELS.items():
            fig = data.get("endpoints", {}).get(key)
            if not fig:
                continue
            small = fig.get("queries_small")
            rows.append(
                [
                    db,
                    label,
                    f"{fig['p50_ms']:.1f}",
                    f"{fig['p95_ms']:.1f}",
                    f"{fig['p99_ms']:.1f}",
                    f"≤{TARGETS_MS[key]:.0f}",
                    f"{small if small is not None else '–'} / {fig['queries']}",
                    verdict(key, fig),
                ]
            )
        reg = data.get("registration", {}).get("sequential")
        if reg:
            rows.append(
                [
                    db,
                    f"Registration (API)      POST /api/v1/incoming ×{reg['count']}",
                    f"{reg['p50_ms']:.1f}",
                    f"{reg['p95_ms']:.1f}",
                    f"{reg['p99_ms']:.1f}",
                    "–",
                    f"{reg['queries']}",
                    f"{reg['per_second']:.1f}/s",
                ]
            )
        conc = data.get("registration", {}).get("concurrent")
        if conc:
            rows.append(
                [
                    db,
                    f"Registration, {conc['processes']} processes POST /api/v1/incoming ×{conc['count']}",
                    f"{conc['p50_ms']:.1f}",
                    f"{conc['p95_ms']:.1f}",
                    f"{conc['p99_ms']:.1f}",
                    "–",
                    "",
                    f"{conc['per_second']:.1f}/s" + (f" ({conc['errors']} errors)" if conc["errors"] else ""),
                ]
            )
    return rows


HEADER = ["database", "measurement", "p50 ms", "p95 ms", "p99 ms", "p95 target", "queries 1k/100k", "result"]


def text_table(results: dict[str, Any]) -> str:
    rows = [HEADER, *_rows(results)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    lines = []
    for n, row in enumerate(rows):
        cells = [
            c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(results: dict[str, Any]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in _rows(results):
        row = [row[0], " ".join(row[1].split()), *row[2:]]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |")
    return "\n".join(lines)


def misses(results: dict[str, Any]) -> list[str]:
    found = []
    for db, data in results["databases"].items():
        for key, fig in data.get("endpoints", {}).items():
            if verdict(key, fig) == "FAIL":
                name = LABELS[key].split("  ")[0]
                found.append(f"{db}: {name} p95 {fig['p95_ms']:.1f} ms > {TARGETS_MS[key]:.0f} ms")
    return found


BUSY_CPUS = 0.75  # other processes' average CPU use (database server included) that makes a figure suspect


def busy(results: dict[str, Any]) -> list[str]:
    """Measurements during which other processes used a good part of the machine."""
    return [
        f"{db} {key} ({fig['other_cpus']:.2f} CPU)"
        for db, data in results["databases"].items()
        for key, fig in data.get("endpoints", {}).items()
        if (fig.get("other_cpus") or 0) >= BUSY_CPUS
    ]
