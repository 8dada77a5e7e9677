"""The extraction proper: one function per field over the lines of the OCR text."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from intake.extract import text as t
from intake.extract.doctypes import TITLES, canonical_code, code_for_title
from intake.extract.validate import issuer_valid, number_symbol_valid, symbol_matches_issuer

FIELDS = (
    "issuer_name",
    "number_symbol",
    "issued_date",
    "place",
    "doc_type",
    "subject",
    "signer_name",
    "signer_position",
    "urgency",
    "secrecy",
)
UNSURE = 0.75  # below this the form highlights the field for the clerk to check


@dataclass(frozen=True)
class Sources:
    """What the extraction reads: the OCR text (pages separated by form feeds) and, when available,
    the header zones of page 1 recognised apart (left: issuer and number; right: place and date)."""

    text: str
    header_left: str = ""
    header_right: str = ""


@dataclass
class Field:
    value: Any = ""
    confidence: float = 0.0
    line: str = ""  # the line it was read from (shown to the clerk as the evidence)

    @property
    def unsure(self) -> bool:
        return self.confidence < UNSURE


@dataclass
class Extraction:
    profile: str = ""  # "party" or "state", from the header
    fields: dict[str, Field] = field(default_factory=dict)

    def value(self, name: str) -> Any:
        return self.fields[name].value if name in self.fields else ""

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"profile": self.profile}
        for name, item in self.fields.items():
            value = item.value.isoformat() if isinstance(item.value, date) else item.value
            out[name] = {"value": value, "confidence": round(item.confidence, 2), "line": item.line}
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Extraction:
        result = cls(profile=data.get("profile", ""))
        for name in FIELDS:
            item = data.get(name)
            if isinstance(item, dict):
                value = item.get("value", "")
                if name == "issued_date" and value:
                    value = date.fromisoformat(value)
                result.fields[name] = Field(value, float(item.get("confidence", 0)), item.get("line", ""))
        return result

    def asdict(self) -> dict[str, Any]:
        return asdict(self)


# --- number and symbol ----------------------------------------------------------------------------
# "Số" as OCR reads it: "Sô", "S0", "§ố", or "ố:" with its S lost (a State number line keeps the colon)
_SO = r"(?:[S§][ốôoóồổỗộ6ỐÔ]|S0|Sé|Số|(?<!\w)ố(?=\s*[:;]))"
_CODE = rf"[{t.UPPER_VN}][{t.UPPER_VN}{t.LOWER_VN}]{{0,5}}"
_WORD = rf"[{t.UPPER_VN}0-9][{t.UPPER_VN}{t.LOWER_VN}0-9]*"
_BODY = rf"{_WORD}(?:\s?[-–]\s?{_WORD})*"
_NUM = r"[0-9OoIl]{1,5}"
PARTY_NUMBER = re.compile(rf"{_SO}\s*[:;]?\s*({_NUM})\s*[-–—]\s*({_CODE})\s*/\s*({_BODY})")
STATE_NUMBER = re.compile(
    rf"{_SO}\s*[:;]?\s*({_NUM})\s*/\s*((?:\d{{4}}\s*/\s*)?)({_CODE})((?:\s?[-–]\s?[{t.UPPER_VN}0-9][{t.UPPER_VN}{t.LOWER_VN}0-9]*)*)"
)


def number_part(number_symbol: str) -> str:
    """The registration number of a number-symbol ("611" of "611/TB-UBND", "12" of "12-TB/TU")."""
    return re.split(r"[-/]", number_symbol, maxsplit=1)[0]


def _digits(value: str) -> str:
    return value.translate(str.maketrans("OoIl", "0011"))


def _clean_body(body: str) -> str:
    body = re.sub(r"\s*[-–]\s*", "-", body.strip())
    return body.rstrip("-.,")


def number_symbol(lines: list[str]) -> tuple[Field, str, str]:
    """The number-symbol, the profile it is written in, and the type code it carries."""
    for line in lines:
        match = PARTY_NUMBER.search(line)
        if match:
            number, code, body = _digits(match.group(1)), match.group(2), _clean_body(match.group(3))
            code = canonical_code(code, "party") or code
            confidence = 0.95 if re.match(rf"^{_SO}\s+\d", line) else 0.85
            return Field(f"{number}-{code}/{body}", confidence, line), "party", code
        match = STATE_NUMBER.search(line)
        if match:
            number = _digits(match.group(1))
            year = re.sub(r"\s", "", match.group(2))
            head, tail = match.group(3), _clean_body(match.group(4))
            known = canonical_code(head, "state")
            if known and tail:  # 15/QĐ-BNV: type then body
                value, code = f"{number}/{year}{known}{tail}", known
            else:  # 12/UBND-VX: a công văn carries no type code
                value, code = f"{number}/{year}{head}{tail}", "CV"
            confidence = 0.95 if re.search(rf"{_SO}\s*[:;]", line) else 0.85
            return Field(value, confidence, line), "state", code
    return Field("", 0.0), "", ""


# --- place and date ---------------------------------------------------------------------------------
_DAY = r"[0-9OoIl]{1,2}"
# the italic date line loses or moves its diacritics ("ngáy", "hgày", "thắng", "nãm"): any tone on the vowel
_A = "aàáảãạăằắẳẵặâầấẩẫậ"
DATE = re.compile(
    rf"[nh]g[{_A}][yÿ][\s.:-]*({_DAY})\s*th[{_A}]ng\s*({_DAY})\s*n[{_A}]m[\s.:-]*([0-9OoIl]{{4}})",
    re.IGNORECASE,
)
NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})/(\d{1,2})/(\d{4})(?!\d)")


def place_and_date(lines: list[str]) -> tuple[Field, Field]:
    for line in lines:
        match = DATE.search(line)
        if not match:
            continue
        try:
            day, month, year = (int(_digits(g)) for g in match.groups())
            value = date(year, month, day)
        except ValueError:
            continue
        confidence = 0.95 if 1990 <= year <= 2100 else 0.4
        before = line[: match.start()].rstrip(" ,.;:")
        # the place is the capitalised words just before ", ngày" (OCR debris before them is dropped)
        words = before.split(" ")
        kept: list[str] = []
        for word in reversed(words):
            if word[:1].isupper() and re.fullmatch(rf"[{t.UPPER_VN}][{t.LOWER_VN}{t.UPPER_VN}.-]*", word):
                kept.insert(0, word)
            else:
                break
        first_cased = next((i for i, word in enumerate(kept) if not t.is_upper(word)), 0)
        if first_cased:  # upper-case words before the place: the title's or the issuer's ("ỘC Lâm Đồng")
            kept = kept[first_cased:]
        place = " ".join(kept)
        place_conf = 0.9 if place and len(kept) == len([w for w in words if w]) else (0.7 if place else 0.0)
        return Field(place, place_conf, line), Field(value, confidence, line)
    return Field("", 0.0), Field(None, 0.0)


# --- issuer -----------------------------------------------------------------------------------------
_NATIONAL = ("CỘNG HÒA", "CỘNG HOÀ", "ĐỘC LẬP", "ĐẢNG CỘNG SẢN", "HẠNH PHÚC", "XÃ HỘI CHỦ NGHĨA")
_COMMITTEE = re.compile(r"^(TỈNH|THÀNH|HUYỆN|QUẬN|THỊ|ĐẢNG) [UỦ]Y\b|^ĐẢNG [UỦ]Y\b|^CHI BỘ\b")
_BODY_WITH_PLACE = re.compile(r"\b(TỈNH|HUYỆN|XÃ|PHƯỜNG|THÀNH PHỐ|QUẬN|THỊ XÃ|THỊ TRẤN|ĐẶC KHU)\b.*\S")
_LEVEL_WORD = re.compile(r"\b(TỈNH|HUYỆN|XÃ|PHƯỜNG|THÀNH PHỐ|QUẬN|THỊ XÃ|THỊ TRẤN|ĐẶC KHU)\b")
_LEVEL_START = re.compile(r"^(TỈNH|HUYỆN|XÃ|PHƯỜNG|THÀNH PHỐ|QUẬN|THỊ XÃ|THỊ TRẤN|ĐẶC KHU)\b")


_MARK_WORDS = frozenset({"HỎA TỐC", "HOẢ TỐC", "THƯỢNG KHẨN", "KHẨN", "MẬT", "TỐI MẬT", "TUYỆT MẬT"})


def _header_lines(lines: list[str]) -> list[str]:
    """The upper-case lines of the issuer block: before the star or number line."""
    block: list[str] = []
    for line in lines[:12]:
        if not line:
            continue
        if PARTY_NUMBER.search(line) or STATE_NUMBER.search(line) or re.search(rf"(?:^|\W){_SO}\W", line):
            break
        # a damaged number line ("§ố: 550/BC:UBND", "472TBUBND"): digits then a code, never in a name
        if re.search(r"\d{1,5}\s*[-/]?\s*[A-ZĐ]{2}", line):
            break
        if re.fullmatch(r"[*«»%+xX.·•\-–—_ ]{1,6}|[*»«]+\w{0,2}", line):
            break
        upper = line.upper()
        cut = min((upper.find(mark) for mark in _NATIONAL if mark in upper), default=-1)
        if cut == 0:
            continue
        if cut > 0:
            line = line[:cut].strip()
        line = re.sub(rf"[^{t.UPPER_VN}{t.LOWER_VN}0-9 ]", " ", line)
        line = t.repair_upper(t.upper_run(t.squash(line)))
        if t.squash(line) in _MARK_WORDS:  # an urgency or secrecy stamp is never part of the issuer
            continue
        if len(line) >= 3 and t.is_upper(line) and not DATE.search(line):
            block.append(line)
    return block[:3]


def issuer(lines: list[str], *, zoned: bool) -> Field:
    block = _header_lines(lines)
    if not block:
        return Field("", 0.0)
    confidence = 0.9 if zoned else 0.7
    block = [t.squash(re.sub(r"\bUBND\b", "ỦY BAN NHÂN DÂN", b)) for b in block]
    if len(block) >= 3:
        block = block[-2:]
        confidence -= 0.15
    if len(block) == 1:
        return Field(t.name_case(block[0]), confidence, block[0])
    parent, child = block
    evidence = " / ".join(block)
    if _COMMITTEE.match(child) and _BODY_WITH_PLACE.search(child[6:]):  # "ĐẢNG BỘ TỈNH X / ĐẢNG ỦY XÃ Y"
        return Field(t.name_case(child), confidence, evidence)
    if re.match(r"^(ĐẢNG BỘ)\b", parent) and re.fullmatch(r"(TỈNH|THÀNH|HUYỆN|QUẬN|THỊ) [UỦ][YỶ]", child):
        # "ĐẢNG BỘ TỈNH SÔNG LAM / TỈNH ỦY": the committee of that Party organisation
        place = _BODY_WITH_PLACE.search(parent)
        name = child + " " + re.sub(_LEVEL_START, "", place.group(0)).strip() if place else child
        return Field(t.name_case(name), confidence, evidence)
    if re.match(r"^ĐẢNG BỘ\b", parent) and _BODY_WITH_PLACE.search(child):
        return Field(t.name_case(child), confidence, evidence)
    debris = re.fullmatch(r"(ỦY BAN NHÂN DÂN) \S{1,4}", parent)
    if debris and _LEVEL_START.match(child):  # "ỦY BAN NHÂN DÂN GỘN": the national title's edge
        parent = debris.group(1)
    level = _LEVEL_WORD.search(child, 1)
    if level and parent.startswith("ỦY BAN NHÂN DÂN") and len(child[: level.start()].strip()) <= 4:
        child = child[level.start() :]  # debris before the level word ("GCỘ TỈNH HÀ TĨNH")
    if _LEVEL_START.match(child):  # "ỦY BAN NHÂN DÂN / TỈNH SÔNG LAM": one name on two lines
        return Field(t.name_case(f"{parent} {child}"), confidence, evidence)
    # "TỈNH ỦY SÔNG LAM / BAN TỔ CHỨC": a body of the parent; "UBND TỈNH X / SỞ NỘI VỤ" -> "Sở Nội vụ tỉnh X"
    if parent.startswith("ỦY BAN NHÂN DÂN"):
        place = _BODY_WITH_PLACE.search(parent)
        if place:
            return Field(
                f"{t.name_case(child)} {_lower_first(t.name_case(place.group(0)))}",
                confidence - 0.05,
                evidence,
            )
    return Field(f"{t.name_case(child)} {t.name_case(parent)}", confidence, evidence)


def _lower_first(value: str) -> str:
    return value[:1].lower() + value[1:]


# --- type and subject -------------------------------------------------------------------------------


BODY_LINE = 80  # characters: a 13-pt body line across the page; a bold summary line holds fewer


def title_and_subject(
    lines: list[str], code_from_number: str, left_zone: list[str] | None = None
) -> tuple[Field, Field]:
    """The type name line (upper case, alone) and the summary under it; for công văn the "V/v" summary,
    read in the left header zone first when there is one (cell 5b is in the left column: the page's own
    reading may join it to the place and date on the right)."""
    for index, line in enumerate(lines[:40]):
        code = code_for_title(line)
        if code is None:
            continue
        subject_lines: list[str] = []
        for nxt in lines[index + 1 : index + 5]:
            if not nxt:
                if subject_lines:
                    break
                continue
            if re.fullmatch(r"[-–—_.=* ]{2,}", nxt):
                break
            if t.is_upper(nxt) and len(nxt) < 30 and not subject_lines:
                break
            if re.match(r"^(Căn cứ|Kính gửi|Thực hiện|Ngày|Trong|Hôm nay)\b", nxt) and subject_lines:
                break
            # a Party summary starts in lower case ("về việc …"); a line starting with a capital after it
            # is the body's first paragraph
            if subject_lines and subject_lines[0][:1].islower() and nxt[:1].isupper():
                break
            # after the summary, a line starting with a capital that is a whole sentence, or as wide as a
            # body line (a summary is set narrower, in bold), is the body's first paragraph
            if subject_lines and nxt[:1].isupper() and (nxt.endswith(".") or len(nxt) >= BODY_LINE):
                break
            subject_lines.append(nxt)
            if len(" ".join(subject_lines)) > 220 or nxt.endswith("."):
                break
        subject = _subject_text(" ".join(subject_lines))
        agree = code_from_number in ("", code)
        type_conf = 0.97 if code_from_number == code else (0.8 if agree else 0.5)
        if not agree and code_from_number:
            code = code_from_number
        return Field(code, type_conf, line), Field(subject, 0.85 if subject else 0.0, " ".join(subject_lines))
    # công văn: "V/v ..." under the number, the zone's reading unless only the page's is clean
    summaries = []
    for source in (left_zone or [], lines):
        found = _cong_van_summary(source[:25])
        if found is not None:
            summary, evidence = found
            if source is left_zone:
                summary = _unclipped(summary, lines[:25])
            summaries.append((summary, evidence))
    if summaries:
        summary, evidence = next((found for found in summaries if _clean_text(found[0])), summaries[0])
        return Field("CV", 0.85, evidence), Field(_subject_text(summary), 0.75, evidence)
    if code_from_number:
        return Field(code_from_number, 0.7, ""), Field("", 0.0)
    return Field("", 0.0), Field("", 0.0)


# "V/v …", or "V/ …" with its v lost; short debris before it is the scanner's
_VV = re.compile(r"^(?:\S{1,4}\s+){0,3}V/(?:[vV]\s*[:.]?\s*|\s+(?=[a-zđà-ỹ]))(.+)$")


def _cong_van_summary(lines: list[str]) -> tuple[str, str] | None:
    """A công văn's summary: the "V/v" line and the lines that continue it (lower case, short, before
    "Kính gửi"; a blank line between them is tolerated), or None without a "V/v" line. A summary whose
    line carries the right column's date is not taken (the page's reading joined the two columns)."""
    for index, line in enumerate(lines):
        match = _VV.match(line)
        if not match:
            continue
        if DATE.search(line) or re.search(rf"\b[nh]g[{_A}][yÿ]\s*\S{{1,2}}\s*th[{_A}]ng\b", line):
            return None
        parts = [match.group(1)]
        blanks = 0
        for nxt in lines[index + 1 : index + 5]:
            if not nxt:
                blanks += 1
                if blanks > 1:
                    break
                continue
            if not nxt[:1].islower() or len(nxt) > 60 or re.match(r"^Kính\s*gửi", nxt):
                break
            if DATE.search(nxt) or re.search(rf"\bng[{_A}]y\b", nxt):
                break
            parts.append(nxt)
            blanks = 0
        return " ".join(parts), "\n".join([line, *parts[1:]])
    return None


def _clean_text(text: str) -> bool:
    """Running text without scanner debris: letters, digits and ordinary punctuation only, and no word
    glued from several ("nhimvụnăm2024")."""
    return bool(re.fullmatch(r"[\w\s,.;:()/%-]+", text)) and not re.search(r"\w{13,}", text)


def _unclipped(summary: str, page: list[str]) -> str:
    """The zone's summary with the last word of its first line as the page reads it: the zone's right
    edge may cut that word ("… Ban Chí" for "… Ban Chấp"), the page's reading has it whole (and may go on
    into the right column's date, which is not taken)."""
    from core.vn import fold

    page_vv = next((_VV.match(line) for line in page if _VV.match(line)), None)
    if page_vv is None:
        return summary
    page_words = [word.strip("\"'“”‘’.,;:") or word for word in page_vv.group(1).split()]
    words = summary.split()
    for size in range(min(len(words), len(page_words)), 1, -1):
        same = [fold(a) for a in words[: size - 1]] == [fold(b) for b in page_words[: size - 1]]
        last, whole = fold(words[size - 1]), fold(page_words[size - 1])
        if same and last != whole and whole.startswith(last[:2]) and len(whole) > len(last):
            return " ".join([*words[: size - 1], page_words[size - 1], *words[size:]])
        if same and last == whole:
            return summary
    return summary


