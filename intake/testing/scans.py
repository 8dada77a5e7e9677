"""Synthetic scans for tests, the accuracy command and the bench: a document laid out like a Party
(HD 36) or State (NĐ 30) document, drawn with reportlab, rasterised with pdftoppm and degraded with
Pillow (rotation, speckle, blur), saved as an image-only PDF, PNG or TIFF, with its true metadata in the
JSON format of the shared samples.
"""

from __future__ import annotations

import io
import random
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

FONT_DIR = Path("/usr/share/fonts/truetype/liberation2")
BODY = [
    "Thực hiện chương trình công tác năm {year}, các cơ quan, đơn vị đã chủ động triển khai "
    "các nhiệm vụ được giao.",
    "Việc tiếp nhận, xử lý văn bản trên môi trường mạng được duy trì thường xuyên, bảo đảm đúng thời hạn.",
    "Các cơ quan tham mưu phối hợp chặt chẽ, báo cáo kết quả về Văn phòng để tổng hợp.",
    "Trong quá trình thực hiện, nếu có vướng mắc, đề nghị phản ánh kịp thời để xem xét, giải quyết.",
    "Hệ thống hội nghị truyền hình trực tuyến hoạt động ổn định, phục vụ tốt các cuộc họp.",
    "Đến nay đã số hóa hơn {n}.000 trang tài liệu, phục vụ tốt việc tra cứu, khai thác thông tin.",
]


@dataclass
class Doc:
    layout: str  # "party" | "state"
    header: list[str]  # upper-case issuer lines (parent first)
    issuer: str  # the expected issuer name
    number_symbol: str
    doc_type_code: str
    doc_type: str  # printed type name (upper case), "" for công văn
    issued: date
    place: str
    subject: str
    signer: str
    signer_position: str
    on_behalf: str = ""
    urgency: str = ""  # printed mark, e.g. "KHẨN"
    secrecy: str = ""  # printed mark, e.g. "MẬT"
    pages: int = 1
    extra: dict[str, Any] = field(default_factory=dict)

    def truth(self) -> dict[str, Any]:
        urgency = {"": "normal", "KHẨN": "urgent", "THƯỢNG KHẨN": "very_urgent", "HỎA TỐC": "flash"}
        secrecy = {"": "none", "MẬT": "confidential", "TỐI MẬT": "secret", "TUYỆT MẬT": "top_secret"}
        return {
            "issuer": self.issuer,
            "issuer_kind": self.layout,
            "number_symbol": self.number_symbol,
            "doc_type_code": self.doc_type_code,
            "issued_date": self.issued.isoformat(),
            "place": self.place,
            "subject": self.subject,
            "signer": self.signer,
            "signer_position": self.signer_position,
            "on_behalf": self.on_behalf,
            "urgency": urgency[self.urgency],
            "secrecy": secrecy[self.secrecy],
        }


def _fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "Serif" in pdfmetrics.getRegisteredFontNames():
        return
    for name, file in (
        ("Serif", "LiberationSerif-Regular.ttf"),
        ("Serif-Bold", "LiberationSerif-Bold.ttf"),
        ("Serif-Italic", "LiberationSerif-Italic.ttf"),
    ):
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, current = [], ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if stringWidth(trial, font, size) > width and current:
            lines.append(current)
            current = word
        else:
            current = trial
    return [*lines, current] if current else lines


