"""Flat import/export of goals for the admin (django-import-export)."""

from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from departments.models import Department
from departments.resources import WARD_COLUMN

from .models import AchievementLevel, Category, Goal, Sheet


class _InRowWard(ForeignKeyWidget):
    """Looks the value up among the objects of the ward named in the same row."""

    def __init__(self, model, field, ward_lookup):
        super().__init__(model, field)
        self.ward_lookup = ward_lookup

    def get_queryset(self, value, row, *args, **kwargs):
        return self.model.objects.filter(**{self.ward_lookup: (row or {}).get(WARD_COLUMN)})


class GoalResource(resources.ModelResource):
    ward = fields.Field(attribute="sheet__ward__name", column_name=WARD_COLUMN, readonly=True)
    sheet = fields.Field(
        attribute="sheet", column_name="年度", widget=_InRowWard(Sheet, "fiscal_year", "ward__name")
    )
    department = fields.Field(
        attribute="department", column_name="部署名", widget=_InRowWard(Department, "name", "ward__name")
    )
    number = fields.Field(attribute="number", column_name="番号")
    order = fields.Field(attribute="order", column_name="表示順")
    category = fields.Field(
        attribute="category", column_name="区分", widget=ForeignKeyWidget(Category, "name")
    )
    text = fields.Field(attribute="text", column_name="目標及び具体的な取組内容")
    result = fields.Field(attribute="result", column_name="実施結果")
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