def _subject_text(value: str) -> str:
    value = t.fix_confusions(t.squash(value)).strip(" -–.,;:")
    return value[:1].upper() + value[1:]


# --- signature block --------------------------------------------------------------------------------
AUTHORITY = re.compile(r"\b(T/M|K/T|T/L|T/UQ|TM\.|KT\.|TL\.|TUQ\.|Q\.)\s*[A-ZĐÀ-Ỹ]")
_NAME = re.compile(rf"^[{t.UPPER_VN}][{t.LOWER_VN}]+(?: [{t.UPPER_VN}][{t.LOWER_VN}]+){{1,4}}$")
_RECIPIENT = re.compile(r"^(?:Nơi nhận\s*:?|[-~•+*]\s*-?\s*[^,]*,?\.?)\s*")
_POSITION_WORDS = (
    "BÍ THƯ",
    "CHỦ TỊCH",
    "CHỦ NHIỆM",
    "TRƯỞNG",
    "CHÁNH",
    "GIÁM ĐỐC",
    "BỘ TRƯỞNG",
    "THỨ TRƯỞNG",
    "PHÓ",
    "VIỆN TRƯỞNG",
    "TỔNG",
    "CỤC TRƯỞNG",
    "VỤ TRƯỞNG",
    "THƯỜNG TRỰC",
    "ỦY VIÊN",
)


