from import_export import fields, resources
from import_export.widgets import DateWidget, ForeignKeyWidget

from .models import Department, Ward

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
