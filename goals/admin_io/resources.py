"""Flat import/export of goals for the admin (django-import-export).

Numbers are matched as in the sheet importer: 「１」 in the file updates goal 「1」
(NFKC and spaces), and the stored number keeps the ward's own style.
"""

import unicodedata

from django.core.exceptions import ValidationError
from import_export import fields, resources
from import_export.widgets import CharWidget, ForeignKeyWidget, IntegerWidget

from departments.models import Department, Ward
from departments.resources import WARD_COLUMN
from goals import workflow
from goals.imports.reader import cell_text
from goals.lib.cells import number_key
from goals.lib.text import plain
from goals.lib.wareki import fiscal_year_label
from goals.models import (
    FIRST_FISCAL_YEAR,
    GOAL_NUMBER_MAX,
    GOAL_TEXT_MAX,
    LAST_FISCAL_YEAR,
    RESULT_TEXT_MAX,
    AchievementLevel,
    Category,
    Goal,
    Sheet,
)


class _InRowWard(ForeignKeyWidget):
    """Looks the value up among the objects of the ward named in the same row."""

    def __init__(self, model, field, ward_lookup):
        super().__init__(model, field)
        self.ward_lookup = ward_lookup

    def get_queryset(self, value, row, *args, **kwargs):
        return self.model.objects.filter(**{self.ward_lookup: (row or {}).get(WARD_COLUMN)})


class PlainTextWidget(CharWidget):
    """Text as a form takes it: control and bidirectional formatting characters dropped (goals.lib.text)."""

    def clean(self, value, row=None, **kwargs):
        return plain(super().clean(value, row, **kwargs) or "")


class GoalResource(resources.ModelResource):
    ward = fields.Field(attribute="sheet__ward__name", column_name=WARD_COLUMN, readonly=True)
    sheet = fields.Field(
        attribute="sheet", column_name="年度", widget=_InRowWard(Sheet, "fiscal_year", "ward__name")
    )
    department = fields.Field(
        attribute="department", column_name="部署名", widget=_InRowWard(Department, "name", "ward__name")
    )
    # Blank cells read from XLSX arrive as None: text columns store "" and the order 0.
    number = fields.Field(attribute="number", column_name="番号", widget=PlainTextWidget())
    order = fields.Field(attribute="order", column_name="表示順", widget=IntegerWidget(), default=0)
    category = fields.Field(
        attribute="category", column_name="区分", widget=ForeignKeyWidget(Category, "name")
    )
    text = fields.Field(attribute="text", column_name="目標及び具体的な取組内容", widget=PlainTextWidget())
    result = fields.Field(attribute="result", column_name="実施結果", widget=PlainTextWidget())
    achievement = fields.Field(
        attribute="achievement", column_name="達成度", widget=ForeignKeyWidget(AchievementLevel, "number")
    )

    class Meta:
        model = Goal
        fields = (
            "ward",
            "sheet",
            "department",
            "number",
            "order",
            "category",
            "text",
            "result",
            "achievement",
        )
        import_id_fields = ("sheet", "department", "number")
        skip_unchanged = True
        report_skipped = True

    def get_queryset(self):
        return Goal.objects.select_related("sheet__ward", "department", "category", "achievement")

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self.checks = GoalRowChecks()

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        errors = self.checks.errors(row, kwargs.get("row_number"))
        if errors:
            raise ValidationError(errors)
        self.checks.normalize(row)

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        if instance.pk:
            # Over the version read with the row, and on to the next: an editor's save in between is
            # not overwritten (the import stops), and an editor holding the old version is refused.
            workflow.claim_imported_goal(instance, by=kwargs.get("user"))
        elif kwargs.get("user") is not None:
            instance.updated_by = kwargs["user"]