# the words positions are made of: debris before them on the line is not part of the position
_UNIT_WORDS = "BAN VĂN PHÒNG KIỂM TRA TỔ CHỨC TUYÊN GIÁO DÂN VẬN THƯỜNG VỤ BỘ CHÍNH TRỊ THỊ XÃ"
_POSITION_VOCABULARY = frozenset(f"{' '.join(_POSITION_WORDS)} {_UNIT_WORDS}".split())


def _upper_tail(line: str) -> str:
    """The upper-case words at the end of a line ("- Như trên, PHÓ BÍ THƯ" -> "PHÓ BÍ THƯ"), without
    debris before the position's first word ("THỦ DU PHÓ BÍ THƯ" -> "PHÓ BÍ THƯ")."""
    words = line.split(" ")
    tail: list[str] = []
    for word in reversed(words):
        if word and t.is_upper(word) and not re.search(r"[,;]$", word):
            tail.insert(0, word)
        else:
            break
    if any(word in _POSITION_VOCABULARY for word in tail):
        while tail and tail[0] not in _POSITION_VOCABULARY:
            tail.pop(0)
    return " ".join(tail).strip(" .,")


def signature(lines: list[str]) -> tuple[Field, Field]:
    """Signer's name (the last name-like line of the document) and position (upper case, above it)."""
    tail = [line for line in lines if line][-14:]
    name_index = None
    for index in range(len(tail) - 1, -1, -1):
        candidate = tail[index].strip(" .")
        if _NAME.match(candidate) and not candidate.startswith(("Nơi", "Như", "Lưu", "Thường")):
            name_index = index
            break
    if name_index is None:
        return Field("", 0.0), Field("", 0.0)
    name = tail[name_index].strip(" .")
    position = ""
    evidence = ""
    authority_seen = False
    for line in tail[:name_index]:
        if AUTHORITY.search(line):
            authority_seen = True
            continue
        upper = _upper_tail(line)
        if upper and len(upper) >= 3 and any(w in upper for w in _POSITION_WORDS):
            position, evidence = upper, line
            if authority_seen:
                break
    if not position:  # the position alone on the authority line's right ("Nơi nhận: TRƯỞNG BAN")
        for line in tail[:name_index]:
            upper = _upper_tail(line)
            if upper and any(w in upper for w in _POSITION_WORDS) and not AUTHORITY.search(line):
                position, evidence = upper, line
    name_conf = 0.9 if name_index >= len(tail) - 3 else 0.7
    return Field(name, name_conf, tail[name_index]), Field(position, 0.85 if position else 0.0, evidence)


