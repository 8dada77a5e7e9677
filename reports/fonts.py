"""TrueType fonts for PDF output that render Vietnamese (reportlab's built-in Type 1 fonts cannot).

``register_fonts()`` finds the first installed serif family with a regular and a bold face, registers it
with reportlab once per process (also as a family, so ``<b>`` and ``<i>`` work in paragraphs) and returns
the (regular, bold, italic) font names. Any app that draws PDFs with reportlab can reuse it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class FontFamily:
    name: str
    regular: Path
    bold: Path
    italic: Path | None = None


_LIBERATION = ("LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf", "LiberationSerif-Italic.ttf")
_DEJAVU = ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf")


def _family(name: str, folder: str, files: tuple[str, str, str]) -> FontFamily:
    base = Path(folder)
    return FontFamily(name, base / files[0], base / files[1], base / files[2])


# Tried in order; the first family whose regular and bold files exist wins.
CANDIDATES: list[FontFamily] = [
    _family("LiberationSerif", "/usr/share/fonts/truetype/liberation2", _LIBERATION),
    _family("LiberationSerif", "/usr/share/fonts/truetype/liberation", _LIBERATION),
    _family("DejaVuSerif", "/usr/share/fonts/truetype/dejavu", _DEJAVU),
]

_lock = threading.Lock()
_registered: tuple[str, str, str] | None = None


def find_family(candidates: list[FontFamily] | None = None) -> FontFamily:
    for family in candidates if candidates is not None else CANDIDATES:
        if family.regular.is_file() and family.bold.is_file():
            return family
    tried = ", ".join(str(f.regular.parent) for f in (candidates or CANDIDATES))
    raise ImproperlyConfigured(
        f"No TrueType font with Vietnamese glyphs found for PDF output (tried {tried}). "
        "Install fonts-liberation2 or fonts-dejavu-core."
    )


def register_fonts() -> tuple[str, str, str]:
    """Register the Vietnamese-capable serif family with reportlab; return (regular, bold, italic) names."""
    global _registered
    if _registered is not None:
        return _registered
    with _lock:
        if _registered is not None:
            return _registered
        from reportlab.lib.fonts import addMapping
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        family = find_family()
        regular = f"dh-{family.name}"
        bold = f"{regular}-Bold"
        italic = f"{regular}-Italic"
        pdfmetrics.registerFont(TTFont(regular, str(family.regular)))
        pdfmetrics.registerFont(TTFont(bold, str(family.bold)))
        if family.italic is not None and family.italic.is_file():
            pdfmetrics.registerFont(TTFont(italic, str(family.italic)))
        else:
            italic = regular
        addMapping(regular, 0, 0, regular)
        addMapping(regular, 1, 0, bold)
        addMapping(regular, 0, 1, italic)
        addMapping(regular, 1, 1, bold)
        _registered = (regular, bold, italic)
        return _registered
