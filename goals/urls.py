from django.urls import path

from goals.views import board, carry_forward, goal_pages, help, imports, landing, reports, sheets

app_name = "goals"

urlpatterns: list = [
    # The year in the browser (issue 4): landing, department pages, goals, ward board.
    path("", landing.home, name="home"),
    path("tasks/", landing.tasks, name="tasks"),
    path("help/", help.help_page, name="help"),
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
    # The official sheet (issue 3): page, PDF and Excel, whole or per department.
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
    # Workbooks in (upload → preview → confirm) and sheets into the next year (issue 5).
    path("imports/", imports.upload, name="import_upload"),
    path("imports/<slug:token>/", imports.preview, name="import_preview"),
    path("imports/<slug:token>/confirm/", imports.confirm, name="import_confirm"),
    path("imports/<slug:token>/cancel/", imports.cancel, name="import_cancel"),
    path("sheets/<str:ward>/<int:year>/carry-forward/", carry_forward.carry_forward, name="carry_forward"),
]