# --- urgency and secrecy ----------------------------------------------------------------------------
URGENCY_MARKS = [
    ("HỎA TỐC", "flash"),
    ("HOẢ TỐC", "flash"),
    ("THƯỢNG KHẨN", "very_urgent"),
    ("KHẨN", "urgent"),
]
SECRECY_MARKS = [("TUYỆT MẬT", "top_secret"), ("TỐI MẬT", "secret"), ("MẬT", "confidential")]


def _mark(lines: list[str], marks: list[tuple[str, str]], default: str) -> Field:
    for line in lines[:30]:
        clean = t.squash(re.sub(r"[^\wÀ-ỹĐđ ]", " ", line))
        for word, value in marks:
            # a stamp is a short upper-case line of its own (or the start of one), never running text
            if (
                re.search(rf"(?:^|\s){word}(?:\s|$)", clean)
                and len(clean) <= len(word) + 12
                and t.is_upper(clean)
            ):
                return Field(value, 0.85, line)
    return Field(default, 0.9)


def _place_as_in_header(place: Field, header: list[str]) -> None:
    """The place as the header spells it when the header names it ("Đặk Nông" read in the italic date
    line, "ĐẮK NÔNG" in the issuer's name): the header is upright and larger, so read better."""
    from core.vn import fold

    words = place.value.split() if isinstance(place.value, str) else []
    if not words:
        return
    want = [fold(w) for w in words]
    for line in header:
        tokens = [tok.strip(".,;:") for tok in t.repair_upper(t.upper_run(line)).split()]
        keys = [fold(tok) for tok in tokens]
        for i in range(len(tokens) - len(want) + 1):
            if keys[i : i + len(want)] == want:
                spelled = " ".join(tok[:1] + tok[1:].lower() for tok in tokens[i : i + len(want)])
                if spelled != place.value:
                    place.value = spelled
                    place.confidence = max(place.confidence, 0.85)
                else:
                    place.confidence = max(place.confidence, 0.95)
                return
    # a damaged reading of a place the header names after a level word ("Nông" or "Đá Nông" in the date
    # line, "ĐẢNG BỘ TỈNH ĐẮK NÔNG" in the header)
    read = fold(" ".join(words))
    for line in header:
        letters = (re.sub(r"[\W\d_]+", "", tok) for tok in t.repair_upper(t.upper_run(line)).split())
        tokens = [tok for tok in letters if tok]
        for i, token in enumerate(tokens[:-1]):
            if token not in ("TỈNH", "HUYỆN", "XÃ", "PHƯỜNG", "QUẬN", "PHỐ", "ỦY"):
                continue
            named = tokens[i + 1 :]
            if 1 <= len(named) <= 4 and _same_place_damaged(fold(" ".join(named)), read):
                place.value = " ".join(tok[:1] + tok[1:].lower() for tok in named)
                place.confidence = min(max(place.confidence, 0.7), 0.8)
                return


