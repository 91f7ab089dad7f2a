import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from goals.lib.wareki import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR, date_label


def today() -> datetime.date:
    """The office's date (TIME_ZONE is Asia/Tokyo): rights change at local midnight, not UTC's."""
    return timezone.localdate()


# 全国地方公共団体コード: five digits and a check digit (only the form is checked here).
LOCAL_GOVERNMENT_CODE = RegexValidator(r"^[0-9]{6}$", "全国地方公共団体コードは6桁の数字で入力してください。")


class CityManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class City(models.Model):
    """A city (市) above its wards: 川崎市 above 幸区. Its staff read every ward of it (CityStaff)."""

    name = models.CharField("市名", max_length=50)
    prefecture = models.CharField("都道府県名", max_length=10)
    code = models.CharField(
        "全国地方公共団体コード", max_length=6, unique=True, validators=[LOCAL_GOVERNMENT_CODE]
    )

    objects = CityManager()

    class Meta:
        verbose_name = "市"
        verbose_name_plural = "市"
        ordering = ["code"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.code,)


class CityStaff(models.Model):
    """区政推進: a person who reads every ward of a city and changes none of their content.

    Kept apart from Membership on purpose: it belongs to no department, and no
    rule that lets a member write applies to it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="city_posts", verbose_name="利用者"
    )
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="staff", verbose_name="市")

    class Meta:
        verbose_name = "市の区政推進担当"
        verbose_name_plural = "市の区政推進担当"
        ordering = ["city", "user"]
        constraints = [models.UniqueConstraint(fields=["user", "city"], name="city_staff_unique_per_city")]

    def __str__(self):
        return f"{self.user} / {self.city}（区政推進）"


class WardQuerySet(models.QuerySet):
    def for_user(self, user):
        """Wards a person may read: those they belong to (any role), every ward of a city they are
        city staff of; all for superusers."""
        if user.is_superuser:
            return self.all()
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            Q(departments__memberships__in=Membership.objects.active().filter(user_id=user.pk))
            | Q(city__staff__user=user)
        ).distinct()

    def get_by_natural_key(self, name):
        return self.get(name=name)


class Ward(models.Model):
    """A ward office (区役所); every sheet and department belongs to one."""

    name = models.CharField("区名", max_length=50, unique=True)
    office_name = models.CharField(
        "発行者名", max_length=100, help_text="取組シートに発行者として印字されます（例：幸区役所）"
    )
    code = models.CharField("全国地方公共団体コード", max_length=6, blank=True, help_text="6桁（任意）")
    city = models.ForeignKey(
        City, on_delete=models.PROTECT, null=True, blank=True, related_name="wards", verbose_name="市"
    )

    objects = WardQuerySet.as_manager()

    class Meta:
        verbose_name = "区"
        verbose_name_plural = "区"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.name,)

    natural_key.dependencies = ["departments.city"]

    def is_reviewed_by(self, user) -> bool:
        """取りまとめ of this ward (a reviewer membership in any of its departments) or a superuser."""
        if user.is_superuser:
            return True
        return (
            Membership.objects.active()
            .filter(user_id=user.pk, department__ward=self, role=Membership.Role.REVIEWER)
            .exists()
        )


class DepartmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(retired_on__isnull=True)

    def get_by_natural_key(self, ward_name, name):
        return self.get(ward__name=ward_name, name=name)


class Department(models.Model):
    """A department (部署) of a ward. Retired, never deleted, so old sheets keep it."""

    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, related_name="departments", verbose_name="区")
    name = models.CharField("部署名", max_length=100)
    order = models.PositiveIntegerField("表示順", default=0)
    retired_on = models.DateField(
        "廃止日", null=True, blank=True, help_text="組織改正で廃止した部署。過去の目標は残ります。"
    )

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        verbose_name = "部署"
        verbose_name_plural = "部署"
        ordering = ["ward", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["ward", "name"], name="department_unique_name_per_ward"),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (*self.ward.natural_key(), self.name)

    natural_key.dependencies = ["departments.ward"]

    def clean(self):
        if problem := retired_on_problem(self.retired_on):
            raise ValidationError({"retired_on": problem})

    @property
    def is_retired(self):
        return self.retired_on is not None

    def is_edited_by(self, user) -> bool:
        """入力担当 of this department (an editor membership) or a superuser."""
        if user.is_superuser:
            return True
        return (
            Membership.objects.active()
            .filter(user_id=user.pk, department=self, role=Membership.Role.EDITOR)
            .exists()
        )

    def is_approved_by(self, user) -> bool:
        """承認者 (課長) of this department today, who approves its 提出 before 総務課 sees it, or a superuser."""
        if user.is_superuser:
            return True
        return (
            Membership.objects.active()
            .filter(user_id=user.pk, department=self, role=Membership.Role.APPROVER)
            .exists()
        )

    def has_approver(self) -> bool:
        """A department with an active 承認者 routes its 提出 through them; one without keeps the direct path."""
        return (
            Membership.objects.active()
            .filter(department=self, role=Membership.Role.APPROVER, user__is_active=True)
            .exists()
        )


class MembershipQuerySet(models.QuerySet):
    def active(self, on: datetime.date | None = None):
        """Memberships valid on a day (today in the office's time zone): started, not yet ended.

        The end date is the last day worked (3月31日): rights end at the midnight after it.
        """
        on = on or today()
        return self.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on), valid_from__lte=on)

    def overlapping(self, user, department, valid_from, valid_until, exclude_pk=None):
        """The same person's memberships of the same department whose dates meet the given ones."""
        found = self.filter(user=user, department=department)
        if valid_until is not None:
            found = found.filter(valid_from__lte=valid_until)
        found = found.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=valid_from))
        return found.exclude(pk=exclude_pk) if exclude_pk else found


