from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = "Liên thông văn bản"

    def ready(self) -> None:
        from django.core import checks

        from exchange.checks import client_certificate
        from exchange.hooks import ExchangeDelivery, on_incoming_event
        from incoming import hooks as incoming_hooks
        from outgoing import external

        external.register(ExchangeDelivery())
        incoming_hooks.register(on_incoming_event)
        post_migrate.connect(_keep_directory_triggers, sender=self)
        checks.register(client_certificate)


def _keep_directory_triggers(using: str = "default", **kwargs: Any) -> None:
    """After every migrate: the directory's change triggers are there (on SQLite a later migration that
    rebuilds one of the watched tables drops the triggers with the old table)."""
    from django.db import connections

    from exchange import directory_version

    directory_version.create(connections[using])