# --- issuer from the number-symbol -----------------------------------------------------------------
# The issuing body's code after the slash of a Party number-symbol (HD 36; regulations.md §3.3) names the
# body up to its place: "…/TU" is the Tỉnh ủy, "…/BTGTU" its Ban Tuyên giáo. Codes whose body is
# ambiguous (TW, ĐU, ThU) are left out.
_PROVINCE_BODIES = {
    "": "",
    "VP": "Văn phòng ",
    "BTC": "Ban Tổ chức ",
    "BTG": "Ban Tuyên giáo ",
    "BTGDV": "Ban Tuyên giáo và Dân vận ",
    "BDV": "Ban Dân vận ",
    "BNC": "Ban Nội chính ",
    "UBKT": "Ủy ban Kiểm tra ",
}
_COMMITTEES = {"TU": "Tỉnh ủy", "HU": "Huyện ủy", "QU": "Quận ủy"}
_CENTRAL = {"VPTW": "Văn phòng Trung ương Đảng", "BTCTW": "Ban Tổ chức Trung ương"}
_CITIES = {"ha noi", "ho chi minh", "hai phong", "da nang", "can tho", "hue"}  # "Thành ủy", not "Tỉnh ủy"


def issuer_from_symbol(number: str, place: str) -> str:
    """The issuer a Party number-symbol names ("12-TB/BTGTU" in Đắk Nông -> "Ban Tuyên giáo Tỉnh ủy Đắk
    Nông"), or "" when its code is not one of a known body or no place is known for it."""
    from core.vn import fold

    match = re.search(r"/([A-ZĐa-zđ]+)(?:-|$)", number)
    if match is None:
        return ""
    code = match.group(1)
    if code in _CENTRAL:
        return _CENTRAL[code]
    for committee, name in _COMMITTEES.items():
        if code.endswith(committee) and code[: -len(committee)] in _PROVINCE_BODIES and place:
            if committee == "TU" and fold(place) in _CITIES:
                name = "Thành ủy"
            return f"{_PROVINCE_BODIES[code[: -len(committee)]]}{name} {place}"
    return ""


