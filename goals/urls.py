from django.urls import path

from .views import sheets

app_name = "goals"

urlpatterns: list = [
    path("sheets/<str:ward>/<int:year>/", sheets.sheet, name="sheet"),
    path("sheets/<str:ward>/<int:year>/pdf/", sheets.sheet_pdf, name="sheet_pdf"),
    path("sheets/<str:ward>/<int:year>/xlsx/", sheets.sheet_xlsx, name="sheet_xlsx"),
    path(
        "sheets/<str:ward>/<int:year>/departments/<int:department_id>/",
        sheets.department_sheet,
        name="department_sheet",
    ),
    path(
        "sheets/<str:ward>/<int:year>/departments/<int:department_id>/pdf/",
        sheets.department_sheet_pdf,
        name="department_sheet_pdf",
    ),
    path(
        "sheets/<str:ward>/<int:year>/departments/<int:department_id>/xlsx/",
        sheets.department_sheet_xlsx,
        name="department_sheet_xlsx",
    ),
]
