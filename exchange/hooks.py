"""Exchange plugged into outgoing (``outgoing.external``) and incoming workflows."""

from __future__ import annotations

from typing import Any


class ExchangeDelivery:
    def check(self, doc: Any) -> None:
        from exchange.services import check_sendable

        check_sendable(doc)

    def queue(self, doc: Any) -> None:
        from exchange.services import queue_issue

        queue_issue(doc)

    def files_ready(self, doc: Any) -> None:
        from exchange.services import files_ready

        files_ready(doc)

    def recall(self, doc: Any, reason: str) -> None:
        from exchange.services import recall

        recall(doc, reason=reason)
