from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = "Hồ sơ và lưu trữ"

    def ready(self) -> None:
        from archive.selectors import record_get_for_user
        from documents.selectors import register_kind

        register_kind("archive", record_get_for_user)

        from archive.search_provider import ArchiveProvider
        from search import registry

        registry.register("archive", ArchiveProvider())

        from archive.selectors import dossier_search_label, dossier_search_members

        registry.register_group("dossier", dossier_search_members, dossier_search_label)