def _issuer_checked_by_symbol(found: Field, number: Field, place: Field, profile: str) -> Field:
    """The issuer read in the header, checked against the one its number-symbol names.

    Agreeing (diacritics and spaces aside): the dictionary spelling is kept ("Tĩnh Uy" -> "Tỉnh ủy");
    nothing readable in the header: the symbol's issuer, marked unsure; disagreeing: the header's reading,
    marked unsure."""
    from difflib import SequenceMatcher

    from core.vn import fold

    if profile != "party" or not number.value:
        return found
    expected = issuer_from_symbol(str(number.value), str(place.value or ""))
    if not expected:
        return found
    line = found.line or number.line
    if not found.value:
        return Field(expected, 0.7, line)
    kept = _header_place_kept(str(found.value), expected, str(place.value or ""))
    if kept:  # the body the symbol names, with the place as the header writes it
        return Field(kept, max(found.confidence, 0.9), line)
    got, want = fold(str(found.value)).replace(" ", ""), fold(expected).replace(" ", "")
    if got == want:
        return Field(expected, max(found.confidence, 0.9), line)
    if SequenceMatcher(None, got, want).ratio() >= 0.8:  # a damaged reading of the same name
        return Field(expected, 0.8, line)
    if not issuer_valid(str(found.value)):  # the header read as no name at all ("Tỉìnhủy Sông Lam")
        return Field(expected, 0.7, line)
    return Field(found.value, min(found.confidence, 0.6), line)


