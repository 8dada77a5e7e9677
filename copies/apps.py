from django.apps import AppConfig


class CopiesConfig(AppConfig):
    name = "copies"
    verbose_name = "Bản sao văn bản"

    def ready(self) -> None:
        from copies.selectors import copy_get_for_user
        from documents.selectors import register_kind

        register_kind("copy", copy_get_for_user)
