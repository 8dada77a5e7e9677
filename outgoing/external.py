"""Delivery to organisations of other installations, plugged in by the app that does it (``exchange``
registers itself in its AppConfig.ready): outgoing does not import it, and without it external recipients
are only labelled "chờ gửi qua trục liên thông"."""

from __future__ import annotations

from typing import Any, Protocol


class ExternalDelivery(Protocol):
    def check(self, doc: Any) -> None:
        """Refuse the issuance (before the number is kept) when the document cannot go out this way."""

    def queue(self, doc: Any) -> None:
        """In the issuing transaction: what must leave once the issued file exists."""

    def files_ready(self, doc: Any) -> None:
        """In the finalize transaction: the issued file exists."""

    def recall(self, doc: Any, reason: str) -> None:
        """In the recall transaction."""


_hooks: list[ExternalDelivery] = []


def register(hook: ExternalDelivery) -> None:
    if hook not in _hooks:
        _hooks.append(hook)


def check(doc: Any) -> None:
    for hook in _hooks:
        hook.check(doc)


def queue(doc: Any) -> None:
    for hook in _hooks:
        hook.queue(doc)


def files_ready(doc: Any) -> None:
    for hook in _hooks:
        hook.files_ready(doc)


def recall(doc: Any, reason: str) -> None:
    for hook in _hooks:
        hook.recall(doc, reason)
