"""Typography of the two profiles, from the rules (regulations.md §2.3 for NĐ 30, §3.6 for HD 36).

Sizes in points, margins in millimetres. The default templates are built from these values; offices
that edit a template own its layout from then on.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Typography:
    margins_mm: tuple[float, float, float, float]  # top, bottom, left, right
    heading: int  # "ĐẢNG CỘNG SẢN VIỆT NAM" / Quốc hiệu
    motto: int  # Tiêu ngữ (State only)
    parent_body: int
    issuing_body: int
    number: int
    place_date: int
    type_name: int
    subject: int
    letter_subject: int  # công văn "V/v …"
    body: int
    authority: int
    position: int
    signer_name: int
    recipients_heading: int
    recipients_list: int


PARTY = Typography(
    margins_mm=(20, 20, 30, 15),
    heading=15,
    motto=0,
    parent_body=14,
    issuing_body=14,
    number=14,
    place_date=14,
    type_name=16,
    subject=14,
    letter_subject=12,
    body=14,
    authority=14,
    position=14,
    signer_name=14,
    recipients_heading=14,
    recipients_list=12,
)

STATE = Typography(
    margins_mm=(20, 20, 30, 15),
    heading=13,
    motto=14,
    parent_body=13,
    issuing_body=13,
    number=13,
    place_date=14,
    type_name=14,
    subject=14,
    letter_subject=13,
    body=14,
    authority=14,
    position=14,
    signer_name=14,
    recipients_heading=12,
    recipients_list=11,
)

FONT = "Times New Roman"  # LibreOffice draws it with Liberation Serif (same metrics) where TNR is absent

# Types drafted as letters (công văn: "V/v" summary under the number, "Kính gửi"); all others are
# "typed" documents (type name in capitals, summary below it).
LETTER_TYPES = frozenset({"CV"})

# The types the issue names first; every active type of a profile gets a template all the same.
CORE_TYPES = ("NQ", "QĐ", "CT", "KL", "QĐi", "QyĐ", "HD", "BC", "KH", "CTr", "TB", "TTr", "CV", "GM", "BB")


def typography(profile: str) -> Typography:
    return PARTY if profile == "party" else STATE
