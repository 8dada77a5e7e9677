"""System checks (``manage.py check``, run by ``migrate`` and so by ``make run``): the exchange's TLS
client certificate, when configured, loads — found at start-up, not at the first package sent."""

from __future__ import annotations

from typing import Any

from django.core import checks


def client_certificate(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from exchange import tls

    problem = tls.check()
    return [checks.Error(problem, id="exchange.E001")] if problem else []
