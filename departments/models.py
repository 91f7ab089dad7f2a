import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from goals.lib.wareki import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR, date_label


class WardQuerySet(models.QuerySet):
    def for_user(self, user):
        """Wards a person may read: those they belong to (any role); all for superusers."""
        if user.is_superuser:
            return self.all()
        if not user.is_authenticated:
            return self.none()
        return self.filter(departments__memberships__user=user).distinct()

    def get_by_natural_key(self, name):
        return self.get(name=name)


class Ward(models.Model):
    """A ward office (区役所); every sheet and department belongs to one."""

    name = models.CharField("区名", max_length=50, unique=True)
    office_name = models.CharField(
        "発行者名", max_length=100, help_text="取組シートに発行者として印字されます（例：幸区役所）"
    )
    code = models.CharField("全国地方公共団体コード", max_length=6, blank=True, help_text="6桁（任意）")

    objects = WardQuerySet.as_manager()

    class Meta:
        verbose_name = "区"
        verbose_name_plural = "区"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.name,)

    def is_reviewed_by(self, user) -> bool:
        """取りまとめ of this ward (a reviewer membership in any of its departments) or a superuser."""
        if user.is_superuser:
            return True
        return Membership.objects.filter(
            user_id=user.pk, department__ward=self, role=Membership.Role.REVIEWER
        ).exists()


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
        return Membership.objects.filter(
            user_id=user.pk, department=self, role=Membership.Role.EDITOR
        ).exists()


def retired_on_problem(day) -> str | None:
    """Why a day cannot be a retirement date, or None: it must lie within the years a sheet can have."""
    first, last = datetime.date(FIRST_FISCAL_YEAR, 4, 1), datetime.date(LAST_FISCAL_YEAR + 1, 3, 31)
    if day is None or first <= day <= last:
        return None
    return f"廃止日は、{date_label(first)}から{date_label(last)}までの日付で入力してください。"


class Membership(models.Model):
    """Who works in which department, and whether they enter or review."""

    class Role(models.TextChoices):
        EDITOR = "editor", "入力担当"
        REVIEWER = "reviewer", "取りまとめ"

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

    class Meta:
        verbose_name = "所属"
        verbose_name_plural = "所属"
        ordering = ["department", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "department"], name="membership_unique_per_department"),
        ]

    def __str__(self):
        return f"{self.user} / {self.department}（{self.get_role_display()}）"
