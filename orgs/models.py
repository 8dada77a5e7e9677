from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q


class Profile(models.TextChoices):
    PARTY = "party", "Khối Đảng (HD 36)"
    STATE = "state", "Khối Nhà nước (NĐ 30)"


class OrganizationKind(models.TextChoices):
    CENTRAL = "central", "Trung ương"
    PROVINCIAL_COMMITTEE = "provincial_committee", "Tỉnh ủy / Thành ủy"
    COMMITTEE_OFFICE = "committee_office", "Văn phòng cấp ủy"
    ADVISORY_BOARD = "advisory_board", "Ban tham mưu của cấp ủy"
    DISTRICT_COMMITTEE = "district_committee", "Huyện ủy / Thị ủy"
    COMMUNE_COMMITTEE = "commune_committee", "Đảng ủy xã / phường"
    STATE_AGENCY = "state_agency", "Cơ quan nhà nước"
    OTHER = "other", "Cơ quan, tổ chức khác"


class Organization(models.Model):
    name = models.CharField("tên cơ quan", max_length=255)
    abbreviation = models.CharField("tên viết tắt", max_length=30, blank=True)
    identifier = models.CharField("mã định danh", max_length=35, blank=True, null=True, unique=True)
    kind = models.CharField(
        "loại", max_length=30, choices=OrganizationKind.choices, default=OrganizationKind.OTHER
    )
    profile = models.CharField("khối", max_length=10, choices=Profile.choices, default=Profile.PARTY)
    parent = models.ForeignKey(
        "self",
        verbose_name="cơ quan cấp trên",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_active = models.BooleanField("đang hoạt động", default=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name="đã hợp nhất vào",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )
    merged_at = models.DateTimeField("thời điểm hợp nhất", null=True, blank=True)
    address = models.CharField("địa chỉ", max_length=255, blank=True)
    email = models.EmailField("thư điện tử", blank=True)
    phone = models.CharField("điện thoại", max_length=40, blank=True)
    heading_parent = models.CharField(
        "dòng cơ quan cấp trên (tiêu đề văn bản)",
        max_length=255,
        blank=True,
        help_text="Ví dụ: ĐẢNG BỘ TỈNH SÔNG LAM. Để trống nếu tên cơ quan đứng một dòng.",
    )
    heading_name = models.CharField(
        "tên cơ quan trên tiêu đề văn bản",
        max_length=255,
        blank=True,
        help_text="Ví dụ: TỈNH ỦY SÔNG LAM. Để trống: dùng tên cơ quan viết hoa.",
    )
    place_name = models.CharField("địa danh ghi trên văn bản", max_length=100, blank=True)
    head_title = models.CharField(
        "chức danh người đứng đầu", max_length=100, blank=True, help_text="Ví dụ: Bí thư, Chánh Văn phòng."
    )
    collective_name = models.CharField(
        "tập thể lãnh đạo (ký T/M)", max_length=150, blank=True, help_text="Ví dụ: Ban Thường vụ."
    )
    uses_system = models.BooleanField(
        "dùng hệ thống này",
        default=False,
        help_text="Cơ quan có tài khoản trên hệ thống (nhận văn bản nội bộ).",
    )

    class Meta:
        verbose_name = "cơ quan, tổ chức"
        verbose_name_plural = "cơ quan, tổ chức"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def ancestors(self) -> list[Organization]:
        chain: list[Organization] = []
        node = self.parent
        seen = {self.pk}
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return chain


class Unit(models.Model):
    organization = models.ForeignKey(
        Organization, verbose_name="cơ quan", on_delete=models.PROTECT, related_name="units"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="đơn vị cấp trên",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    name = models.CharField("tên phòng, bộ phận", max_length=255)
    abbreviation = models.CharField("viết tắt", max_length=30, blank=True)
    is_active = models.BooleanField("đang hoạt động", default=True)

    class Meta:
        verbose_name = "phòng, bộ phận"
        verbose_name_plural = "phòng, bộ phận"
        ordering = ["organization__name", "name"]

    def __str__(self) -> str:
        return self.name


class Position(models.Model):
    organization = models.ForeignKey(
        Organization, verbose_name="cơ quan", on_delete=models.PROTECT, related_name="positions"
    )
    name = models.CharField("chức vụ", max_length=150)
    rank = models.PositiveSmallIntegerField("thứ bậc", default=50, help_text="Số nhỏ hơn là cấp cao hơn.")

    class Meta:
        verbose_name = "chức vụ"
        verbose_name_plural = "chức vụ"
        ordering = ["organization__name", "rank", "name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    CLERK = "clerk", "Văn thư"
    SPECIALIST = "specialist", "Chuyên viên"
    UNIT_HEAD = "unit_head", "Trưởng phòng, bộ phận"
    OFFICE_LEADER = "office_leader", "Lãnh đạo Văn phòng"
    COMMITTEE_LEADER = "committee_leader", "Lãnh đạo cấp ủy"
    ADMIN = "admin", "Quản trị hệ thống"


class Secrecy(models.TextChoices):
    NONE = "none", "Thường"
    CONFIDENTIAL = "confidential", "Mật"
    SECRET = "secret", "Tối mật"
    TOP_SECRET = "top_secret", "Tuyệt mật"


SECRECY_RANK = {Secrecy.NONE: 0, Secrecy.CONFIDENTIAL: 1, Secrecy.SECRET: 2, Secrecy.TOP_SECRET: 3}


class User(AbstractUser):
    """A person with an account: belongs to one organization (and a unit), holds roles there."""

    full_name = models.CharField("họ và tên", max_length=150, blank=True)
    organization = models.ForeignKey(
        Organization,
        verbose_name="cơ quan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name="phòng, bộ phận",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    position = models.ForeignKey(
        Position,
        verbose_name="chức vụ",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    clearance = models.CharField(
        "được tiếp cận độ mật", max_length=20, choices=Secrecy.choices, default=Secrecy.NONE
    )
    phone = models.CharField("điện thoại", max_length=40, blank=True)

    class Meta:
        verbose_name = "cán bộ, người dùng"
        verbose_name_plural = "cán bộ, người dùng"
        ordering = ["full_name", "username"]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_assignments", verbose_name="người dùng"
    )
    role = models.CharField("vai trò", max_length=30, choices=Role.choices)
    organization = models.ForeignKey(
        Organization, verbose_name="tại cơ quan", on_delete=models.PROTECT, related_name="role_assignments"
    )

    class Meta:
        verbose_name = "vai trò"
        verbose_name_plural = "vai trò"
        constraints = [models.UniqueConstraint(fields=["user", "role", "organization"], name="uniq_role")]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}"


class DelegationKind(models.TextChoices):
    DELEGATION = "delegation", "Ủy quyền"
    ACTING = "acting", "Quyền (giữ chức vụ thay)"


class Delegation(models.Model):
    """``grantor``'s roles are exercised by ``grantee`` between two dates (inclusive)."""

    grantor = models.ForeignKey(
        User, verbose_name="người ủy quyền", on_delete=models.PROTECT, related_name="delegations_given"
    )
    grantee = models.ForeignKey(
        User,
        verbose_name="người được ủy quyền",
        on_delete=models.PROTECT,
        related_name="delegations_received",
    )
    kind = models.CharField(
        "hình thức", max_length=20, choices=DelegationKind.choices, default=DelegationKind.DELEGATION
    )
    start_date = models.DateField("từ ngày")
    end_date = models.DateField("đến hết ngày")
    scope = models.CharField("phạm vi", max_length=255, blank=True)
    revoked = models.BooleanField("đã thu hồi", default=False)

    class Meta:
        verbose_name = "ủy quyền / quyền"
        verbose_name_plural = "ủy quyền / quyền"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="delegation_dates"
            ),
            models.CheckConstraint(condition=~Q(grantor=models.F("grantee")), name="delegation_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.grantor} → {self.grantee} ({self.start_date:%d/%m/%Y}–{self.end_date:%d/%m/%Y})"

    def in_force(self, on: date) -> bool:
        return not self.revoked and self.start_date <= on <= self.end_date
