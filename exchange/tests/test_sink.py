"""The stand-in receiver of the bench's "through the hub" stage (exchange/testing/sink.py): it takes what
a hub sends as a receiving installation's endpoint would answer it, and counts what it got."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from exchange.testing.network import Network, post_message


def test_the_stand_in_receiver_answers_receipts_and_counts_messages_once(tmp_path: Path) -> None:
    net = Network(base=tmp_path, elsewhere=True)
    net._start_sink()
    try:
        body = b'<?xml version="1.0"?><edXML><edXMLEnvelope><edXMLHeader><TraceHeaderList id="m-1"/>'
        body += b"</edXMLHeader></edXMLEnvelope></edXML>"
        request = urllib.request.Request(
            f"{net.sink_url}/exchange/v1/messages",
            data=body,
            method="POST",
            headers={"Content-Type": "application/xml", "X-Edxml-Message-Id": "outbox-7"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
            # the receipt names the id the sender put in its request, as the dispatcher checks
            assert response.read() == b'{"message_id": "outbox-7", "receipt": "stored"}'
        assert post_message(net.sink_url, body)[0] == 200  # the same message again
        status, answer = post_message(net.sink_url, b"not a message")
        assert status == 400 and "edXML" in answer["message"]
        count = net.sink_count()
        assert (count["messages"], count["distinct"], count["bytes"]) == (2, 1, 2 * len(body))
    finally:
        net.stop()
