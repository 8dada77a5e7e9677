"""Replacement and correction after issuance travel by exchange too: a replacing document goes as a
"replace" package naming the document it replaces (withdrawn at the recipient, before or after
registration); a correction goes as its own document, and the corrected document's recipients get an
"update" notice on it (recorded in the incoming history, 15 back)."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import make_pdf
from exchange import dispatch, services
from exchange.edxml import parse, sign
from exchange.edxml.codes import Business
from exchange.models import InboxMessage, OutboxMessage
from exchange.states import InState
from exchange.tests.conftest import COMMUNE_ID, ExchangeWorld
from exchange.tests.test_receiving import from_commune
from outgoing import after_issue
from outgoing import services as outgoing

pytestmark = pytest.mark.django_db


def _issue(xw: ExchangeWorld, doc: Any) -> Any:
    outgoing.outgoing_submit(actor=doc.drafter, document=doc)
    for approver in (xw.w.head, xw.w.leader, xw.ow.secretary):
        outgoing.outgoing_approve(actor=approver, document=doc)
    doc.refresh_from_db()
    return outgoing.outgoing_issue(actor=xw.w.clerk, document=doc)


def _sent(xw: ExchangeWorld) -> list[Any]:
    return [parse.parse_package(sign.verify(d, [xw.province_key.cert]).root) for d in xw.hop.received]


def test_a_replacement_goes_as_replace_and_a_correction_as_a_document_plus_an_update(
    xw: ExchangeWorld,
) -> None:
    old = _issue(xw, xw.ow.draft("TB", recipients=[{"organization_id": xw.commune.pk}]))
    dispatch.run_pending()
    # replaced
    new = after_issue.outgoing_start_replacement(actor=xw.w.specialist, document=old, reason="Sai số liệu")
    outgoing.outgoing_add_version(
        actor=xw.w.specialist, document=new, upload=("v2.pdf", make_pdf("so lieu dung")), note="Sửa"
    )
    new = _issue(xw, new)
    dispatch.run_pending()
    replacing = _sent(xw)[-1]
    assert (
        replacing.business.kind == Business.REPLACE
        and replacing.header.code.number_symbol == new.number_symbol
    )
    (replacement,) = replacing.business.replacements
    assert replacement.document_id.endswith(old.number_symbol) and replacement.organ_ids == (COMMUNE_ID,)
    assert replacing.attachments and replacing.business.reason == "Sai số liệu"
    # corrected
    fix = after_issue.outgoing_start_correction(
        actor=xw.w.specialist, document=new, reason="Sai ngày họp", upload=("dc.pdf", make_pdf("dinh chinh"))
    )
    fix = _issue(xw, fix)
    dispatch.run_pending()
    kinds = [(p.business.kind, p.header.code.number_symbol) for p in _sent(xw)[2:]]
    assert (Business.UPDATE, new.number_symbol) in kinds  # the notice on the corrected document
    update = next(p for p in _sent(xw)[2:] if p.business.kind == Business.UPDATE)
    assert fix.number_symbol in update.business.reason and "Sai ngày họp" in update.business.reason
    assert update.attachments == ()
    assert OutboxMessage.objects.filter(
        outgoing=fix, business=Business.NEW, to_identifier=COMMUNE_ID
    ).exists()


def test_a_received_replacement_withdraws_the_old_one_and_an_update_is_recorded(xw: ExchangeWorld) -> None:
    from exchange.edxml import build
    from exchange.edxml.model import BusinessInfo, Replacement

    # the old document arrived and was registered
    services.receive(from_commune(xw, number="50-BC/ĐU"))
    old = InboxMessage.objects.get()
    incoming = services.inbox_register(actor=xw.w.clerk, inbox=old).document
    # the commune replaces it by 51-BC/ĐU
    data = from_commune(xw, number="51-BC/ĐU")
    package = parse.parse_package(parse.read(data))
    from dataclasses import replace

    replacing = replace(
        package,
        business=BusinessInfo(
            kind=Business.REPLACE,
            reason="Sai số liệu",
            replacements=(Replacement(old.document_id, (xw.w.org.identifier or "",)),),
        ),
    )
    services.receive(sign.sign(build.package(replacing), xw.commune_key.key, [xw.commune_key.cert]))
    incoming.refresh_from_db()
    assert incoming.status == "recalled"
    assert "51-BC/ĐU" in incoming.events.get(action="replaced").note
    new = InboxMessage.objects.get(document_id__endswith="51-BC/ĐU")
    assert new.state == InState.ARRIVED and new.business == Business.REPLACE
    assert OutboxMessage.objects.filter(inbox=new, status_code="01").exists()
    # an update notice on the new one (not registered yet): noted on the arrival, 15 back
    services.receive(from_commune(xw, number="51-BC/ĐU", business=Business.UPDATE, target=new.document_id))
    new.refresh_from_db()
    assert "Ban hành nhầm" in new.reason  # the notice's reason (from_commune's default)
    assert OutboxMessage.objects.filter(inbox=new, status_code="15").exists()
    # once registered, an update goes into the incoming history
    registered = services.inbox_register(actor=xw.w.clerk, inbox=new).document
    services.receive(
        from_commune(
            xw, number="51-BC/ĐU", business=Business.UPDATE, target=new.document_id, message_id="update-2"
        )
    )
    assert registered.events.filter(action="corrected").exists()
