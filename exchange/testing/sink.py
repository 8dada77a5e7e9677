"""A receiver standing in for installations on other machines, for the exchange bench's "through the hub"
stage (bench/exchange.py ``--stage through``).

What it stands for: the communes a provincial hub relays to, each on a machine of its own. On this bench's
2-core machine a real receiving installation (which verifies, stores and answers 01 for every package, at
~30 ms of CPU each) would take the cores the hub is being measured on, so the hub's own rate in *and* out
could not be seen. This receiver does what the network and the hub see of a receiver — it reads each
message whole over HTTP (keep-alive or not), answers with a receipt of it (``{"message_id", "receipt":
"stored"}``, as ``exchange/v1/messages`` does), and keeps count — and nothing of what a receiver does
with it (no signature check, no storage, no 01 back). It is a stand-in, not a receiving installation: the
bench measures real receivers in its other stages.

    python -m exchange.testing.sink --port 8123 [--certfile C --keyfile K --ca CA]  (mutual TLS)

``GET /count`` answers ``{"messages", "distinct", "bytes", "first_at", "last_at"}`` (times on the
monotonic clock of this machine, shared by the processes on it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import ssl
import time
from typing import Any

# the message's own id (TraceHeaderList/@id), kept as it was signed when a hub relays it
_TRACE_ID = re.compile(rb"<(?:\w+:)?TraceHeaderList\b[^>]*?\bid=\"([^\"]+)\"")


class Counts:
    def __init__(self) -> None:
        self.messages = 0
        self.bytes = 0
        self.ids: set[bytes] = set()
        self.first_at: float | None = None
        self.last_at: float | None = None

    def add(self, body: bytes) -> bytes | None:
        """Count one message; its trace id, or None when the body is no edXML message."""
        found = _TRACE_ID.search(body, 0, 65536)
        if not body.lstrip().startswith(b"<") or found is None:
            return None
        now = time.monotonic()
        self.first_at = self.first_at if self.first_at is not None else now
        self.last_at = now
        self.messages += 1
        self.bytes += len(body)
        self.ids.add(found.group(1))
        return found.group(1)

    def as_dict(self) -> dict[str, Any]:
        return {
            "messages": self.messages,
            "distinct": len(self.ids),
            "bytes": self.bytes,
            "first_at": self.first_at,
            "last_at": self.last_at,
        }


async def _answer(writer: asyncio.StreamWriter, status: str, payload: dict[str, Any], close: bool) -> None:
    body = json.dumps(payload).encode()
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        f"Connection: {'close' if close else 'keep-alive'}\r\n\r\n"
    )
    writer.write(head.encode() + body)
    await writer.drain()


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, counts: Counts) -> None:
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                return
            lines = head.decode("latin-1").split("\r\n")
            method, path = lines[0].split(" ")[:2]
            headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)}
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            close = headers.get("connection", "").lower() == "close"
            if method == "GET" and path == "/count":
                await _answer(writer, "200 OK", counts.as_dict(), close)
            elif method == "POST" and path.endswith("/exchange/v1/messages"):
                if counts.add(body) is None:
                    await _answer(
                        writer, "400 Bad Request", {"message": "Không phải thông điệp edXML."}, close
                    )
                else:
                    # the receipt names the id the sender put in its request (a hub's own outbox id)
                    message_id = headers.get("x-edxml-message-id", "")
                    await _answer(writer, "200 OK", {"message_id": message_id, "receipt": "stored"}, close)
            else:
                await _answer(writer, "404 Not Found", {"message": "Không có."}, close)
            if close:
                return
    finally:
        writer.close()


async def main(port: int, tls: ssl.SSLContext | None = None) -> None:
    counts = Counts()
    server = await asyncio.start_server(
        lambda r, w: _serve(r, w, counts), "127.0.0.1", port, limit=2**16, backlog=256, ssl=tls
    )
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    # over mutual TLS, as the installations of Network(tls=True): its certificate, key and the CA whose
    # client certificates it requires
    parser.add_argument("--certfile")
    parser.add_argument("--keyfile")
    parser.add_argument("--ca")
    args = parser.parse_args()
    context = None
    if args.certfile:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.certfile, args.keyfile)
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(args.ca)
    asyncio.run(main(args.port, context))
