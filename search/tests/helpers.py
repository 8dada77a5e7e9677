"""Helpers of the search tests: a PDF with Vietnamese text, a registration with chosen metadata."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from search.selectors import Filters, Result, search


def vn_pdf(*pages: str) -> bytes:
    """A PDF whose text layer holds the given Vietnamese text, one page per argument."""
    from reportlab.pdfgen import canvas

    from reports.fonts import register_fonts

    regular, _, _ = register_fonts()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=1)
    for text in pages:
        pdf.setFont(regular, 11)
        y = 760
        line = ""
        for word in text.split():
            if len(line) + len(word) > 80:
                pdf.drawString(60, y, line)
                y -= 16
                line = ""
            line = f"{line} {word}".strip()
        pdf.drawString(60, y, line)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def register(
    world: Any,
    *,
    subject: str,
    number_symbol: str,
    secrecy: str = "none",
    text: str = "",
    issuer: str = "",
    doc_type: str = "BC",
    arrival: date | None = None,
) -> Any:
    from incoming.services import Registration, incoming_register

    return incoming_register(
        actor=world.clerk,
        organization=world.org,
        data=Registration(
            issuer_name=issuer or world.issuer.name,
            number_symbol=number_symbol,
            issued_date=date(2025, 12, 30),
            doc_type=doc_type,
            subject=subject,
            signer_name="Nguyễn Văn A",
            signer_position="Phó Trưởng ban",
            secrecy=secrecy,
            arrival_date=arrival,
        ),
        uploads=[("van-ban.pdf", vn_pdf(text or subject))],
    ).document


def find(user: Any, q: str, **filters: Any) -> Result:
    page = filters.pop("page", 1)
    page_size = filters.pop("page_size", 20)
    order = filters.pop("order", "relevance")
    return search(user, q, Filters(**filters), page=page, page_size=page_size, order=order)


def ids(result: Result) -> list[tuple[str, int]]:
    return [(h.kind, h.id) for h in result.items]
