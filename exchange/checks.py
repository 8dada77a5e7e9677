"""System checks (``manage.py check``, run by ``migrate`` and so by ``make run``): the exchange's TLS
files, when configured, load — found at start-up, not at the first package sent. A warning, not an
error: a certificate being renewed must not stop every management command (backups, checks)."""

from __future__ import annotations

from typing import Any

from django.core import checks


def client_certificate(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from exchange import tls

    problem = tls.check()
    return [checks.Warning(problem, id="exchange.W001")] if problem else []
