"""Whether an extracted value has the shape the regulations give it (regulations.md §2.4, §3.3, §3.4):
pure checks used to decide when a header zone is worth reading again (``intake.zones``).

A value that validates may still be wrong; one that does not is certainly damaged ("454/Q" for
"454/QĐ-UBND", "Huyện ủy YENHưng Nguyên"), so only the second kind triggers a second reading.
"""

from __future__ import annotations

import re

from core.vn import fold
from intake.extract.doctypes import _CODES

_BODY_CODE = r"[A-ZĐ][A-ZĐa-zđ]{0,11}"  # TU, BTGTU, ĐU, ThU, UBND, BNV, VPTW
PARTY_SYMBOL = re.compile(rf"^\d{{1,5}}-(?P<code>[A-ZĐ][A-ZĐa-zđ]{{0,4}})/{_BODY_CODE}(?:-{_BODY_CODE})*$")
STATE_SYMBOL = re.compile(
    rf"^\d{{1,5}}/(?:\d{{4}}/)?(?P<code>[A-ZĐ][A-ZĐa-zđ]{{0,4}})-(?P<body>{_BODY_CODE})(?:-{_BODY_CODE})*$"
)


def number_symbol_valid(value: str, profile: str) -> bool:
    """``value`` is a number-symbol of ``profile``: "12-TB/TU" (HD 36: hyphen, type code, slash, body) or
    "15/QĐ-BNV", "05/BNV-VP" (NĐ 30: slash, then the type code or, for a công văn, the body, a hyphen and
    the unit) with a type code the profile knows."""
    if profile == "party":
        party = PARTY_SYMBOL.match(value)
        return party is not None and party.group("code") in _CODES["party"]
    state = STATE_SYMBOL.match(value)
    if state is None:
        return False
    code = state.group("code")
    # a type code, or for a công văn the body's own abbreviation, upper case ("UBND-VX", "BNV-VP")
    return code in _CODES["state"] or (len(code) >= 2 and code.isupper())


# words an issuer's name is made of, in their written case; a place's words are capitalised
_ORG_TEXT = (
    "ủy ban nhân dân hội đồng mặt trận tổ quốc việt nam kiểm tra thường vụ chấp hành tổ chức tuyên giáo "
    "và dân vận nội chính chỉ đạo cán sự đảng văn phòng bộ đoàn chi tỉnh thành huyện quận thị xã phường "
    "trấn phố đặc khu sở phòng cục vụ trung tâm viện tổng trung ương"
)
_ORG_WORDS = frozenset(_ORG_TEXT.split())
_ORG_START = re.compile(
    r"^(Ủy ban|Hội đồng|Ban|Văn phòng|Đảng ủy|Đảng bộ|Đảng đoàn|Chi bộ|Tỉnh ủy|Thành ủy|Huyện ủy|Quận ủy|"
    r"Thị ủy|Sở|Bộ|Phòng|Cục|Tổng cục|Vụ|Trung tâm|Viện)\b"
)


def issuer_valid(value: str) -> bool:
    """``value`` reads as an organisation's name: it starts with a kind of body ("Ủy ban nhân dân",
    "Huyện ủy", "Ban Tổ chức", "Sở"), every word is a word of organisation names or a capitalised place
    word ("Đầm", "Dơi"), never a run of capitals glued to a word ("YENHưng") or a stray letter, and a
    committee or people's committee is followed by its place."""
    words = value.split()
    if len(words) < 2 or not _ORG_START.match(value):
        return False
    for word in words:
        if word.lower() in _ORG_WORDS or word.lower() == "ủy":
            continue
        if not (len(word) >= 2 and word[0].isupper() and word[1:].islower() and word.isalpha()):
            return False
    last = words[-1].lower()
    if last in {"ủy", "tỉnh", "huyện", "xã", "phường", "quận", "dân", "và"}:
        return False
    if words[0] == "Đảng" and words[1] == "bộ":  # the parent line alone: the issuer's own line was lost
        return False
    # a people's council or committee is named with its level ("Ủy ban nhân dân tỉnh Hà Tĩnh")
    people = re.match(r"^(?:Ủy ban|Hội đồng) nhân dân (\S+)", value)
    return people is None or people.group(1) in _LEVELS


_LEVELS = frozenset({"tỉnh", "huyện", "xã", "phường", "quận", "thành", "thị", "đặc"})


def symbol_matches_issuer(symbol: str, issuer: str) -> bool:
    """False when the body code of a State number-symbol is a truncated abbreviation of the issuer
    ("611/TB-UBN" for the Ủy ban nhân dân, whose code is UBND): the end of the number line was lost."""
    words = issuer.split()
    initials = ""
    for word in words:
        if word[:1].isupper() or word.lower() in ("ban", "nhân", "dân"):
            initials += fold(word[0]).upper() if word[0] not in "Đđ" else "Đ"
        else:
            break
    if len(initials) < 3:
        return True
    return not any(
        len(part) >= 2 and initials.startswith(part) and part != initials
        for part in re.split(r"[-/]", symbol)
    )
