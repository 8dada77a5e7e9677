"""``manage.py demo_logins``: the address and the demo accounts, in a box (works on an empty database)."""

from __future__ import annotations

import os
import unicodedata
from typing import Any

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from demo.orgdata import DEMO_LOGINS, DEMO_PASSWORD
from orgs.models import User


def _width(text: str) -> int:
    """Display width in a terminal (combining marks take no cell)."""
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in unicodedata.normalize("NFC", text)
    )


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _seeded() -> bool | None:
    """True when the demo accounts exist, False when not, None when the database cannot be read."""
    try:
        return User.objects.filter(username__in=[u for u, _, _ in DEMO_LOGINS]).exists()
    except DatabaseError:
        return None


def render_box(url: str, seeded: bool | None) -> str:
    rows = [(username, role, hint) for username, role, hint in DEMO_LOGINS]
    col1 = max(_width("Tài khoản"), *(_width(r[0]) for r in rows))
    col2 = max(_width("Vai trò"), *(_width(r[1]) for r in rows))
    col3 = max(_width("Thử ngay"), *(_width(r[2]) for r in rows))
    inner = col1 + col2 + col3 + 6
    lines = [
        "HỆ THÔNG TIN ĐIỀU HÀNH TÁC NGHIỆP — TÀI KHOẢN DÙNG THỬ (TỈNH ỦY SÔNG LAM)",
        "",
        f"Địa chỉ:   {url}",
        f"Mật khẩu:  {DEMO_PASSWORD}  (chung cho mọi tài khoản dùng thử)",
    ]
    if seeded:
        note = "Các cán bộ khác trong dữ liệu mẫu cũng dùng mật khẩu trên."
    elif seeded is False:
        note = "Chưa có dữ liệu mẫu: chạy “python manage.py seed_demo” để tạo các tài khoản này."
    else:
        note = "Chưa đọc được cơ sở dữ liệu: chạy “python manage.py migrate” rồi “seed_demo”."
    inner = max(inner, _width(note), *(_width(line) for line in lines))
    top = "╔" + "═" * (inner + 2) + "╗"
    sep = "╟" + "─" * (inner + 2) + "╢"
    bottom = "╚" + "═" * (inner + 2) + "╝"
    out = [top, *(f"║ {_pad(line, inner)} ║" for line in lines), sep]
    header = f"{_pad('Tài khoản', col1)}   {_pad('Vai trò', col2)}   {_pad('Thử ngay', col3)}"
    out.append(f"║ {_pad(header, inner)} ║")
    out.append(sep)
    for username, role, hint in rows:
        row = f"{_pad(username, col1)}   {_pad(role, col2)}   {_pad(hint, col3)}"
        out.append(f"║ {_pad(row, inner)} ║")
    out.append(sep)
    out.append(f"║ {_pad(note, inner)} ║")
    out.append(bottom)
    return "\n".join(out)


class Command(BaseCommand):
    help = "In địa chỉ truy cập và các tài khoản dùng thử (mật khẩu chung)."

    def handle(self, *args: Any, **options: Any) -> None:
        port = os.environ.get("PORT", "8000").strip() or "8000"
        self.stdout.write(render_box(f"http://127.0.0.1:{port}", _seeded()))
