from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = "Liên thông văn bản"

    def ready(self) -> None:
        from exchange.hooks import ExchangeDelivery, on_incoming_event
        from incoming import hooks as incoming_hooks
        from outgoing import external

        external.register(ExchangeDelivery())
        incoming_hooks.register(on_incoming_event)
