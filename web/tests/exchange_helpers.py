"""The exchange world of the web tests (the province of the shared World, a commune of another
installation behind a hub played by a loopback HTTP server — ``exchange/tests/conftest.py``), packages
from the commune with dates relative to today, and statuses it sends back."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from django.utils import timezone

from conftest import World, make_pdf
from exchange.edxml import build, model, sign
from exchange.edxml.codes import StatusCode
from exchange.tests.conftest import (
    COMMUNE_ID,
    ExchangeWorld,
    NextHop,
    build_exchange_world,
    signed_from_commune,
)
from signing.pki import Issued, TestPki

PDF = make_pdf("Báo cáo sơ kết công tác dân vận quý IV")
ANNEX = make_pdf("Phụ lục số liệu")


@cache
def exchange_pki() -> tuple[TestPki, Issued, Issued]:
    pki = TestPki.create(root_cn="dieuhanh Exchange Web Test Root CA")
    return (
        pki,
        pki.issue("Văn phòng Tỉnh ủy Sông Lam", "Tỉnh ủy Sông Lam"),
        pki.issue("Đảng ủy xã Hòa Bình", "Đảng ủy xã Hòa Bình"),
    )


def exchange_world(world: World, hop: NextHop) -> ExchangeWorld:
    """The same setting as the exchange tests' ``xw`` fixture."""
    return build_exchange_world(world, exchange_pki(), hop)


def package_from_commune(
    xw: ExchangeWorld, *, number: str = "45-BC/ĐU", subject: str = "Báo cáo sơ kết công tác dân vận quý IV"
) -> bytes:
    """A package signed by the commune for the province, issued two days ago, due in three weeks."""
    today = timezone.localdate()
    return signed_from_commune(
        xw,
        number=number,
        subject=subject,
        issued_on=today - timedelta(days=2),
        due_date=today + timedelta(days=21),
        sent_at=timezone.localtime(),
        attachments=(
            model.Attachment("a1", "45-BC-DU.pdf", "application/pdf", PDF, "Văn bản chính"),
            model.Attachment("a2", "phu-luc.pdf", "text/html", ANNEX, "Phụ lục"),
        ),
        page_amount=1,
    )


def arrived(xw: ExchangeWorld, **kwargs: Any) -> Any:
    """A package from the commune received here: the arrival waiting for the clerk."""
    from exchange import services
    from exchange.models import InboxMessage

    receipt = services.receive(package_from_commune(xw, **kwargs))
    return InboxMessage.objects.get(message_id=receipt.message_id)


def status_from_commune(
    xw: ExchangeWorld, document_id: str, code: StatusCode, at: datetime, text: str = ""
) -> bytes:
    status = model.StatusMessage(
        message_id=str(uuid.uuid4()),
        response_for=model.ResponseFor(xw.w.org.identifier or "", "", None, document_id),
        sender=model.Organ(COMMUNE_ID, "Đảng ủy xã Hòa Bình"),
        code=code,
        timestamp=at,
        description=text,
    )
    return sign.sign(build.status(status), xw.commune_key.key, [xw.commune_key.cert])
