"""The shared transition check of the explicit state machines (each app keeps its own table)."""

from __future__ import annotations

from django.db import models

from core.errors import WrongState

Table = dict[str, tuple[tuple[str, ...], str | None]]


def check(table: Table, statuses: type[models.TextChoices], action: str, current: str) -> str:
    """The status after ``action`` (``None`` in the table keeps the current one), or WrongState."""
    allowed, target = table[action]
    if current not in allowed:
        raise WrongState(
            f"Không thể thực hiện thao tác này khi văn bản đang ở trạng thái “{statuses(current).label}”.",
            details={"status": current, "action": action},
        )
    return target or current
