import datetime

from django.core.exceptions import ValidationError
from import_export import fields, resources
from import_export.widgets import DateWidget, ForeignKeyWidget

from .models import Department, Ward, retired_on_problem

WARD_COLUMN = "区"


class DepartmentResource(resources.ModelResource):
    """Flat rows: 区, 部署名, 表示順, 廃止日; a department is found by ward and name."""

    ward = fields.Field(attribute="ward", column_name=WARD_COLUMN, widget=ForeignKeyWidget(Ward, "name"))
    name = fields.Field(attribute="name", column_name="部署名")
    order = fields.Field(attribute="order", column_name="表示順")
    retired_on = fields.Field(attribute="retired_on", column_name="廃止日", widget=DateWidget("%Y-%m-%d"))

    class Meta:
        model = Department
        fields = ("ward", "name", "order", "retired_on")
        import_id_fields = ("ward", "name")
        skip_unchanged = True
        report_skipped = True

    def get_queryset(self):
        return Department.objects.select_related("ward")

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self.wards = set(Ward.objects.values_list("name", flat=True))
        self.seen: dict[tuple, int] = {}

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        errors = self._errors({column: _text(row.get(column)) for column in row}, kwargs.get("row_number"))
        if errors:
            raise ValidationError(errors)

    def _errors(self, value, row_number) -> dict[str, str]:
        """Japanese messages keyed by column, checked before the library looks anything up."""
        errors = {}
        ward, name = value.get(WARD_COLUMN, ""), value.get("部署名", "")
        if ward not in self.wards:
            errors[WARD_COLUMN] = f"区「{ward}」は登録されていません。" if ward else "区を入力してください。"
        limit = Department._meta.get_field("name").max_length
        if not name:
            errors["部署名"] = "部署名を入力してください。"
        elif len(name) > limit:
            errors["部署名"] = f"部署名が長すぎます（{len(name)}文字、上限{limit}文字）。"
        elif (ward, name) in self.seen:
            errors["部署名"] = (
                f"部署「{name}」が重複しています（行番号 {self.seen[(ward, name)]} と同じ部署）。"
            )
        self.seen.setdefault((ward, name), row_number)
        if value.get("表示順") and not value["表示順"].removesuffix(".0").isdigit():
            errors["表示順"] = f"表示順「{value['表示順']}」は0以上の整数で入力してください。"
        if value.get("廃止日"):
            try:
                retired_on = datetime.date.fromisoformat(value["廃止日"][:10])
            except ValueError:
                errors["廃止日"] = f"廃止日「{value['廃止日']}」は 2026-03-31 の形で入力してください。"
            else:
                if problem := retired_on_problem(retired_on):
                    errors["廃止日"] = problem
        return errors


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
