"""Document type names and codes of both profiles (documents.doctypes), as they are printed."""

from __future__ import annotations

import re

from core.vn import fold
from documents.doctypes import PARTY, STATE

TITLES: dict[str, str] = {}  # folded upper-case printed name -> code (longest names first when matching)
for _code, _name, _abbr in [*PARTY, *STATE]:
    TITLES.setdefault(fold(_name).upper(), _code)
TITLES["CONG VAN"] = "CV"
TITLES["QUY DINH"] = "QĐi"  # the Party's code; State documents say "QyĐ" in their number anyway
_CODES = {"party": {c for c, _, _ in PARTY}, "state": {c for c, _, _ in STATE}}
_FOLDED_CODES = {
    profile: {fold(c).upper(): c for c in sorted(codes, key=len)} for profile, codes in _CODES.items()
}


def canonical_code(code: str, profile: str) -> str | None:
    """A type code as registered ("QD" read without its bar -> "QĐ"); None when it is not a type code."""
    if code in _CODES[profile]:
        return code
    return _FOLDED_CODES[profile].get(fold(code).upper())


def code_for_title(line: str) -> str | None:
    """The type code when the line is a printed type name ("THÔNG BÁO", "QUYẾT ĐỊNH")."""
    # marks of one character around the title are scanner debris ("BÁO CÁO ˆ")
    clean = " ".join(word for word in re.sub(r"[^\w ]", " ", line).split() if len(word) > 1)
    if not clean or len(clean) > 30 or clean != clean.upper():
        return None
    key = re.sub(r"\s+", " ", fold(clean).upper())
    return TITLES.get(key)