def retired_on_problem(day) -> str | None:
    """Why a day cannot be a retirement date, or None: it must lie within the years a sheet can have."""
    first, last = datetime.date(FIRST_FISCAL_YEAR, 4, 1), datetime.date(LAST_FISCAL_YEAR + 1, 3, 31)
    if day is None or first <= day <= last:
        return None
    return f"廃止日は、{date_label(first)}から{date_label(last)}までの日付で入力してください。"


class Membership(models.Model):
    """Who works in which department from when until when, and whether they enter or review.

    Ended memberships are kept: they show who was in which department on a given day.
    """

    class Role(models.TextChoices):
        EDITOR = "editor", "入力担当"
        REVIEWER = "reviewer", "取りまとめ"
        APPROVER = "approver", "承認者（課長）"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name="利用者",
    )
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="memberships", verbose_name="部署"
    )
    role = models.CharField("役割", max_length=20, choices=Role.choices, default=Role.EDITOR)
    valid_from = models.DateField("開始日", default=today)
    valid_until = models.DateField(
        "終了日", null=True, blank=True, help_text="最後の勤務日（例：3月31日）。空欄は期限なし。"
    )

    objects = MembershipQuerySet.as_manager()
    history = HistoricalRecords(verbose_name="所属の履歴")

    class Meta:
        verbose_name = "所属"
        verbose_name_plural = "所属"
        ordering = ["department", "user", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "department", "valid_from"], name="membership_unique_start_per_department"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="membership_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.user} / {self.department}（{self.get_role_display()}）"

    def clean(self):
        if self.valid_until and self.valid_from and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": "終了日は開始日より後の日付にしてください。"})
        if self.user_id and self.department_id and self.valid_from:
            others = Membership.objects.overlapping(
                self.user_id, self.department_id, self.valid_from, self.valid_until, exclude_pk=self.pk
            )
            if others.exists():
                raise ValidationError("同じ部署に期間の重なる所属がすでにあります。")

    def is_active(self, on: datetime.date | None = None) -> bool:
        on = on or today()
        return self.valid_from <= on and (self.valid_until is None or on <= self.valid_until)
