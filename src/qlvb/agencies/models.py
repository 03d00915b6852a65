"""The agency directory (danh bạ cơ quan): agencies, their internal departments, positions,
people and the roles people hold.

Identifier codes are data (QĐ 20/2020/QĐ-TTg: `AAA.BB.CC.Lnn`, read right to left), never enums:
provinces merge and reorganise, and the national directory holds over 100,000 agencies.
"""

from __future__ import annotations

import re

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower

from qlvb.core.models import TimeStamped
from qlvb.core.text import fold

AGENCY_CODE_RE = re.compile(r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9]{2}$")


def is_valid_agency_code(code: str) -> bool:
    return bool(AGENCY_CODE_RE.match(code or ""))


class AgencyLevel(models.TextChoices):
    PROVINCE = "province", "Cấp tỉnh"
    DEPARTMENT = "department", "Sở, ban, ngành"
    DISTRICT = "district", "Cấp huyện"
    COMMUNE = "commune", "Cấp xã"
    CENTRAL = "central", "Cơ quan trung ương"
    OTHER_PROVINCE = "other_province", "Tỉnh, thành phố khác"
    PARTY = "party", "Cơ quan Đảng, đoàn thể"
    EXTERNAL = "external", "Cơ quan khác"


class Agency(TimeStamped):
    """Cơ quan, tổ chức: an agency with its own clerks, register books and identifier code."""

    code = models.CharField("mã định danh", max_length=13, unique=True)
    name = models.CharField("tên cơ quan", max_length=250)
    short_name = models.CharField("tên viết tắt", max_length=30, blank=True)
    level = models.CharField("cấp", max_length=20, choices=AgencyLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    organization_in_charge = models.CharField("cơ quan chủ quản", max_length=250, blank=True)
    address = models.CharField("địa chỉ", max_length=250, blank=True)
    email = models.CharField("thư điện tử", max_length=254, blank=True)
    telephone = models.CharField("điện thoại", max_length=50, blank=True)
    fax = models.CharField("fax", max_length=50, blank=True)
    website = models.CharField("trang thông tin", max_length=250, blank=True)
    on_installation = models.BooleanField("trên hệ thống này", default=False)
    is_active = models.BooleanField("đang hoạt động", default=True)
    # Folded name, short name and code ("ubnd tinh dak lak ubnd 000.00.00.h15") for search as
    # you type; kept by save() and by the bulk import.
    search_text = models.CharField(max_length=600, editable=False, default="", db_index=True)

    class Meta:
        verbose_name = "cơ quan"
        verbose_name_plural = "cơ quan"
        ordering = ["search_text"]
        indexes = [
            models.Index(fields=["level", "is_active"]),
            # Search as you type looks at this installation's agencies first (few, in order).
            models.Index(fields=["on_installation", "search_text"], name="agency_local_search"),
        ]

    def __str__(self) -> str:
        return self.name

    def build_search_text(self) -> str:
        return fold(f"{self.name} {self.short_name} {self.code}")[:600]

    def save(self, *args, **kwargs):
        self.search_text = self.build_search_text()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)


class Department(TimeStamped):
    """Phòng, ban, đơn vị thuộc cơ quan: an internal unit; `short_name` is used in Công văn
    notations (`2999/UBND-KGVX`)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="departments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField("tên đơn vị", max_length=250)
    short_name = models.CharField("tên viết tắt", max_length=30, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "phòng, ban"
        ordering = ["agency_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="department_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Position(models.Model):
    """Chức vụ (Chủ tịch, Phó Chủ tịch, Giám đốc, Chánh Văn phòng, Trưởng phòng, Chuyên viên)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="positions")
    name = models.CharField("chức vụ", max_length=120)
    rank = models.PositiveSmallIntegerField(
        "thứ bậc", default=100, help_text="Nhỏ hơn là cao hơn; dùng để sắp xếp"
    )

    class Meta:
        verbose_name = "chức vụ"
        ordering = ["agency_id", "rank", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="position_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class PersonManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, username, password=None, **extra):
        person = self.model(username=username, **extra)
        person.set_password(password)
        person.save(using=self._db)
        return person

    def create_superuser(self, username, password=None, **extra):
        extra["is_superuser"] = True
        return self.create_user(username, password, **extra)


class Person(AbstractBaseUser):
    """Cán bộ, công chức: a person who signs in; belongs to one agency and department."""

    username = models.CharField("tên đăng nhập", max_length=150, unique=True)
    full_name = models.CharField("họ và tên", max_length=200)
    email = models.CharField("thư điện tử", max_length=254, blank=True)
    phone = models.CharField("điện thoại di động", max_length=30, blank=True)
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="people"
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="people"
    )
    position = models.ForeignKey(
        Position, null=True, blank=True, on_delete=models.SET_NULL, related_name="people"
    )
    is_active = models.BooleanField("đang hoạt động", default=True)
    # Quản trị hệ thống: the installation's own administrator, across every agency.
    is_superuser = models.BooleanField("quản trị hệ thống", default=False)
    date_joined = models.DateTimeField(auto_now_add=True)
    # Sign-in safety (accounts app)
    failed_login_count = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    totp_secret = models.CharField(max_length=64, blank=True)
    totp_enabled = models.BooleanField("xác thực hai lớp", default=False)
    search_text = models.CharField(max_length=500, editable=False, default="", db_index=True)

    objects = PersonManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = "cán bộ"
        verbose_name_plural = "cán bộ"
        ordering = ["search_text"]
        indexes = [models.Index(Lower("email"), name="person_email_lower")]

    def __str__(self) -> str:
        return self.full_name or self.username

    def save(self, *args, **kwargs):
        self.search_text = fold(f"{self.full_name} {self.username} {self.email}")[:500]
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    @property
    def is_staff(self) -> bool:  # Django internals ask for it; there is no Django admin here.
        return False

    def role_names(self) -> set[str]:
        cached = getattr(self, "_role_cache", None)
        if cached is None:
            cached = set(self.roles.filter(agency_id=self.agency_id).values_list("role", flat=True))
            self._role_cache = cached
        return cached

    def has_role(self, role: str, agency_id: int | None = None) -> bool:
        if agency_id is not None and agency_id != self.agency_id:
            return False
        return role in self.role_names()


class Role(models.TextChoices):
    CLERK = "clerk", "Văn thư"
    LEADER = "leader", "Lãnh đạo"
    SPECIALIST = "specialist", "Chuyên viên"
    TRACKING = "tracking", "Cán bộ theo dõi"
    ADMIN = "admin", "Quản trị"


class RoleAssignment(models.Model):
    """Vai trò of a person in an agency; the agency must be the person's own (services check)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roles")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField("vai trò", max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = "vai trò"
        constraints = [
            models.UniqueConstraint(fields=["person", "agency", "role"], name="role_unique")
        ]
        indexes = [models.Index(fields=["agency", "role"])]

    def __str__(self) -> str:
        return f"{self.person} – {self.get_role_display()}"


class RecipientGroup(TimeStamped):
    """Nhóm nơi nhận ("Các Sở, ban, ngành", "UBND các huyện"): a saved list of agencies.
    `owner` is the agency that keeps it; none means the whole installation may use it."""

    owner = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.CASCADE, related_name="recipient_groups"
    )
    name = models.CharField("tên nhóm", max_length=200)
    members = models.ManyToManyField(Agency, related_name="in_recipient_groups", blank=True)

    class Meta:
        verbose_name = "nhóm nơi nhận"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="recipient_group_unique")
        ]

    def __str__(self) -> str:
        return self.name
