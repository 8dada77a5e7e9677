"""Vietnamese personal names for demo people and signers (fictional)."""

from __future__ import annotations

import random
import unicodedata

SURNAMES = [
    "Nguyễn",
    "Nguyễn",
    "Nguyễn",
    "Trần",
    "Trần",
    "Lê",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Đinh",
    "Trương",
    "Lương",
    "Thái",
    "Cao",
    "Hà",
    "Tạ",
    "Lưu",
    "Mai",
    "Chu",
]
MIDDLE_MALE = [
    "Văn",
    "Đức",
    "Hữu",
    "Minh",
    "Quốc",
    "Công",
    "Xuân",
    "Đình",
    "Thanh",
    "Ngọc",
    "Anh",
    "Trọng",
    "Mạnh",
    "Duy",
    "Tiến",
]
MIDDLE_FEMALE = [
    "Thị",
    "Thị",
    "Thu",
    "Ngọc",
    "Thanh",
    "Hồng",
    "Kim",
    "Phương",
    "Minh",
    "Thùy",
    "Diệu",
    "Bích",
]
GIVEN_MALE = [
    "Hùng",
    "Dũng",
    "Tuấn",
    "Minh",
    "Hải",
    "Long",
    "Nam",
    "Sơn",
    "Thắng",
    "Hiếu",
    "Trung",
    "Quang",
    "Phúc",
    "Khánh",
    "Cường",
    "Toàn",
    "Bình",
    "Vinh",
    "Tâm",
    "Hòa",
    "Lâm",
    "Thành",
    "Đạt",
    "Kiên",
    "Tùng",
    "Nghĩa",
    "Lực",
    "Thịnh",
    "Hoàng",
    "Quý",
]
GIVEN_FEMALE = [
    "Lan",
    "Hương",
    "Hoa",
    "Mai",
    "Hà",
    "Trang",
    "Linh",
    "Ngọc",
    "Thảo",
    "Nga",
    "Yến",
    "Huyền",
    "Vân",
    "Thủy",
    "Oanh",
    "Hạnh",
    "Hằng",
    "Dung",
    "Loan",
    "Phượng",
    "Quyên",
    "Giang",
    "Nhung",
    "Tuyết",
]


def person_name(rng: random.Random) -> str:
    """A plausible full name (surname, middle name, given name)."""
    if rng.random() < 0.5:
        return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE_MALE)} {rng.choice(GIVEN_MALE)}"
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE_FEMALE)} {rng.choice(GIVEN_FEMALE)}"


def ascii_fold(text: str) -> str:
    """ "Nguyễn Văn Hùng" → "nguyen van hung"."""
    text = text.lower().replace("đ", "d")
    text = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def username_for(full_name: str, taken: set[str]) -> str:
    """Office-style account name: given name + initials of the other parts ("hungnv"), made unique."""
    parts = ascii_fold(full_name).split()
    base = parts[-1] + "".join(p[0] for p in parts[:-1])
    name = base
    suffix = 2
    while name in taken:
        name = f"{base}{suffix}"
        suffix += 1
    taken.add(name)
    return name
