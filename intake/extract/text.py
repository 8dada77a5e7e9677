"""Text helpers for OCR output: line clean-up, Vietnamese case rules, common OCR confusions."""

from __future__ import annotations

import re
import unicodedata

from core.vn import fold

UPPER_VN = "A-ZĐÀ-ỸĂÂÊÔƠƯ"
LOWER_VN = "a-zđà-ỹăâêôơư"


def nfc(text: str) -> str:
    # Tesseract sometimes writes the Icelandic eth (Ð, ð) for the Vietnamese đ, and doubles it
    text = unicodedata.normalize("NFC", text).replace("Ð", "Đ").replace("ð", "đ")
    return text.replace("ĐĐ", "Đ")


def lines_of(text: str) -> list[str]:
    """Lines with the OCR's stray marks at the edges removed; empty lines kept (they separate blocks)."""
    out = []
    for raw in nfc(text).replace("\r", "").split("\n"):
        line = re.sub(r"[ \t]+", " ", raw).strip()
        line = line.strip("`'\"‘’“”|_~^")
        out.append(line.strip())
    return out


def is_upper(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and sum(ch.isupper() for ch in letters) >= 0.85 * len(letters)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# Misreadings of Tesseract's Vietnamese model that are frequent in administrative prose (the diacritic is
# read on the wrong letter); applied to running text only, and only as whole words.
CONFUSIONS = {
    "tố chức": "tổ chức",
    "Tố chức": "Tổ chức",
    "chỉ phí": "chi phí",
    "Chỉ phí": "Chi phí",
    "chỉ bộ": "chi bộ",
    "Chỉ bộ": "Chi bộ",
    "thế chế": "thể chế",
    "kế hoạch": "kế hoạch",
    "cần bộ": "cán bộ",
    "đẳng viên": "đảng viên",
    "thiếu số": "thiểu số",  # "dân tộc thiểu số"
    "kiếm tra": "kiểm tra",
    "chuyển đối số": "chuyển đổi số",
    "chuyến đối số": "chuyển đổi số",
    "chuyến đổi số": "chuyển đổi số",
    "Kiếm tra": "Kiểm tra",
    "Thiếu số": "Thiểu số",
}


def fix_confusions(text: str) -> str:
    for wrong, right in CONFUSIONS.items():
        text = re.sub(rf"(?<!\w){re.escape(wrong)}(?!\w)", right, text)
    return text


# Words of organisation names in their written case (the rest of a name is a place: capitalised).
_CANONICAL = [
    "Ủy ban nhân dân",
    "Hội đồng nhân dân",
    "Ủy ban Mặt trận Tổ quốc Việt Nam",
    "Ủy ban Kiểm tra",
    "Ban Thường vụ",
    "Ban Chấp hành",
    "Ban Tổ chức",
    "Ban Tuyên giáo và Dân vận",
    "Ban Tuyên giáo",
    "Ban Dân vận",
    "Ban Nội chính",
    "Ban Chỉ đạo",
    "Ban cán sự đảng",
    "Văn phòng",
    "Đảng ủy",
    "Đảng bộ",
    "Đảng đoàn",
    "Chi bộ",
    "Tỉnh ủy",
    "Thành ủy",
    "Huyện ủy",
    "Quận ủy",
    "Thị ủy",
]
_NAME_WORDS = {c.lower(): c for c in _CANONICAL}
# generic unit words: the institution's own name after them starts with a capital (Sở Nội vụ)
_GENERIC = ["tổng cục", "ủy ban", "sở", "phòng", "bộ", "cục", "vụ", "ban", "trung tâm", "viện"]
LEVELS = ["thành phố", "thị trấn", "thị xã", "tỉnh", "huyện", "xã", "phường", "quận", "đặc khu"]


def _vn_lower(text: str) -> str:
    return nfc(text).lower()


def _cap(word: str) -> str:
    return word[:1].upper() + word[1:] if word else word


def _canonical_oy(text: str) -> str:
    """Old and new tone placement ("uỷ"/"ủy", "hoà"/"hòa") folded to the form used in names here."""
    replacements = {"uỷ": "ủy", "hoà": "hòa", "hoá": "hóa", "thuỷ": "thủy", "toà": "tòa", "khoẻ": "khỏe"}
    for old, new in replacements.items():
        text = text.replace(old, new)
    return text


def _starts(words: list[str], i: int, phrase: str) -> bool:
    size = phrase.count(" ") + 1
    return " ".join(words[i : i + size]) == phrase


def name_case(upper_line: str) -> str:
    """ "TỈNH ỦY SÔNG LAM" -> "Tỉnh ủy Sông Lam"; "ỦY BAN NHÂN DÂN TỈNH SÔNG LAM" ->
    "Ủy ban nhân dân tỉnh Sông Lam"; "BAN TỔ CHỨC" -> "Ban Tổ chức"; "SỞ NỘI VỤ" -> "Sở Nội vụ"."""
    words = _canonical_oy(_vn_lower(squash(upper_line))).split(" ")
    out: list[str] = []
    i = 0
    while i < len(words):
        unit = next((u for u in sorted(_NAME_WORDS, key=len, reverse=True) if _starts(words, i, u)), None)
        if unit is not None:
            out.append(_NAME_WORDS[unit])
            i += unit.count(" ") + 1
            continue
        level = next((lv for lv in LEVELS if _starts(words, i, lv)), None)
        if level is not None:
            out.append(_cap(level) if not out else level)
            i += level.count(" ") + 1
            continue
        generic = next((g for g in _GENERIC if _starts(words, i, g)), None)
        if generic is not None and i + generic.count(" ") + 1 < len(words):
            out.append(_cap(generic) if not out else generic)
            i += generic.count(" ") + 1
            # the institution's own name: first word capitalised, the rest lower case, up to a level
            # word or a committee ("Sở Tài nguyên và Môi trường" keeps "và" lower; each noun capital)
            out.append(_cap(words[i]))
            i += 1
            while i < len(words) and not any(_starts(words, i, lv) for lv in LEVELS):
                if any(_starts(words, i, u) for u in _NAME_WORDS):
                    break
                out.append(words[i] if words[i - 1] != "và" else _cap(words[i]))
                i += 1
            continue
        out.append(_cap(words[i]))
        i += 1
    return " ".join(out)


_UPPER_PHRASES = sorted(
    {c.upper() for c in _CANONICAL} | {lv.upper() for lv in LEVELS} | {"ỦY BAN", "SỞ", "BỘ", "BAN"},
    key=lambda p: -len(p.split()),
)


_SHORT_START = {"ỦY", "UỶ", "XÃ", "SỞ", "BỘ", "VỤ"}


def _key(text: str) -> str:
    return fold(text).upper().replace(" ", "")


# glued words ("ỦYBANNHÂNDÂN", "TỈNHỦY"): any run of two or more words of a phrase, without spaces
_GLUED: dict[str, list[str]] = {}
for _phrase in _UPPER_PHRASES:
    _words = _phrase.split()
    for _start in range(len(_words)):
        for _end in range(_start + 2, len(_words) + 1):
            _GLUED.setdefault(_key(" ".join(_words[_start:_end])), _words[_start:_end])
NATIONAL = ("CONG HOA XA HOI CHU NGHIA VIET NAM", "DOC LAP TU DO HANH PHUC", "DANG CONG SAN VIET NAM")


def upper_run(line: str) -> str:
    """The longest run of upper-case words of a line (scanner debris and stray lower-case words around
    a header line dropped)."""
    best: list[str] = []
    run: list[str] = []
    for token in line.split():
        letters = [ch for ch in token if ch.isalpha()]
        if letters and all(ch.isupper() for ch in letters):
            run.append(token)
            if len(run) > len(best):
                best = list(run)
        elif letters:
            run = []
    return " ".join(best)


def cut_national(tokens: list[str]) -> list[str]:
    """Drop the start of the right column's national title caught at the end of a left header line
    ("ỦY BAN NHÂN DÂN CỘN" -> "ỦY BAN NHÂN DÂN")."""
    keys = [fold(token).upper() for token in tokens]
    for i in range(1, len(tokens)):
        for phrase in NATIONAL:
            words = phrase.split()
            tail = keys[i:]
            if len(tail) > len(words):
                continue
            whole = all(a == b for a, b in zip(tail[:-1], words, strict=False))
            if whole and words[len(tail) - 1].startswith(tail[-1]) and len(tail[-1]) >= 3:
                if words[0] == "DANG" and len(tail) == 1:
                    continue  # "… ĐẢNG" alone may belong to a name
                return tokens[:i]
    return tokens


def repair_upper(line: str) -> str:
    """An upper-case header line with the diacritics of institution words restored ("TĨNH UY" ->
    "TỈNH ỦY", matched without diacritics), glued words split, one-letter debris at its ends and the
    start of the national title caught from the right column dropped."""
    tokens: list[str] = []
    for token in line.split():
        tokens.extend(_GLUED.get(_key(token), [token]))
    tokens = cut_national(tokens)
    # two-letter debris before a name ("TB ỦY BAN …"), or after a unit's name, where no place follows
    # ("BAN TỔ CHỨC TỊ"); real short words there are few and known
    while len(tokens) > 1 and len(tokens[0]) <= 2 and tokens[0] not in _SHORT_START:
        tokens.pop(0)
    if len(tokens) > 1 and len(tokens[-1]) <= 2:
        head = " ".join(tokens[:-1])
        if any(head.endswith(unit.upper()) for unit in _CANONICAL):
            tokens.pop()
    while tokens and len(tokens[-1]) == 1:
        tokens.pop()
    while tokens and len(tokens[0]) == 1:
        tokens.pop(0)
    keys = [fold(token).upper() for token in tokens]
    i = 0
    while i < len(tokens):
        for phrase in _UPPER_PHRASES:
            words = phrase.split()
            size = len(words)
            # a level word alone only before a place name ("HÀ TĨNH" is a place, not "tỉnh")
            single_ok = phrase in ("TỈNH", "HUYỆN", "PHƯỜNG", "QUẬN") and i + 1 < len(tokens)
            if (size > 1 or single_ok) and keys[i : i + size] == [fold(w).upper() for w in words]:
                tokens[i : i + size] = words
                i += size - 1
                break
        i += 1
    return " ".join(tokens)


def folded(text: str) -> str:
    return fold(text).upper()