def _capitalised(word: str) -> bool:
    """A capitalised word ("Đầm"), not a lower-case one ("ủy") nor one with capitals inside ("YENHưng")."""
    return len(word) >= 2 and word[0].isupper() and word[1:].islower() and word.isalpha()


def _header_place_kept(found: str, expected: str, place: str) -> str:
    """The symbol's body with the header's place, when the header reads the same body and a place that
    the date line's reading only damages: a word lost ("Huyện ủy Đầm Dơi" in the header, "Dơi" in the
    italic date line) or debris glued before it ("YENHưng Nguyên"). "" when that is not the case."""
    from core.vn import fold

    if not place or not expected.endswith(place):
        return ""
    body = expected[: -len(place)].strip()
    size = len(body.split())
    words = found.split()
    if len(words) <= size or fold(" ".join(words[:size])).replace(" ", "") != fold(body).replace(" ", ""):
        return ""
    header_place = words[size:]
    if not all(_capitalised(word) for word in header_place):
        return ""
    header_key, place_key = fold(" ".join(header_place)), fold(place)
    if header_key == place_key:
        return f"{body} {place}"
    if _same_place_damaged(header_key, place_key):
        return f"{body} {' '.join(header_place)}"
    return ""


def _same_place_damaged(named: str, read: str) -> bool:
    """Two folded readings of one place, the second (the italic date line's) damaged: a word lost
    ("dam doi" / "doi"), debris glued before it ("hung nguyen" / "yenhung nguyen") or a letter or two
    misread ("dam doi" / "dam dooi")."""
    from difflib import SequenceMatcher

    joined_named, joined_read = named.replace(" ", ""), read.replace(" ", "")
    if len(joined_named) < 4 or joined_named == joined_read:  # spaced apart only: the date line's kept
        return False
    misread = len(named.split()) == len(read.split()) and SequenceMatcher(None, named, read).ratio() >= 0.8
    return named.endswith(" " + read) or joined_read.endswith(joined_named) or misread


def _place_completed_by_issuer(place: Field, issuer_name: str) -> None:
    """The date line's place taken from the issuer's name when both name the same place and the italic
    date line's reading is damaged (``_same_place_damaged``): "Nông" for "Đắk Nông", "YENHưng Nguyên",
    "Đầm Dớơi". The issuer's place is its trailing capitalised words ("Ủy ban nhân dân tỉnh Quảng Ngãi")."""
    from core.vn import fold

    where = str(place.value or "")
    if not where or not issuer_name:
        return
    tail: list[str] = []
    for word in reversed(issuer_name.split()):
        if not _capitalised(word):
            break
        tail.insert(0, word)
    if not tail or len(tail) == len(issuer_name.split()):
        return
    named, read = fold(" ".join(tail)), fold(where)
    if named == read:
        return
    if _same_place_damaged(named, read):
        place.value = " ".join(tail)
        place.confidence = min(place.confidence, 0.8)


