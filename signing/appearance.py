"""Where signatures show on the page and how they look (NĐ 30 PL-I II.7.d, II.8, III.1.d).

* the person's signature: their blue handwritten signature (transparent PNG) in a box the caller gives,
  centred between the position line and the name;
* the organisation's seal: the red seal at its real size, overlapping about a third of the signature box
  on its left, vertically centred on it;
* the text stamp, Times 10, black, top right of page 1, no image: on annexes in separate files the
  number-symbol and the signing time (ISO 8601, +07:00); on electronic copies (cell 14) the copy form
  ("SAO Y", "SAO LỤC", "TRÍCH SAO"), the copying body's name and the signing time
  (``copy_stamp_text``). The box grows with the text (never smaller than the annex stamp's 160 × 40 pt).
"""

from __future__ import annotations

import functools
import io
import math
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from PIL import Image, ImageDraw, ImageFont
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import StaticStampStyle, TextStampStyle

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MM = 72 / 25.4  # PDF points per millimetre
STAMP_FONT_SIZE = 10
STAMP_SIZE = (160.0, 40.0)  # width, height in points (the smallest box)
STAMP_MARGIN = 20.0
STAMP_LEADING = 12  # points from line to line: single spacing for Times 10 with Vietnamese accents
STAMP_MAX_WIDTH = 240.0  # a longer body name wraps onto the next line
SAMPLE_TIME = "2026-12-28T20:28:28+07:00"  # as wide as any signing time
BLUE = (22, 50, 170, 255)
RED = (215, 25, 32, 255)


@dataclass(frozen=True)
class Box:
    """A rectangle on one page: page index from 0, corners in PDF points (origin bottom-left)."""

    page: int
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def width(self) -> float:
        return self.x2 - self.x1

    @property
    def height(self) -> float:
        return self.y2 - self.y1

    @property
    def rect(self) -> tuple[int, int, int, int]:
        # pyHanko's SigFieldSpec takes a 4-tuple; keep the tenths of a point by not rounding here
        return (self.x1, self.y1, self.x2, self.y2)  # type: ignore[return-value]


def seal_box(signature: Box, size_mm: float = 35.0) -> Box:
    """The seal at real size: its right edge one third into the signature box, vertically centred on it."""
    size = size_mm * MM
    right = signature.x1 + signature.width / 3
    middle = (signature.y1 + signature.y2) / 2
    return Box(
        signature.page,
        round(right - size, 1),
        round(middle - size / 2, 1),
        round(right, 1),
        round(middle + size / 2, 1),
    )


def stamp_box(page_width: float, page_height: float, text: str = "") -> Box:
    """Top right of page 1, large enough for the lines of ``text`` followed by the signing time."""
    lines = [*text.splitlines(), SAMPLE_TIME] if text else []
    width = max([STAMP_SIZE[0], *(math.ceil(text_width(line)) + 2 for line in lines)])
    height = max(STAMP_SIZE[1], len(lines) * STAMP_LEADING + 4)
    return Box(
        0,
        page_width - STAMP_MARGIN - width,
        page_height - STAMP_MARGIN - height,
        page_width - STAMP_MARGIN,
        page_height - STAMP_MARGIN,
    )


def text_width(text: str, size: float = STAMP_FONT_SIZE) -> float:
    """Width in points of ``text`` in the stamp font at ``size``."""
    return _measuring_font(stamp_font()).getlength(text) * size / 1000


@functools.lru_cache(maxsize=4)
def _measuring_font(path: str) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, 1000)  # 1000 px per em: lengths in thousandths of the font size


def wrap(text: str, width: float = STAMP_MAX_WIDTH) -> list[str]:
    """``text`` in lines no wider than ``width`` points (a single word longer than that stays whole)."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def copy_stamp_text(form_label: str, body_name: str) -> str:
    """The lines an electronic copy's stamp shows before the signing time (NĐ 30 PL-I, cell 14): the
    copy form ("SAO Y", "SAO LỤC", "TRÍCH SAO") and the copying body's name, wrapped to the stamp."""
    return "\n".join([form_label, *wrap(body_name)])


def now_iso() -> str:
    """Signing time for the stamp text, e.g. 2026-03-05T10:15:30+07:00."""
    return datetime.now(VN_TZ).isoformat(timespec="seconds")


# --- styles ----------------------------------------------------------------------------------------------

_FULL_BOX = layout.SimpleBoxLayoutRule(
    x_align=layout.AxisAlignment.ALIGN_MID,
    y_align=layout.AxisAlignment.ALIGN_MID,
    margins=layout.Margins.uniform(0),  # pyHanko's default 5 pt margin would shrink the image
    inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
)


def image_style(png: bytes) -> StaticStampStyle:
    """Appearance = only the transparent PNG (RGBA → image XObject with /SMask), fitted to the box."""
    image: Image.Image = Image.open(io.BytesIO(png))
    image.load()
    if image.mode != "RGBA":
        image = image.convert("RGBA")
    return StaticStampStyle(
        background=PdfImage(image),
        background_opacity=1.0,
        border_width=0,
        background_layout=_FULL_BOX,
    )


