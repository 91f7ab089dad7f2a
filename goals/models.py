import datetime
from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from simple_history.models import HistoricalRecords

from departments.models import Department, Ward
from goals.lib.wareki import (
    CIRCLED_NUMBERS,
    FIRST_FISCAL_YEAR,
    LAST_FISCAL_YEAR,
    date_label,
    fiscal_year_label,
)
from goals.sheet.vocabulary import TITLE_SUFFIX

GOAL_NUMBER_MAX = 20
GOAL_TEXT_MAX = 2000
RESULT_TEXT_MAX = 4000
POLICY_TEXT_MAX = 1000


def _max_length(field: str, limit: int, name: str) -> models.CheckConstraint:
    """Enforce a text limit in the database too, so no import path can bypass it."""
    return models.CheckConstraint(condition=LessThanOrEqual(Length(field), limit), name=name)


class CategoryManager(models.Manager):
    def get_by_natural_key(self, name):
        return self.get(name=name)


class Category(models.Model):
    """区分 of a goal (対面対応, 庁内体制, …): data, so wards can add their own."""

    name = models.CharField("区分", max_length=20, unique=True)
    order = models.PositiveIntegerField("表示順", default=0)

    objects = CategoryManager()

    class Meta:
        verbose_name = "区分"
        verbose_name_plural = "区分"
        ordering = ["order", "name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.name,)


class AchievementLevelManager(models.Manager):
    def get_by_natural_key(self, number):
        return self.get(number=number)


class AchievementLevel(models.Model):
    """達成度: a configurable scale (Kawasaki's five levels by default)."""

    number = models.PositiveSmallIntegerField("番号", unique=True)
    label = models.CharField("名称", max_length=50)
    description = models.TextField(
        "目安",
        blank=True,
        max_length=POLICY_TEXT_MAX,
        help_text="使い方のページに、この達成度を選ぶ目安として表示されます。",
    )

    objects = AchievementLevelManager()

    class Meta:
        verbose_name = "達成度"
        verbose_name_plural = "達成度"
        ordering = ["number"]

    def __str__(self):
        return f"{self.number} {self.label}"

    def natural_key(self):
        return (self.number,)


class SheetQuerySet(models.QuerySet):
    def for_user(self, user):
        """Sheets a person may read: every sheet of a ward they belong to."""
        return self.filter(ward__in=Ward.objects.for_user(user))

    def get_by_natural_key(self, ward_name, fiscal_year):
        return self.get(ward__name=ward_name, fiscal_year=fiscal_year)


class Sheet(models.Model):
    """取組シート: one per ward and fiscal year."""

    class Phase(models.TextChoices):
        PLANNING = "planning", "計画"
        IN_PROGRESS = "in_progress", "実施中"
        CLOSED = "closed", "確定"

    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, related_name="sheets", verbose_name="区")
    fiscal_year = models.PositiveSmallIntegerField(
        "年度（西暦）",
        validators=[MinValueValidator(FIRST_FISCAL_YEAR), MaxValueValidator(LAST_FISCAL_YEAR)],
        help_text="4月始まりの年度を西暦で（令和7年度なら2025）",
    )
    phase = models.CharField("段階", max_length=20, choices=Phase.choices, default=Phase.PLANNING)
    results_deadline = models.DateField("実施結果の提出期限", null=True, blank=True)
    # Set by workflow.publish, cleared by workflow.unpublish; the public pages show only these.
    published_at = models.DateTimeField("公開日時", null=True, blank=True)

    objects = SheetQuerySet.as_manager()
    history = HistoricalRecords(verbose_name="取組シートの履歴")

    class Meta:
        verbose_name = "取組シート"
        verbose_name_plural = "取組シート"
        ordering = ["ward", "-fiscal_year"]
        constraints = [
            models.UniqueConstraint(fields=["ward", "fiscal_year"], name="sheet_unique_per_ward_year"),
            models.CheckConstraint(
                condition=models.Q(fiscal_year__gte=FIRST_FISCAL_YEAR, fiscal_year__lte=LAST_FISCAL_YEAR),
                name="sheet_fiscal_year_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.ward} {self.fiscal_year_label}"

    def natural_key(self):
        return (*self.ward.natural_key(), self.fiscal_year)

    natural_key.dependencies = ["departments.ward"]

    @property
    def fiscal_year_label(self):
        return fiscal_year_label(self.fiscal_year)

    @property
    def next_fiscal_year_label(self):
        return fiscal_year_label(self.fiscal_year + 1)

    @property
    def title(self):
        return f"{self.fiscal_year_label}{TITLE_SUFFIX}"

    @cached_property
    def is_past_year(self) -> bool:
        """A later year of the ward has begun its results (or two later years exist): read-only.

        Not simply "a later sheet exists": next year's sheet is written (計画)
        while this year's results are still being entered.
        """
        return (
            Sheet.objects.filter(ward_id=self.ward_id, fiscal_year__gt=self.fiscal_year)
            .filter(~models.Q(phase=self.Phase.PLANNING) | models.Q(fiscal_year__gt=self.fiscal_year + 1))
            .exists()
        )

    def results_deadline_problem(self, day) -> str | None:
        """Why a day cannot be this sheet's results deadline, or None: it lies in the fiscal year or the next.

        A typing slip (0001-01-01, 20266-04-30) is caught here with a message instead of being kept.
        """
        if day is None or not FIRST_FISCAL_YEAR <= (self.fiscal_year or 0) <= LAST_FISCAL_YEAR:
            return None
        first, last = datetime.date(self.fiscal_year, 4, 1), datetime.date(self.fiscal_year + 2, 3, 31)
        if first <= day <= last:
            return None
        return (
            f"実施結果の提出期限は、{date_label(first)}から{date_label(last)}までの日付で入力してください"
            f"（{self.fiscal_year_label}とその翌年度）。"
        )

    def clean(self):
        if problem := self.results_deadline_problem(self.results_deadline):
            raise ValidationError({"results_deadline": problem})

    def locked_reason(self) -> str | None:
        """Why nothing on this sheet can be edited, or None."""
        if self.phase == self.Phase.CLOSED:
            return f"{self.fiscal_year_label}の取組シートは確定済みのため、閲覧のみです。"
        if self.is_past_year:
            return f"{self.fiscal_year_label}は過去の年度のため、閲覧のみです。"
        return None


def _check_same_ward(sheet: Sheet, department: Department):
    if sheet.ward_id != department.ward_id:
        raise ValidationError(
            {"department": f"部署「{department}」は{sheet.ward}の部署ではありません。"},
            code="department_of_other_ward",
        )


class ServicePolicyManager(models.Manager):
    def get_by_natural_key(self, ward_name, fiscal_year, number):
        return self.get(sheet__ward__name=ward_name, sheet__fiscal_year=fiscal_year, number=number)


class ServicePolicy(models.Model):
    """区役所サービス向上方針: the ward's numbered policy items (①–④) on a sheet."""

    sheet = models.ForeignKey(
        Sheet, on_delete=models.CASCADE, related_name="policies", verbose_name="取組シート"
    )
    number = models.PositiveSmallIntegerField("番号", validators=[MinValueValidator(1)])
    text = models.TextField("方針", max_length=POLICY_TEXT_MAX)

    objects = ServicePolicyManager()

    class Meta:
        verbose_name = "区役所サービス向上方針"
        verbose_name_plural = "区役所サービス向上方針"
        ordering = ["sheet", "number"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "number"], name="policy_unique_number_per_sheet"),
            _max_length("text", POLICY_TEXT_MAX, "policy_text_max_length"),
        ]

    def __str__(self):
        return f"{self.marker} {self.text[:30]}"

    def natural_key(self):
        return (*self.sheet.natural_key(), self.number)

    natural_key.dependencies = ["goals.sheet"]

    @property
    def marker(self):
        """The circled number printed before the item (①), or （n） past ⑳."""
        if 1 <= self.number <= len(CIRCLED_NUMBERS):
            return CIRCLED_NUMBERS[self.number - 1]
        return f"（{self.number}）"


