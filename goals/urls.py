from django.urls import path

from goals.views import (
    board,
    carry_forward,
    city,
    goal_pages,
    help,
    imports,
    landing,
    mail_settings,
    public,
    publication,
    reports,
    sheets,
    years,
)

app_name = "goals"

urlpatterns: list = [
    # The year in the browser: landing, department pages, goals, ward board.
    path("", landing.home, name="home"),
    path("tasks/", landing.tasks, name="tasks"),
    path("help/", help.help_page, name="help"),
    path("settings/mail/", mail_settings.mail_settings, name="mail_settings"),
    path("reports/<int:pk>/", reports.report_detail, name="report"),
    path("reports/<int:pk>/goals/new/", goal_pages.goal_new, name="goal_new"),
    path("reports/<int:pk>/submit/", reports.report_submit, name="report_submit"),
    path("reports/<int:pk>/return/", reports.report_return, name="report_return"),
    path("reports/<int:pk>/confirm/", reports.report_confirm, name="report_confirm"),
    path("reports/<int:pk>/approve/", reports.report_approve, name="report_approve"),
    path("reports/<int:pk>/send-back/", reports.report_send_back, name="report_send_back"),
    path("goals/<int:pk>/", goal_pages.goal_detail, name="goal"),
    path("goals/<int:pk>/edit/", goal_pages.goal_edit, name="goal_edit"),
    path("goals/<int:pk>/result/", goal_pages.goal_result, name="goal_result"),
    path("goals/<int:pk>/delete/", goal_pages.goal_delete, name="goal_delete"),
    path("goals/<int:pk>/move/", goal_pages.goal_move, name="goal_move"),
    path("goals/<int:pk>/comments/", goal_pages.goal_comment, name="goal_comment"),
    path("comments/<int:pk>/resolve/", goal_pages.comment_resolve, name="comment_resolve"),
    path("board/<str:ward>/<int:year>/", board.ward_board, name="board"),
    path("board/<str:ward>/<int:year>/advance/", board.board_advance, name="board_advance"),
    path("board/<str:ward>/<int:year>/reopen/", board.board_reopen, name="board_reopen"),
    path("board/<str:ward>/<int:year>/deadline/", board.board_deadline, name="board_deadline"),
    path("board/<str:ward>/<int:year>/selected/", board.board_selected, name="board_selected"),
    # The official sheet: page, PDF and Excel, whole or per department.
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
    # Workbooks in (upload → preview → confirm) and sheets into the next year.
    path("imports/", imports.upload, name="import_upload"),
    path("imports/<slug:token>/", imports.preview, name="import_preview"),
    path("imports/<slug:token>/confirm/", imports.confirm, name="import_confirm"),
    path("imports/<slug:token>/cancel/", imports.cancel, name="import_cancel"),
    path("sheets/<str:ward>/<int:year>/carry-forward/", carry_forward.carry_forward, name="carry_forward"),
    # Publication (the ward's 取りまとめ), the public pages without sign-in, open data and its API.
    path("board/<str:ward>/<int:year>/publication/", publication.publication, name="publication"),
    path("board/<str:ward>/<int:year>/publication/publish/", publication.publish, name="publish"),
    path("board/<str:ward>/<int:year>/publication/withdraw/", publication.unpublish, name="unpublish"),
    path("kokai/", public.index, name="public_index"),
    path("kokai/opendata/", public.columns, name="public_columns"),
    path("kokai/cities/<str:code>/", public.city, name="public_city"),
    path("kokai/wards/<str:ward>/", public.ward, name="public_ward"),
    path("kokai/wards/<str:ward>/<int:year>/", public.sheet, name="public_sheet"),
    path("kokai/wards/<str:ward>/<int:year>/pdf/", public.sheet_pdf, name="public_sheet_pdf"),
    path("kokai/wards/<str:ward>/<int:year>/xlsx/", public.sheet_xlsx, name="public_sheet_xlsx"),
    path("kokai/data/<str:ward>/<int:year>.csv", public.data_csv, name="public_csv"),
    path("kokai/data/<str:ward>/<int:year>.json", public.data_json, name="public_json"),
    path("kokai/api/sheets/", public.api_sheets, name="public_api_sheets"),
    path("kokai/api/sheets/<str:ward>/<int:year>/", public.api_sheet, name="public_api_sheet"),
    # A department across years (every reader of the department page).
    path("reports/<int:pk>/years/", years.department_years_page, name="department_years"),
    # The city (区政推進): every ward of the city, read only.
    path("cities/<str:code>/<int:year>/", city.city, name="city"),
    path("cities/<str:code>/<int:year>/wards/<str:ward>/", city.city_ward, name="city_ward"),
    path("cities/<str:code>/<int:year>/rollup/", city.city_rollup, name="city_rollup"),
    path("cities/<str:code>/<int:year>/rollup/pdf/", city.city_rollup_pdf, name="city_rollup_pdf"),
    path("cities/<str:code>/<int:year>/rollup/xlsx/", city.city_rollup_xlsx, name="city_rollup_xlsx"),
]