_font_lock = threading.Lock()


def stamp_font() -> str:
    """Liberation Serif (Times New Roman metrics) rescaled to 1000 units/em, cached in SIGNING_FONT_DIR.

    pyHanko 0.38 writes glyph advances in font units into the CIDFont /W array, which PDF reads as
    1/1000 em: a 2048-unit font (Liberation, Times New Roman) would render twice too wide."""
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    from reports.fonts import find_family

    source = find_family().regular
    target = Path(settings.SIGNING_FONT_DIR) / f"{source.stem}-1000upem.ttf"
    with _font_lock:
        if not target.exists():
            font = TTFont(str(source))
            if font["head"].unitsPerEm == 1000:
                return str(source)
            scale_upem(font, 1000)
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(".tmp")
            font.save(str(tmp))
            tmp.replace(target)
    return str(target)


def text_stamp_style() -> TextStampStyle:
    """``%(number)s`` (one or more lines: the number-symbol, or a copy's form and body) and
    ``%(signed_at)s``, flush top right, 10 pt, black, no border."""
    return TextStampStyle(
        stamp_text="%(number)s\n%(signed_at)s",
        text_box_style=TextBoxStyle(
            font=GlyphAccumulatorFactory(stamp_font(), font_size=STAMP_FONT_SIZE),
            font_size=STAMP_FONT_SIZE,
            leading=STAMP_LEADING,
            box_layout_rule=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MIN,
                y_align=layout.AxisAlignment.ALIGN_MAX,
                margins=layout.Margins.uniform(0),
            ),
        ),
        border_width=0,
        background=None,
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MAX,
            y_align=layout.AxisAlignment.ALIGN_MAX,
            margins=layout.Margins.uniform(0),
            inner_content_scaling=layout.InnerScaling.NO_SCALING,
        ),
    )


# --- default images (demo data, or a person / organisation without their own image) ----------------------


def _font(size: int, *, italic: bool = False, bold: bool = False) -> ImageFont.FreeTypeFont:
    from reports.fonts import find_family

    family = find_family()
    path = family.italic if italic and family.italic else family.bold if bold else family.regular
    return ImageFont.truetype(str(path), size)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def default_signature_png(full_name: str) -> bytes:
    """A blue handwriting-like scribble over the last name, transparent background (560×260 px)."""
    image = Image.new("RGBA", (560, 260), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    seed = sum(ord(ch) for ch in full_name) or 1
    points = []
    for i in range(60):
        t = i / 59
        x = 40 + t * 460
        y = 120 + 55 * math.sin(t * math.pi * (3 + seed % 3)) * (1 - t * 0.6) + 20 * math.sin(t * 17 + seed)
        points.append((x, y))
    draw.line(points, fill=BLUE, width=6, joint="curve")
    draw.line([(70, 200), (260, 170), (480, 185)], fill=BLUE, width=4, joint="curve")
    last = full_name.split()[-1] if full_name.split() else full_name
    draw.text((280, 60), last, fill=BLUE, font=_font(64, italic=True), anchor="mm")
    return _png(image)


def default_seal_png(organization_name: str, size_px: int = 600) -> bytes:
    """A red round seal: two rings, the organisation's name around, a star in the middle."""
    image = Image.new("RGBA", (size_px, size_px), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    c = size_px / 2
    draw.ellipse((6, 6, size_px - 6, size_px - 6), outline=RED, width=14)
    draw.ellipse((size_px * 0.2, size_px * 0.2, size_px * 0.8, size_px * 0.8), outline=RED, width=6)
    # star
    star = []
    for k in range(10):
        r = size_px * (0.16 if k % 2 == 0 else 0.065)
        a = -math.pi / 2 + k * math.pi / 5
        star.append((c + r * math.cos(a), c + r * math.sin(a)))
    draw.polygon(star, fill=RED)
    # the name around, clockwise from the left
    text = organization_name.upper()
    font = _font(int(size_px * 0.075), bold=True)
    radius = size_px * 0.37
    span = math.radians(min(300, 14 * len(text)))
    start = -math.pi / 2 - span / 2
    for i, ch in enumerate(text):
        angle = start + span * (i + 0.5) / max(len(text), 1)
        glyph = Image.new("RGBA", (int(size_px * 0.12), int(size_px * 0.12)), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((glyph.width / 2, glyph.height / 2), ch, fill=RED, font=font, anchor="mm")
        glyph = glyph.rotate(-math.degrees(angle) - 90, resample=Image.Resampling.BICUBIC)
        x = c + radius * math.cos(angle) - glyph.width / 2
        y = c + radius * math.sin(angle) - glyph.height / 2
        image.alpha_composite(glyph, (int(x), int(y)))
    return _png(image)
