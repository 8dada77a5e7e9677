"""Listeners of the incoming workflow (the exchange tells a document's sender how it is being handled):
called with each history event, inside the workflow's transaction. Incoming does not import them; they
register themselves in their AppConfig.ready."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Listener = Callable[[Any, str, str], None]  # (document, action, note)
_listeners: list[Listener] = []


def register(listener: Listener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def event(document: Any, action: str, note: str) -> None:
    for listener in _listeners:
        listener(document, action, note)
