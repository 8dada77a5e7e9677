from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = "Liên thông văn bản"

    def ready(self) -> None:
        from exchange.hooks import ExchangeDelivery
        from outgoing import external

        external.register(ExchangeDelivery())
