"""Archive tests: the shared world, plus the signing fixtures (a signed PDF for the printed-copy mark)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from conftest import World, make_pdf
from outgoing.tests.conftest import OutgoingWorld, ow  # noqa: F401 - the outgoing world fixture
from signing.tests.conftest import (  # noqa: F401 - fixtures shared with the signing tests
    _signing_settings,
    certs,
    font_dir,
    pki,
    trusted,
)


class ArchiveWorld:
    """The shared world plus a file plan for 2026 and helpers for documents of each kind."""

    def __init__(self, ow: OutgoingWorld) -> None:  # noqa: F811
        from archive import services

        self.ow = ow
        self.w: World = ow.w
        w = self.w
        self.plan = services.plan_create(actor=w.clerk, organization=w.org, year=2026, title="Danh mục hồ sơ")
        self.heading = services.plan_heading_add(
            actor=w.clerk, plan=self.plan, number="I", title="Tổ chức, cán bộ", abbreviation="TCCB"
        )
        self.item = services.plan_item_add(
            actor=w.clerk,
            plan=self.plan,
            data=services.PlanItemInput(
                code="01.TCCB",
                title="Hồ sơ công tác tổ chức năm 2026",
                retention_years=20,
                heading_id=self.heading.pk,
                responsible_unit_id=w.unit.pk,
                responsible_person_id=w.specialist.pk,
            ),
        )

    def dossier(self, code: str = "", **kwargs: Any) -> Any:
        from archive import services

        data = services.DossierInput(
            plan_item_id=None if code else self.item.pk,
            code=code,
            title=kwargs.pop("title", "Hồ sơ thử"),
            start_date=kwargs.pop("start_date", date(2026, 1, 2)),
            **kwargs,
        )
        return services.dossier_open(actor=self.w.clerk, organization=self.w.org, data=data)

    def incoming(self, *, number_symbol: str = "105-BC/BTCTW", pages: int = 2, **kwargs: Any) -> Any:
        return self.w.register(
            number_symbol=number_symbol, pdf=make_pdf(number_symbol, pages=pages), **kwargs
        )

    def outgoing(self, secrecy: str = "none") -> Any:
        from outgoing.services import outgoing_issue

        return outgoing_issue(actor=self.w.clerk, document=self.ow.approved(secrecy=secrecy, recipients=[]))

    def record(self, *, issued: date = date(2020, 5, 6), secrecy: str = "none", pages: int = 3) -> Any:
        from archive import services

        return services.record_create(
            actor=self.w.clerk,
            organization=self.w.org,
            data=services.RecordInput(
                issued_date=issued,
                issuer_name="Huyện ủy Hưng Nguyên",
                type_name="Báo cáo",
                subject="Báo cáo tổng kết công tác năm",
                number_symbol="12-BC/HU",
                secrecy=secrecy,
            ),
            scan=("bao-cao.pdf", make_pdf("Bao cao tong ket", pages=pages)),
        )


@pytest.fixture
def aw(ow: OutgoingWorld) -> ArchiveWorld:  # noqa: F811
    return ArchiveWorld(ow)