def render_pdf(doc: Doc, *, seed: int = 0) -> bytes:
    """The document as a born-digital PDF (A4, Times-like font, sizes of HD 36 / NĐ 30)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    _fonts()
    rng = random.Random(seed)
    width, height = A4
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    left_c, right_c = 30 * mm + 40 * mm, width - 15 * mm - 55 * mm
    y = height - 20 * mm
    # header: issuer block left, national title right
    lines_left = list(doc.header)
    for i, line in enumerate(lines_left):
        pdf.setFont("Serif-Bold" if i == len(lines_left) - 1 else "Serif", 13)
        pdf.drawCentredString(left_c, y - i * 6 * mm, line)
    if doc.layout == "party":
        pdf.setFont("Serif-Bold", 14)
        pdf.drawCentredString(right_c, y, "ĐẢNG CỘNG SẢN VIỆT NAM")
        ly = y - len(lines_left) * 6 * mm
        pdf.setFont("Serif", 13)
        pdf.drawCentredString(left_c, ly, "*")
        pdf.drawCentredString(left_c, ly - 6 * mm, f"Số {doc.number_symbol}")
        date_y = y - 8 * mm
    else:
        pdf.setFont("Serif-Bold", 12)
        pdf.drawCentredString(right_c, y, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
        pdf.setFont("Serif-Bold", 13)
        pdf.drawCentredString(right_c, y - 6 * mm, "Độc lập - Tự do - Hạnh phúc")
        ly = y - len(lines_left) * 6 * mm
        pdf.setFont("Serif", 13)
        pdf.drawCentredString(left_c, ly, f"Số: {doc.number_symbol}")
        date_y = y - 15 * mm
    d = doc.issued
    pdf.setFont("Serif-Italic", 13)
    pdf.drawCentredString(right_c, date_y, f"{doc.place}, ngày {d.day:02d} tháng {d.month:02d} năm {d.year}")
    marks_y = ly - 14 * mm
    pdf.setFont("Serif-Bold", 13)
    for mark in (doc.secrecy, doc.urgency):
        if mark:
            pdf.drawCentredString(left_c, marks_y, mark)
            marks_y -= 7 * mm
    y = min(marks_y, date_y - 12 * mm) - 8 * mm
    if doc.doc_type:
        pdf.setFont("Serif-Bold", 15)
        pdf.drawCentredString(width / 2, y, doc.doc_type)
        y -= 7 * mm
        subject = doc.subject[:1].lower() + doc.subject[1:] if doc.layout == "party" else doc.subject
        pdf.setFont("Serif-Bold", 13)
        for line in _wrap(subject, "Serif-Bold", 13, 150 * mm):
            pdf.drawCentredString(width / 2, y, line)
            y -= 6 * mm
        pdf.drawCentredString(width / 2, y, "-----")
        y -= 10 * mm
    else:  # công văn: "V/v" under the number, "Kính gửi" in the middle
        pdf.setFont("Serif", 12)
        for line in _wrap(f"V/v {doc.subject.lower()[:1]}{doc.subject[1:]}", "Serif", 12, 75 * mm):
            pdf.drawCentredString(left_c, ly - 6 * mm, line)
            ly -= 5 * mm
        y = min(y, ly - 12 * mm)
        pdf.setFont("Serif", 14)
        pdf.drawCentredString(width / 2, y, "Kính gửi: Các cơ quan, đơn vị")
        y -= 12 * mm
    for page in range(doc.pages):
        paragraphs = [p.format(year=d.year, n=rng.randint(10, 90)) for p in rng.sample(BODY, 4)]
        if page > 0:  # extra["markers"]: {page number: its own line}, else extra["marker"] on pages 2+
            default = doc.extra.get("marker", f"Trang {page + 1} của văn bản.")
            paragraphs.append(doc.extra.get("markers", {}).get(page + 1, default))
        pdf.setFont("Serif", 13)
        for para in paragraphs:
            for i, line in enumerate(_wrap(para, "Serif", 13, 160 * mm)):
                pdf.drawString(30 * mm + (10 * mm if i == 0 else 0), y, line)
                y -= 6.5 * mm
            y -= 2 * mm
        if page < doc.pages - 1:
            pdf.showPage()
            y = height - 25 * mm
    # signature block (last page): recipients left, authority/position/name right
    y -= 6 * mm
    sig_x = width - 15 * mm - 45 * mm
    pdf.setFont("Serif-Bold", 12)
    pdf.drawString(30 * mm, y, "Nơi nhận:")
    pdf.setFont("Serif", 11)
    for i, item in enumerate(["- Như trên,", "- Thường trực cấp ủy,", "- Lưu Văn phòng."]):
        pdf.drawString(30 * mm, y - (i + 1) * 5 * mm, item)
    pdf.setFont("Serif-Bold", 13)
    sy = y
    if doc.on_behalf:
        pdf.drawCentredString(sig_x, sy, doc.on_behalf)
        sy -= 6 * mm
    pdf.setFont("Serif-Bold" if not doc.on_behalf else "Serif", 13)
    pdf.drawCentredString(sig_x, sy, doc.signer_position)
    pdf.setFont("Serif-Bold", 13)
    pdf.drawCentredString(sig_x, sy - 28 * mm, doc.signer)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def rasterise(
    pdf: bytes, *, dpi: int = 150, rotate: float = 0.0, noise: float = 0.0, seed: int = 0, fade: float = 0.0
) -> list[Any]:
    """Pages as greyscale Pillow images, as a scanner would give them; ``fade`` (0..1) greys the paper and
    lightens the ink (a worn original or a photocopy)."""
    from PIL import Image, ImageFilter

    rng = random.Random(seed)
    images = []
    with tempfile.TemporaryDirectory(prefix="scan-") as tmp:
        src = Path(tmp) / "doc.pdf"
        src.write_bytes(pdf)
        command = ["pdftoppm", "-r", str(dpi), "-gray", "-png", str(src), str(Path(tmp) / "p")]
        subprocess.run(command, check=True)  # noqa: S603 (fixed command, our own temporary file)
        for path in sorted(Path(tmp).glob("p-*.png")):
            with Image.open(path) as page:
                image = page.convert("L")
            if rotate:
                image = image.rotate(rotate, resample=Image.Resampling.BILINEAR, expand=False, fillcolor=255)
            if fade:
                ink, paper = int(110 * fade), int(255 - 45 * fade)
                image = image.point([ink + (paper - ink) * v // 255 for v in range(256)])
            if noise:
                pixels = image.load()
                w, h = image.size
                for _ in range(int(w * h * noise / 100)):
                    pixels[rng.randrange(w), rng.randrange(h)] = rng.choice((0, 80, 200))  # type: ignore[index]
                image = image.filter(ImageFilter.GaussianBlur(0.4))
            image.info["dpi"] = (dpi, dpi)
            images.append(image)
    return images


def to_bytes(images: list[Any], fmt: str, dpi: int) -> bytes:
    """The pages as an image-only PDF, a (multi-page) TIFF, a PNG or a JPEG (first page)."""
    out = io.BytesIO()
    if fmt == "pdf":
        images[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    elif fmt == "tiff":
        images[0].save(
            out, "TIFF", dpi=(dpi, dpi), save_all=True, append_images=images[1:], compression="tiff_lzw"
        )
    elif fmt == "png":
        images[0].save(out, "PNG", dpi=(dpi, dpi))
    else:
        images[0].save(out, "JPEG", dpi=(dpi, dpi), quality=85)
    return out.getvalue()


def make_scan(
    doc: Doc,
    *,
    fmt: str = "pdf",
    dpi: int = 150,
    rotate: float = 0.0,
    noise: float = 0.0,
    seed: int = 0,
    fade: float = 0.0,
) -> bytes:
    pages = rasterise(render_pdf(doc, seed=seed), dpi=dpi, rotate=rotate, noise=noise, seed=seed, fade=fade)
    return to_bytes(pages, fmt, dpi)


# --- a varied corpus ------------------------------------------------------------------------------
PLACES = ["Đắk Nông", "Sông Lam", "Hà Tĩnh", "Thái Nguyên", "Cà Mau", "Quảng Ngãi", "Lâm Đồng", "Bắc Giang"]
NAMES = ["Nguyễn Văn Hùng", "Trần Thị Mai", "Lê Quang Vinh", "Phạm Đức Anh", "Võ Thị Hạnh", "Đặng Minh Tuấn"]
SUBJECTS = [
    "Triển khai công tác chuyển đổi số năm {year}",
    "Tổ chức hội nghị sơ kết công tác xây dựng Đảng 6 tháng đầu năm",
    "Kiểm tra việc thực hiện quy chế làm việc của cấp ủy",
    "Tăng cường công tác phòng, chống thiên tai và tìm kiếm cứu nạn",
    "Đôn đốc báo cáo kết quả thực hiện nhiệm vụ năm {year}",
    "Chuẩn bị nội dung hội nghị Ban Chấp hành lần thứ mười",
]
PARTY_TYPES = [
    ("TB", "THÔNG BÁO"),
    ("BC", "BÁO CÁO"),
    ("KH", "KẾ HOẠCH"),
    ("QĐ", "QUYẾT ĐỊNH"),
    ("HD", "HƯỚNG DẪN"),
    ("GM", "GIẤY MỜI"),
]
PROVINCE_BODIES = [
    ("BAN TỔ CHỨC", "Ban Tổ chức", "BTC"),
    ("BAN TUYÊN GIÁO", "Ban Tuyên giáo", "BTG"),
    ("BAN DÂN VẬN", "Ban Dân vận", "BDV"),
    ("VĂN PHÒNG", "Văn phòng", "VP"),
]
DISTRICTS = ["Hưng Nguyên", "Krông Nô", "Đầm Dơi", "Bảo Lâm"]
STATE_TYPES = [("BC", "BÁO CÁO"), ("KH", "KẾ HOẠCH"), ("QĐ", "QUYẾT ĐỊNH"), ("TB", "THÔNG BÁO"), ("CV", "")]


def varied(count: int, seed: int = 7) -> list[tuple[Doc, dict[str, Any]]]:
    """``count`` documents of both layouts, with the scan options to make of each."""
    rng = random.Random(seed)
    docs = []
    for i in range(count):
        place = rng.choice(PLACES)
        up = place.upper()
        year = rng.choice([2024, 2025, 2026])
        issued = date(year, rng.randint(1, 12), rng.randint(1, 28))
        subject = rng.choice(SUBJECTS).format(year=year)
        number = rng.randint(1, 999)
        if i % 2 == 0:
            code, title = rng.choice(PARTY_TYPES)
            kind = rng.choice(["tu", "ban", "xa", "hu"])
            if kind == "tu":
                header, issuer, body = [f"ĐẢNG BỘ TỈNH {up}", "TỈNH ỦY"], f"Tỉnh ủy {place}", "TU"
            elif kind == "ban":
                upper_name, name, code_prefix = rng.choice(PROVINCE_BODIES)
                header, issuer, body = (
                    [f"TỈNH ỦY {up}", upper_name],
                    f"{name} Tỉnh ủy {place}",
                    f"{code_prefix}TU",
                )
            elif kind == "hu":
                district = rng.choice(DISTRICTS)
                header, issuer, body = (
                    [f"ĐẢNG BỘ TỈNH {up}", f"HUYỆN ỦY {district.upper()}"],
                    f"Huyện ủy {district}",
                    "HU",
                )
                place = district  # a district committee dates its documents at the district
            else:
                header, issuer, body = (
                    [f"ĐẢNG BỘ TỈNH {up}", "ĐẢNG ỦY XÃ HƯNG LỘC"],
                    "Đảng ủy xã Hưng Lộc",
                    "ĐU",
                )
            doc = Doc(
                "party", header, issuer, f"{number:02d}-{code}/{body}", code, title, issued, place, subject,
                rng.choice(NAMES), rng.choice(["PHÓ BÍ THƯ", "BÍ THƯ"]), on_behalf="T/M BAN THƯỜNG VỤ",
            )  # fmt: skip
        else:
            code, title = rng.choice(STATE_TYPES)
            header, issuer = ["ỦY BAN NHÂN DÂN", f"TỈNH {up}"], f"Ủy ban nhân dân tỉnh {place}"
            symbol = f"{number}/{code}-UBND" if code != "CV" else f"{number}/UBND-VX"
            doc = Doc(
                "state", header, issuer, symbol, code, title, issued, place, subject,
                rng.choice(NAMES), "PHÓ CHỦ TỊCH", on_behalf="KT. CHỦ TỊCH",
            )  # fmt: skip
        if rng.random() < 0.25:
            doc.urgency = rng.choice(["KHẨN", "THƯỢNG KHẨN", "HỎA TỐC"])
        options = {
            "dpi": rng.choice([150, 200, 300]),
            "rotate": rng.choice([0.0, 0.0, 0.6, -0.8, 1.2, -1.5]),
            "noise": rng.choice([0.0, 0.0, 0.3]),
            "fade": rng.choice([0.0, 0.0, 0.5, 1.0]),
            "seed": i,
        }
        docs.append((doc, options))
    return docs
