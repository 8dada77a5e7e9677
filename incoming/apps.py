from django.apps import AppConfig


class IncomingConfig(AppConfig):
    name = "incoming"
    verbose_name = "Văn bản đến"

    def ready(self) -> None:
        from documents.selectors import register_kind
        from incoming.selectors import incoming_get_for_user

        register_kind("incoming", incoming_get_for_user)

        from incoming.search_provider import IncomingProvider
        from search import registry

        registry.register("incoming", IncomingProvider())
