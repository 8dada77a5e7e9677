"""manage.py search_rebuild — index every document again (bounded memory, resumable)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from search import registry
from search.rebuild import clear, rebuild


class Command(BaseCommand):
    help = (
        "Dựng lại chỉ mục tìm kiếm theo lô; bị ngắt thì chạy lại để tiếp tục từ lô cuối đã ghi "
        "(--restart để bắt đầu lại từ đầu)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", action="append", help="chỉ loại này (incoming, outgoing, …)")
        parser.add_argument("--batch", type=int, default=500)
        parser.add_argument("--restart", action="store_true", help="bỏ điểm dừng, làm lại từ đầu")
        parser.add_argument("--clear", action="store_true", help="xóa toàn bộ chỉ mục trước khi dựng")
        parser.add_argument("--reread-files", action="store_true", help="đọc lại nội dung mọi tệp")
        parser.add_argument("--max-batches", type=int, default=None, help="dừng sau chừng ấy lô")
        indexes = parser.add_mutually_exclusive_group()
        indexes.add_argument(
            "--drop-indexes",
            action="store_true",
            help="PostgreSQL: bỏ chỉ mục GIN khi bắt đầu, dựng lại một lần khi xong (mặc định: theo cỡ)",
        )
        indexes.add_argument("--keep-indexes", action="store_true", help="giữ chỉ mục GIN trong khi dựng")

    def handle(self, *args: Any, **options: Any) -> None:
        kinds = options["kind"]
        unknown = set(kinds or []) - set(registry.kinds())
        if unknown:
            raise CommandError(
                f"Loại không có: {', '.join(sorted(unknown))} (có: {', '.join(registry.kinds())})"
            )
        if options["batch"] < 1:
            raise CommandError("--batch phải lớn hơn 0")
        if options["clear"]:
            clear()
            self.stdout.write("Đã xóa chỉ mục.")
        finished = rebuild(
            kinds=kinds,
            batch=options["batch"],
            restart=options["restart"],
            reread_files=options["reread_files"],
            max_batches=options["max_batches"],
            drop_indexes=True if options["drop_indexes"] else False if options["keep_indexes"] else None,
            report=lambda line: self.stdout.write(line),
        )
        self.stdout.write("Hoàn tất." if finished else "Chưa xong: chạy lại lệnh để tiếp tục.")