class GoalManager(models.Manager):
    def get_by_natural_key(self, ward_name, fiscal_year, department_name, number):
        return self.get(
            sheet__ward__name=ward_name,
            sheet__fiscal_year=fiscal_year,
            department__name=department_name,
            number=number,
        )


class Goal(models.Model):
    """区役所サービス向上目標: one goal of a department on a sheet, and its result."""

    sheet = models.ForeignKey(
        Sheet, on_delete=models.CASCADE, related_name="goals", verbose_name="取組シート"
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="goals", verbose_name="部署"
    )
    # A label, not an integer: the official sheet has numbers like 「2・3」.
    number = models.CharField("番号", max_length=GOAL_NUMBER_MAX)
    order = models.PositiveIntegerField("表示順", default=0)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="goals", verbose_name="区分"
    )
    text = models.TextField("目標及び具体的な取組内容", max_length=GOAL_TEXT_MAX)
    result = models.TextField("実施結果", max_length=RESULT_TEXT_MAX, blank=True)
    achievement = models.ForeignKey(
        AchievementLevel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="goals",
        verbose_name="達成度",
    )
    carried_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="carried_to",
        verbose_name="前年度の目標",
    )
    # Optimistic locking: a save must name the version it started from.
    version = models.PositiveIntegerField("版", default=1, editable=False)
    # Not auto_now: loaddata saves raw and would leave it empty.
    updated_at = models.DateTimeField("更新日時", default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="更新者",
    )

    objects = GoalManager()
    history = HistoricalRecords(verbose_name="目標の履歴", excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "目標"
        verbose_name_plural = "目標"
        ordering = ["sheet", "department__order", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["sheet", "department", "number"], name="goal_unique_number_per_department"
            ),
            _max_length("number", GOAL_NUMBER_MAX, "goal_number_max_length"),
            _max_length("text", GOAL_TEXT_MAX, "goal_text_max_length"),
            _max_length("result", RESULT_TEXT_MAX, "goal_result_max_length"),
        ]

    def __str__(self):
        return f"{self.department} {self.number}"

    def save(self, *args, **kwargs):
        # The ward rule spans two tables, so no CHECK constraint can hold it;
        # every ORM write goes through here instead.
        _check_same_ward(self.sheet, self.department)
        self.updated_at = timezone.now()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "updated_at"}
        super().save(*args, **kwargs)

    def natural_key(self):
        return (*self.sheet.natural_key(), self.department.name, self.number)

    natural_key.dependencies = ["goals.sheet", "departments.department"]

    def clean(self):
        if self.sheet_id and self.department_id:
            _check_same_ward(self.sheet, self.department)