class GoalRowChecks:
    """Validates one flat row with Japanese messages keyed by column; everything is looked up once per file."""

    def __init__(self):
        self.wards = set(Ward.objects.values_list("name", flat=True))
        self.sheets = set(Sheet.objects.values_list("ward__name", "fiscal_year"))
        self.departments = set(Department.objects.values_list("ward__name", "name"))
        self.categories = set(Category.objects.values_list("name", flat=True))
        self.levels = {str(n): n for n in AchievementLevel.objects.values_list("number", flat=True)}
        self.numbers = {
            (ward, year, department, number_key(number)): number
            for ward, year, department, number in Goal.objects.values_list(
                "sheet__ward__name", "sheet__fiscal_year", "department__name", "number"
            )
        }
        self.seen: dict[tuple, int] = {}

    def normalize(self, row) -> None:
        """A valid row as the lookups need it: the stored goal's own number, the level as a plain digit."""
        value = {column: cell_text(row.get(column)).strip() for column in row}
        year = int(float(unicodedata.normalize("NFKC", value["年度"])))
        key = (value[WARD_COLUMN], year, value["部署名"], number_key(value["番号"]))
        row["番号"] = self.numbers.get(key, value["番号"])
        if value.get("達成度"):
            row["達成度"] = _level_digits(value["達成度"])

    def errors(self, row, row_number) -> dict[str, str]:
        value = {column: cell_text(row.get(column)).strip() for column in row}
        errors = {}
        ward, year = value.get(WARD_COLUMN, ""), self._year(value.get("年度", ""), errors)
        if ward not in self.wards:
            errors[WARD_COLUMN] = f"区「{ward}」は登録されていません。" if ward else "区を入力してください。"
        elif year is not None and (ward, year) not in self.sheets:
            errors["年度"] = (
                f"{ward}の{fiscal_year_label(year)}（{year}年度）の取組シートがありません。"
                "先に取組シートを作成してください。"
            )
        department = value.get("部署名", "")
        if ward in self.wards and (ward, department) not in self.departments:
            errors["部署名"] = (
                f"部署「{department}」は{ward}にありません。" if department else "部署名を入力してください。"
            )
        number = value.get("番号", "")
        if not number:
            errors["番号"] = "番号を入力してください。"
        elif len(number) > GOAL_NUMBER_MAX:
            errors["番号"] = f"番号が長すぎます（上限{GOAL_NUMBER_MAX}文字）。"
        if value.get("表示順") and not value["表示順"].removesuffix(".0").isdigit():
            errors["表示順"] = f"表示順「{value['表示順']}」は0以上の整数で入力してください。"
        self._check_lookups(value, errors)
        self._check_lengths(row, errors)
        key = (ward, year, department, number_key(number))
        if not errors and key in self.seen:
            errors["番号"] = (
                f"部署「{department}」の番号「{number}」が重複しています（行番号 {self.seen[key]} と同じ番号）。"
            )
        self.seen.setdefault(key, row_number)
        return errors

    @staticmethod
    def _year(raw, errors):
        try:
            year = int(float(unicodedata.normalize("NFKC", raw)))
        except ValueError:
            errors["年度"] = f"年度「{raw}」は西暦の数字で入力してください（令和7年度なら2025）。"
            return None
        if not FIRST_FISCAL_YEAR <= year <= LAST_FISCAL_YEAR:
            errors["年度"] = (
                f"年度「{raw}」は扱えません。{FIRST_FISCAL_YEAR}〜{LAST_FISCAL_YEAR}の西暦で指定してください"
                "（令和7年度なら2025）。"
            )
            return None
        return year

    def _check_lookups(self, value, errors):
        category, level = value.get("区分", ""), value.get("達成度", "")
        if category and category not in self.categories:
            errors["区分"] = f"区分「{category}」は登録されていません。"
        if level and _level_digits(level) not in self.levels:
            known = "、".join(self.levels) or "なし"
            errors["達成度"] = f"達成度「{level}」はありません。使える達成度の番号：{known}"

    @staticmethod
    def _check_lengths(row, errors):
        text = cell_text(row.get("目標及び具体的な取組内容"))
        result = cell_text(row.get("実施結果"))
        if not text.strip():
            errors["目標及び具体的な取組内容"] = "目標の本文を入力してください。"
        elif len(text) > GOAL_TEXT_MAX:
            errors["目標及び具体的な取組内容"] = (
                f"目標の本文が長すぎます（{len(text)}文字、上限{GOAL_TEXT_MAX}文字）。"
            )
        if len(result) > RESULT_TEXT_MAX:
            errors["実施結果"] = f"実施結果が長すぎます（{len(result)}文字、上限{RESULT_TEXT_MAX}文字）。"


def _level_digits(raw: str) -> str:
    """「３」, 「3.0」 and 「 3 」 are level 3."""
    return unicodedata.normalize("NFKC", raw).strip().removesuffix(".0")