def _spaced_as_in_page(zone: list[str], page: list[str]) -> list[str]:
    """Upper-case words the header zone read joined ("HƯNGLỘC", "TÍNHĐĂKNÔNG") replaced by the words the
    page's own reading of the same header has apart ("HƯNG LỘC", "TỈNH ĐẮK NÔNG"): two independent
    readings, one of them spaced."""
    from core.vn import fold

    runs: dict[str, str] = {}  # folded "hungloc" -> "HƯNG LỘC"
    for line in page:
        tokens = [tok for tok in re.findall(r"\w+", line) if t.is_upper(tok)]
        for size in (2, 3, 4, 5):
            for i in range(len(tokens) - size + 1):
                run = tokens[i : i + size]
                if all(len(tok) >= 2 for tok in run):
                    runs.setdefault(fold("".join(run)), " ".join(run))

    def respace(match: re.Match[str]) -> str:
        word = match.group(0)
        if len(word) < 5 or not t.is_upper(word):
            return word
        return runs.get(fold(word), word)

    return [re.sub(r"\w+", respace, line) for line in zone]


def _place_spaced_as_dated(found: Field, place: Field) -> None:
    """The issuer's trailing place spaced as the date line writes it ("Tỉnh ủy Đắknông" -> "Tỉnh ủy Đắk
    Nông"): a wide header letter-spacing makes Tesseract join or split the place's words."""
    from core.vn import fold

    name, where = str(found.value or ""), str(place.value or "")
    if not name or not where:
        return
    key = fold(where).replace(" ", "")
    words = name.split(" ")
    for size in range(1, min(4, len(words) - 1) + 1):
        tail = words[-size:]
        if fold("".join(tail)) == key and len(tail) != len(where.split()):
            found.value = " ".join([*words[:-size], where])
            return


# --- all together -----------------------------------------------------------------------------------


def extract(sources: Sources) -> Extraction:
    pages = sources.text.split("\f")
    first = t.lines_of(pages[0] if pages else "")
    last = t.lines_of(pages[-1] if pages else "")
    left = t.lines_of(sources.header_left) if sources.header_left.strip() else []
    right = t.lines_of(sources.header_right) if sources.header_right.strip() else []
    result = Extraction()

    numbers = [found for found in (number_symbol(left), number_symbol(first)) if found[0].value]
    number, profile, code = numbers[0] if numbers else (Field("", 0.0), "", "")
    result.profile = profile or ("party" if any("ĐẢNG CỘNG SẢN" in line for line in first[:5]) else "state")
    result.fields["number_symbol"] = number
    place, issued = place_and_date(right + first + left)
    result.fields["issued_date"] = issued
    result.fields["place"] = place
    if left:
        left = _spaced_as_in_page(left, first[:15])
    # the zone's reading of the issuer, or the page's when the zone's does not read as a name
    readings = [issuer(left, zoned=True)] if left else []
    if not readings or not issuer_valid(str(readings[0].value)):
        readings.append(issuer(first, zoned=False))
    result.fields["issuer_name"] = next(
        (found for found in readings if issuer_valid(str(found.value))),
        next((found for found in readings if found.value), readings[0]),
    )
    # the zone's reading of the number, or the page's when only that one has the regulations' shape
    good = [
        found
        for found in numbers
        if number_symbol_valid(str(found[0].value), found[1])
        and symbol_matches_issuer(str(found[0].value), str(result.fields["issuer_name"].value))
    ]
    if good and good[0] is not numbers[0]:
        number, profile, code = good[0]
        result.profile = profile
        result.fields["number_symbol"] = number
    if len({number_part(str(found[0].value)) for found in numbers}) > 1:  # two readings, two numbers
        number.confidence = min(number.confidence, 0.5)
    _place_as_in_header(place, (left or first)[:8])  # the zone's reading of the header is the better one
    _place_spaced_as_dated(result.fields["issuer_name"], place)
    result.fields["issuer_name"] = _issuer_checked_by_symbol(
        result.fields["issuer_name"], number, place, result.profile
    )
    _place_completed_by_issuer(place, str(result.fields["issuer_name"].value or ""))
    doc_type, subject = title_and_subject(first, code, left)
    if not subject.value and right:
        alt_type, alt_subject = title_and_subject(right, code)
        if alt_subject.value:
            doc_type, subject = alt_type, alt_subject
    result.fields["doc_type"] = doc_type
    result.fields["subject"] = subject
    signer, position = signature(last)
    result.fields["signer_name"] = signer
    result.fields["signer_position"] = position
    marks = left + first[:20]
    result.fields["urgency"] = _mark(marks, URGENCY_MARKS, "normal")
    result.fields["secrecy"] = _mark(marks, SECRECY_MARKS, "none")
    return result


__all__ = ["FIELDS", "TITLES", "Extraction", "Field", "Sources", "extract"]