class DepartmentReportManager(models.Manager):
    def get_by_natural_key(self, ward_name, fiscal_year, department_name):
        return self.get(
            sheet__ward__name=ward_name,
            sheet__fiscal_year=fiscal_year,
            department__name=department_name,
        )


class DepartmentReport(models.Model):
    """A department's part of a sheet: the unit that is submitted and reviewed."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "未入力"
        IN_PROGRESS = "in_progress", "入力中"
        # Submitted by the department's editor, waiting for its 承認者 (課長) before 総務課 sees it.
        AWAITING_APPROVAL = "awaiting_approval", "承認待ち"
        SUBMITTED = "submitted", "提出済み"
        RETURNED = "returned", "差戻し"
        CONFIRMED = "confirmed", "確認済み"

    sheet = models.ForeignKey(
        Sheet, on_delete=models.CASCADE, related_name="reports", verbose_name="取組シート"
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="reports", verbose_name="部署"
    )
    status = models.CharField("状況", max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    return_reason = models.TextField("差戻しの理由", blank=True, max_length=RESULT_TEXT_MAX)
    # The goals the last 差戻し is about (chosen on the return form); cleared by the next 提出.
    return_goals = models.ManyToManyField(
        "Goal", blank=True, related_name="+", verbose_name="差戻しの対象の目標"
    )
    status_changed_at = models.DateTimeField("状況の更新日時", null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="状況の更新者",
    )

    # Each step's last time and person, kept apart from the last change so the board can show
    # when the department submitted after 総務課 confirmed it.
    submitted_at = models.DateTimeField("提出日時", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="提出者",
    )
    approved_at = models.DateTimeField("承認日時", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="承認者",
    )
    confirmed_at = models.DateTimeField("確認日時", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="確認者",
    )

    objects = DepartmentReportManager()
    history = HistoricalRecords(verbose_name="提出状況の履歴")

    class Meta:
        verbose_name = "部署の提出状況"
        verbose_name_plural = "部署の提出状況"
        ordering = ["sheet", "department__order"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "department"], name="report_unique_per_department"),
        ]

    def __str__(self):
        return f"{self.sheet} {self.department}（{self.get_status_display()}）"

    def save(self, *args, **kwargs):
        _check_same_ward(self.sheet, self.department)
        super().save(*args, **kwargs)

    def natural_key(self):
        return (*self.sheet.natural_key(), self.department.name)

    natural_key.dependencies = ["goals.sheet", "departments.department"]

    def clean(self):
        if self.sheet_id and self.department_id:
            _check_same_ward(self.sheet, self.department)

    def _status_reason(self) -> str | None:
        if self.status == self.Status.AWAITING_APPROVAL:
            return "承認者（課長）の承認待ちのため編集できません。承認者が差し戻すと、再び編集できます。"
        if self.status == self.Status.SUBMITTED:
            return "提出済みのため編集できません。取りまとめ担当が差し戻すと、再び編集できます。"
        if self.status == self.Status.CONFIRMED:
            return "取りまとめ担当が確認済みのため編集できません。"
        return None

    def goals_locked_reason(self) -> str | None:
        """Why the department cannot write, add, remove or reorder its goals now, or None."""
        sheet = self.sheet
        if reason := sheet.locked_reason():
            return reason
        if sheet.phase != sheet.Phase.PLANNING:
            return (
                "実施中の段階では、目標の内容は変更できません（実施結果と達成度は入力できます）。"
                "変更が必要な場合は総務課にご相談ください。"
            )
        return self._status_reason()

    def results_locked_reason(self) -> str | None:
        """Why the department cannot enter results now, or None."""
        sheet = self.sheet
        if reason := sheet.locked_reason():
            return reason
        if sheet.phase != sheet.Phase.IN_PROGRESS:
            return "計画の段階では実施結果は入力できません。実施中の段階になると入力できます。"
        return self._status_reason()

    @classmethod
    def before_submitted(cls) -> tuple[str, ...]:
        """未提出: every status before the report reached 総務課 (提出済み)."""
        return (
            cls.Status.NOT_STARTED,
            cls.Status.IN_PROGRESS,
            cls.Status.AWAITING_APPROVAL,
            cls.Status.RETURNED,
        )

    @staticmethod
    def incomplete_goals(goals) -> list:
        """Goals still lacking a result or an achievement level: 提出 waits for them."""
        return [g for g in goals if not g.result.strip() or g.achievement_id is None]


class ReminderLog(models.Model):
    """One reminder mail run for a report on a day: the unique key stops a second mail that day."""

    report = models.ForeignKey(
        DepartmentReport, on_delete=models.CASCADE, related_name="reminders", verbose_name="部署の提出状況"
    )
    date = models.DateField("送信日")
    recipients = models.TextField("送信先", blank=True)
    sent_at = models.DateTimeField("送信日時", default=timezone.now)
    # Empty for the daily run; the reviewer who pressed 催促 on the board otherwise.
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="催促した人",
    )
    # A reviewer may remind again the same day on purpose; only unforced reminders are once a day.
    forced = models.BooleanField("同じ日の再送", default=False)

    class Meta:
        verbose_name = "催促メールの送信記録"
        verbose_name_plural = "催促メールの送信記録"
        ordering = ["-date", "report"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "date"],
                condition=models.Q(forced=False),
                name="reminder_once_per_report_and_day",
            ),
        ]

    def __str__(self):
        return f"{self.report} {self.date}"


COMMENT_TEXT_MAX = 2000


class GoalComment(models.Model):
    """A comment on a goal between 総務課 and the department: a thread is a comment without a parent
    and its replies. Kept with the year; never printed on the official sheet."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="comments", verbose_name="目標")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies", verbose_name="返信先"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="書いた人",
    )
    text = models.TextField("コメント", max_length=COMMENT_TEXT_MAX)
    created_at = models.DateTimeField("日時", default=timezone.now)
    # On the thread's first comment only: the question is settled.
    resolved_at = models.DateTimeField("解決日時", null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="解決にした人",
    )

    class Meta:
        verbose_name = "コメント"
        verbose_name_plural = "コメント"
        ordering = ["goal", "created_at", "pk"]
        constraints = [_max_length("text", COMMENT_TEXT_MAX, "comment_text_max_length")]

    def __str__(self):
        return f"{self.goal} {self.text[:20]}"

    @property
    def is_open(self) -> bool:
        return self.parent_id is None and self.resolved_at is None


