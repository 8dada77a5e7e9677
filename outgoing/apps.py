from django.apps import AppConfig


class OutgoingConfig(AppConfig):
    name = "outgoing"
    verbose_name = "Văn bản đi"

    def ready(self) -> None:
        from documents.selectors import register_kind
        from outgoing.selectors import outgoing_get_for_user

        register_kind("outgoing", outgoing_get_for_user)

        from outgoing.search_provider import OutgoingProvider
        from search import registry

        registry.register("outgoing", OutgoingProvider())
