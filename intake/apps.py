from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = "Tiếp nhận bản quét"

    def ready(self) -> None:
        from search.text import register_text_source

        # the search index reads a recognised scan's text from its OCR (original or PDF/A), not from
        # the PDF/A's text layer again
        register_text_source(_ocr_text, name="intake.ocr")


def _ocr_text(stored: object) -> str | None:
    from intake.selectors import ocr_text

    return ocr_text(stored.pk)  # type: ignore[attr-defined]
