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


# incoming history action → the status the sender is told (once each; regulations §4.3)
STATUS_OF_ACTION = {
    "assign": "04",
    "forward": "05",
    "note": "05",
    "acknowledge": "05",
    "complete": "06",
}


def on_incoming_event(document: Any, action: str, note: str) -> None:
    code = STATUS_OF_ACTION.get(action)
    if code is None or document.channel != "exchange":
        return
    from exchange.edxml.codes import StatusCode
    from exchange.services import status_for_incoming

    # what the receiving office writes inside (the leader's instruction, a specialist's note) stays
    # there: the sender is told the stage, and at the end the number of the reply
    description = ""
    if code == "06" and document.reply_number_symbol:
        description = f"Hoàn thành, trả lời bằng văn bản số {document.reply_number_symbol}"
    status_for_incoming(document.pk, StatusCode(code), description)
