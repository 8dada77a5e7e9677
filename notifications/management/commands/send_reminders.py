from django.core.management.base import BaseCommand

from notifications.reminders import send_reminders


class Command(BaseCommand):
    help = (
        "Gửi nhắc hạn xử lý văn bản đến (sắp đến hạn, quá hạn) và nhắc hạn góp ý dự thảo; "
        "chạy hằng ngày, an toàn khi chạy lại."
    )

    def handle(self, *args: object, **options: object) -> None:
        sent = send_reminders()
        self.stdout.write(
            f"Đã nhắc: {sent['near_due']} sắp đến hạn, {sent['overdue']} quá hạn, "
            f"{sent['review']} sắp hết hạn góp ý."
        )
