"""Three real installations on loopback — hub, province, commune: separate uvicorn processes, databases
and files (exchange/testing/network.py), talking HTTPS with mutual TLS (each served with a certificate of
the network's CA, requiring one from its clients, presenting its own; plain HTTP refused). A document
issued at the province arrives at the commune through the hub, the commune's handling flows back as
statuses, a recall withdraws it; and the faults: the receiver down while sending, the receiver dying
mid-request, the same package twice, a tampered package, an unknown certificate, a client without a
certificate of the network — each ends with exactly one correct document or a clear refusal; a recipient
the hub cannot deliver to for good comes back to the sender as returned (02), with the reason."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from exchange.testing.network import (
    COMMUNE,
    COMMUNE_ID,
    HUB,
    NAMES,
    PROVINCE,
    PROVINCE_ID,
    STRAY_ID,
    Network,
    post_message,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("exchange_network")]


@pytest.fixture(scope="module")
def net() -> Iterator[Network]:
    url = os.environ.get("DATABASE_URL", "")
    network = Network(database_url=url if url.startswith("postgres") else "", tls=True)
    try:
        network.start()
        yield network
    except BaseException:
        for node in network.nodes.values():
            print(f"--- {node.name} ---\n{node.log()}")
        raise
    finally:
        network.stop()


def _issue(net: Network, subject: str) -> dict[str, Any]:
    return net[PROVINCE].manage("exchange_testnode", "issue", "--to", COMMUNE_ID, "--subject", subject)


def _exchange(net: Network, doc_id: int) -> dict[str, Any]:
    (row,) = net[PROVINCE].api("GET", f"/outgoing/{doc_id}/deliveries")
    return row["exchange"] or {}


def _status(net: Network, doc_id: int, code: str, timeout: float = 30) -> dict[str, Any]:
    def reached() -> Any:
        status = _exchange(net, doc_id).get("status")
        return status if status and code in [h["code"] for h in status["history"]] else None

    return wait_for(reached, timeout)


def _arrivals(net: Network, **query: str) -> list[dict[str, Any]]:
    suffix = "&".join(f"{k}={v}" for k, v in query.items())
    return list(net[COMMUNE].api("GET", f"/exchange/arrivals?{suffix}")["items"])


def _arrival(net: Network, document_id: str) -> list[dict[str, Any]]:
    return [a for a in _arrivals(net) if a["document_id"] == document_id and a["business"] == 0]


def test_issue_arrive_handle_and_recall_end_to_end(net: Network) -> None:
    # the province issues a document to the commune
    issued = _issue(net, "Thông báo kết luận Hội nghị Ban Chấp hành Đảng bộ tỉnh")
    # it arrives at the commune through the hub, waiting for the clerk, and 01 comes back
    first = _status(net, issued["id"], "01")
    assert first["code"] == "01" and _exchange(net, issued["id"])["state"] == "sent"
    (arrival,) = _arrival(net, issued["document_id"])
    assert arrival["state"] == "arrived" and arrival["number_symbol"] == issued["number_symbol"]
    assert arrival["from"] == {"organ_id": "000.00.12.H99", "name": "Văn phòng Tỉnh ủy Sông Lam"}
    assert arrival["subject"] == "Thông báo kết luận Hội nghị Ban Chấp hành Đảng bộ tỉnh"
    assert arrival["attachments"][0]["content_type"] == "application/pdf"
    # the commune's clerk registers it and the office handles it: 03, 04, 05, 06 flow back
    registered = net[COMMUNE].api("POST", f"/exchange/arrivals/{arrival['id']}/register", body={})
    incoming = net[COMMUNE].api("GET", f"/incoming/{registered['incoming_id']}")
    assert incoming["number_symbol"] == issued["number_symbol"] and incoming["channel"] == "exchange"
    net[COMMUNE].manage("exchange_testnode", "handle", "--id", str(registered["incoming_id"]))
    done = _status(net, issued["id"], "06")
    assert done["code"] == "06" and done["label"] == "Hoàn thành"
    assert [h["code"] for h in done["history"]] == ["01", "03", "04", "05", "06"]
    # a second document, registered, then recalled by the province: withdrawn at the commune, 15 back
    second = _issue(net, "Công văn về việc chuẩn bị Đại hội chi bộ")
    _status(net, second["id"], "01")
    (arrival2,) = _arrival(net, second["document_id"])
    registered2 = net[COMMUNE].api("POST", f"/exchange/arrivals/{arrival2['id']}/register", body={})
    _status(net, second["id"], "03")
    net[PROVINCE].manage(
        "exchange_testnode", "recall", "--id", str(second["id"]), "--reason", "Ban hành nhầm"
    )
    _status(net, second["id"], "15")

    def recalled() -> bool:
        return net[COMMUNE].api("GET", f"/incoming/{registered2['incoming_id']}")["status"] == "recalled"

    wait_for(recalled)


def test_the_receiver_down_while_sending_gets_it_once_after_it_comes_back(net: Network) -> None:
    net[COMMUNE].stop()
    try:
        issued = _issue(net, "Thông báo gửi khi xã mất kết nối")
        # the hub has it and keeps trying the commune
        wait_for(lambda: net[HUB].health()["outbox_pending"] >= 1)
        assert _exchange(net, issued["id"])["state"] == "sent"  # the province's next hop took it
    finally:
        net[COMMUNE].start()
        net[COMMUNE].wait_ready()
    _status(net, issued["id"], "01")
    assert len(_arrival(net, issued["document_id"])) == 1


def test_the_receiver_dying_mid_request_still_gives_one_document(net: Network) -> None:
    hub = net[HUB]
    hub.stop()
    hub.env["EXCHANGE_FAULTS"] = "exit_after_commit"  # the hub dies once, after storing, before answering
    hub.start()
    hub.wait_ready()
    issued = _issue(net, "Thông báo gửi khi trục gặp sự cố")
    wait_for(lambda: hub.process is not None and hub.process.poll() is not None)  # it died
    hub.env.pop("EXCHANGE_FAULTS")
    hub.start()
    hub.wait_ready()
    _status(net, issued["id"], "01")
    assert len(_arrival(net, issued["document_id"])) == 1
    assert (
        _exchange(net, issued["id"])["attempts"] >= 2
    )  # the province sent it again and was told "duplicate"


def _province_package(net: Network, document_id: str) -> bytes:
    """The signed bytes the province sent for a document (from its outbox, as stored)."""
    script = (
        "from exchange.models import OutboxMessage; from core import files; import sys; "
        f"m = OutboxMessage.objects.get(kind='package', business=0, document_id='{document_id}'); "
        "sys.stdout.buffer.write(files.open_blob(m.package))"
    )
    import subprocess
    import sys

    from exchange.testing.network import ROOT

    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", script],
        cwd=ROOT,
        env=net[PROVINCE].env,
        capture_output=True,
        check=True,
        timeout=120,
    )
    return done.stdout


def test_duplicates_tampering_and_unknown_certificates(net: Network) -> None:
    issued = _issue(net, "Thông báo về công tác phòng chống thiên tai")
    _status(net, issued["id"], "01")
    data = _province_package(net, issued["document_id"])
    before = net[COMMUNE].health()["inbox_packages"]
    # the same package again, at the hub and straight at the commune: one document
    status, answer = post_message(net[HUB].url, data, net[PROVINCE].context)
    assert status == 200 and answer["receipt"] == "duplicate"
    status, answer = post_message(net[COMMUNE].url, data, net[PROVINCE].context)
    assert status == 200 and answer["receipt"] == "duplicate"
    assert net[COMMUNE].health()["inbox_packages"] == before
    # one byte of the subject changed: refused at the hub, nothing stored
    tampered = data.replace("phòng chống thiên tai".encode(), "phòng chống thiên tại".encode())
    status, answer = post_message(net[HUB].url, tampered, net[PROVINCE].context)
    assert status == 403 and answer["code"] == "bad_signature" and "không hợp lệ" in answer["message"]
    # signed by a key the directory does not know for the province
    from dataclasses import replace

    from exchange.edxml import build, parse, sign
    from signing.pki import TestPki

    stranger = TestPki.create(root_cn="Stranger Root CA").issue(
        "Văn phòng Tỉnh ủy Sông Lam", "Tỉnh ủy Sông Lam"
    )
    package = parse.parse_package(parse.read(data))
    forged = sign.sign(build.package(replace(package, message_id="forged-1")), stranger.key, [stranger.cert])
    status, answer = post_message(net[HUB].url, forged, net[PROVINCE].context)
    assert status == 403 and answer["code"] == "unknown_certificate"
    # a client without a certificate of the network does not get past the TLS handshake
    assert net.ca is not None
    with pytest.raises(OSError):
        post_message(net[HUB].url, data, net.ca.client_context())
    assert net[COMMUNE].health()["inbox_packages"] == before


def _deliveries(net: Network, doc_id: int) -> dict[str, dict[str, Any]]:
    """The exchange side of each recipient's delivery, by the recipient's name."""
    rows = net[PROVINCE].api("GET", f"/outgoing/{doc_id}/deliveries")
    return {row["recipient"]: row["exchange"] or {} for row in rows}


def _codes(delivery: dict[str, Any]) -> list[str]:
    return [h["code"] for h in (delivery.get("status") or {}).get("history", [])]


def test_a_recipient_the_hub_cannot_deliver_to_comes_back_returned_with_the_reason(net: Network) -> None:
    # the hub's directory still routes the Tân Lập commune to the Hòa Bình installation, which does not
    # serve it; the Hòa Bình installation has the hub's directory (so it knows Tân Lập, as reached through
    # the hub) and must refuse it rather than send it back where it came from
    net[COMMUNE].manage("exchange_testnode", "sync")
    issued = net[PROVINCE].manage(
        "exchange_testnode",
        "issue",
        "--to",
        f"{COMMUNE_ID},{STRAY_ID}",
        "--subject",
        "Công văn về việc tổng kết công tác dân vận năm 2026",
    )
    stray, commune = NAMES[STRAY_ID], NAMES[COMMUNE_ID]

    def returned() -> Any:
        delivery = _deliveries(net, issued["id"])[stray]
        return delivery["status"] if "02" in _codes(delivery) else None

    status = wait_for(returned, 60)
    # the province shows Tân Lập as returned, in the hub's words and the refusing installation's reason
    assert status["code"] == "02" and status["label"] == "Từ chối tiếp nhận"
    assert status["description"] == (
        f"Trục liên thông không chuyển được văn bản đến {STRAY_ID}: Nơi nhận không thuộc hệ thống này."
    )
    # the other recipient of the same document has it as usual
    wait_for(lambda: "01" in _codes(_deliveries(net, issued["id"])[commune]))
    assert len(_arrival(net, issued["document_id"])) == 1
    # the hub gave the Tân Lập package up (refused for good, not retried), audited it, and reported it once
    wait_for(lambda: net[HUB].health()["outbox_pending"] == 0)
    hub = net[HUB].manage("exchange_testnode", "trace", "--to", issued["document_id"])
    onward = [m for m in hub["outbox"] if m["kind"] == "package" and m["to"] == STRAY_ID]
    # (404: the Hòa Bình installation refused it — it did not take it to send back up)
    assert [(m["state"], m["last_http_status"]) for m in onward] == [("failed", 404)]
    reports = [m for m in hub["outbox"] if m["kind"] == "status" and m["status_code"] == "02"]
    assert [(m["to"], m["state"]) for m in reports] == [(PROVINCE_ID, "sent")]
    failed = [e for e in hub["audit"] if e["action"] == "exchange.relay_failed"]
    assert [(e["data"]["from"], e["data"]["to"]) for e in failed] == [(PROVINCE_ID, STRAY_ID)]
    # exactly one 02, and Hòa Bình's delivery untouched by it
    final = _deliveries(net, issued["id"])
    assert _codes(final[stray]) == ["02"] and final[stray]["state"] == "sent"  # the hub took it
    assert "02" not in _codes(final[commune])
