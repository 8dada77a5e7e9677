"""Entry point of the demo seed: organizations and people, then one year of incoming documents."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db import transaction

from demo.documents import Stats, seed_documents
from demo.orgdata import Created, create_directory
from demo.outgoing import seed_outgoing
from demo.pdf import register_fonts
from demo.plan import DEFAULT_SEED, Plan, build_plan
from orgs.models import Organization


@dataclass
class SeedResult:
    created: Created
    plan: Plan
    stats: Stats
    seconds: float
    drafts: int = 0


def database_is_empty() -> bool:
    return not Organization.objects.exists()


def seed(
    *,
    today: date,
    count: int,
    seed: int = DEFAULT_SEED,
    workers: int = 1,
    progress: Callable[[str], None] = print,
) -> SeedResult:
    """Write the whole demo into an empty database."""
    started = time.monotonic()
    register_fonts()  # fail early, before anything is written, when no Vietnamese font is installed
    progress("Lập kế hoạch dữ liệu mẫu…")
    plan = build_plan(seed, today, count)
    progress("Tạo cơ quan, đơn vị, chức vụ, cán bộ, sổ đăng ký, ngày nghỉ lễ và ủy quyền…")
    with transaction.atomic():
        created = create_directory(plan.directory, today)
    progress(f"Vào sổ và xử lý {count} văn bản đến qua các nghiệp vụ của hệ thống…")
    stats = seed_documents(plan, created, workers=workers if count >= 200 else 0, progress=progress)
    progress("Soạn một số dự thảo văn bản đi theo mẫu (bản PDF do tiến trình nền tạo sau)…")
    with transaction.atomic():
        drafts = len(seed_outgoing(created))
    return SeedResult(created, plan, stats, time.monotonic() - started, drafts)