class MailSetting(models.Model):
    """How a person wants the notices they may batch: one mail each (都度) or a daily digest."""

    class Delivery(models.TextChoices):
        EACH = "each", "都度（1件ごとにメール）"
        DAILY = "daily", "1日1回まとめて"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mail_setting", verbose_name="職員"
    )
    delivery = models.CharField("通知メールの受け取り方", max_length=10, choices=Delivery.choices)
    updated_at = models.DateTimeField("更新日時", default=timezone.now)

    class Meta:
        verbose_name = "通知メールの設定"
        verbose_name_plural = "通知メールの設定"

    def __str__(self):
        return f"{self.user} {self.get_delivery_display()}"


DIGEST_LINE_MAX = 300


class DigestItem(models.Model):
    """A notice held for a person's daily digest. `sent_at` is set in the transaction that sends the
    digest, so an item is listed in exactly one digest."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_items", verbose_name="宛先"
    )
    ward = models.ForeignKey(Ward, on_delete=models.CASCADE, related_name="+", verbose_name="区")
    line = models.CharField("内容", max_length=DIGEST_LINE_MAX)
    url = models.CharField("リンク", max_length=500)
    created_at = models.DateTimeField("受付日時", default=timezone.now)
    sent_at = models.DateTimeField("まとめて送信した日時", null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = "まとめて送る通知"
        verbose_name_plural = "まとめて送る通知"
        ordering = ["user", "created_at", "pk"]

    def __str__(self):
        return f"{self.user} {self.line[:30]}"


class SheetDocument(models.Model):
    """A finished sheet output (a PDF, a workbook, or a part of one), kept under the hash of its inputs.

    The key names everything drawn into the bytes, so an entry never goes
    stale: a change to the sheet makes a new key, and the old entry ages out
    of the byte budget (goals/sheet/documents.py). In the database because
    every app server shares it.
    """

    key = models.CharField("キー", max_length=200, unique=True)
    filename = models.CharField("ファイル名", max_length=255, blank=True)
    content = models.BinaryField("内容")
    size = models.PositiveBigIntegerField("大きさ（バイト）")
    created_at = models.DateTimeField("作成日時", default=timezone.now)
    # Least recently used entries go first when the budget is exceeded.
    used_at = models.DateTimeField("最終利用日時", default=timezone.now, db_index=True)
    # Only entries stored through the Django cache API with a timeout have one.
    expires_at = models.DateTimeField("有効期限", null=True, blank=True)

    class Meta:
        verbose_name = "出力済みの文書"
        verbose_name_plural = "出力済みの文書"

    def __str__(self):
        return self.filename or self.key


class StagedUpload(models.Model):
    """A file waiting between its preview and its confirmation: a sheet's workbook or a ward's roster.

    Kept in the database, not on a local disk, so the confirmation may reach
    another app server than the preview did. goals/imports/store.py and
    departments/staff/store.py read and write it; expired ones are removed on
    every new upload and by `manage.py purge_uploads` (the daily job).
    """

    class Kind(models.TextChoices):
        SHEET = "sheet", "取組シートの読み込み"
        ROSTER = "roster", "職員名簿の読み込み"

    token = models.CharField("識別子", max_length=64, unique=True)
    kind = models.CharField("種類", max_length=10, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="読み込んだ人"
    )
    filename = models.CharField("ファイル名", max_length=200)
    data = models.BinaryField("内容")
    sha256 = models.CharField("SHA-256", max_length=64)
    # What the upload is for (ward, year, worksheet; 適用日 and the previewed plan for a roster).
    details = models.JSONField("読み込みの条件", default=dict)
    # What was read from the file, per reading's key, so preview and confirmation do not read it again.
    readings = models.JSONField("読み取り結果", default=dict)
    created_at = models.DateTimeField("読み込んだ日時", default=timezone.now)
    expires_at = models.DateTimeField("有効期限", db_index=True)

    class Meta:
        verbose_name = "確認待ちのファイル"
        verbose_name_plural = "確認待ちのファイル"

    def __str__(self):
        return f"{self.get_kind_display()} {self.filename}"
