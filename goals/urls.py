from django.urls import path

from .views import carry_forward, imports

app_name = "goals"

urlpatterns: list = []

# Workbooks in (upload → preview → confirm) and sheets into the next year.
urlpatterns += [
    path("imports/", imports.upload, name="import_upload"),
    path("imports/<slug:token>/", imports.preview, name="import_preview"),
    path("imports/<slug:token>/confirm/", imports.confirm, name="import_confirm"),
    path("imports/<slug:token>/cancel/", imports.cancel, name="import_cancel"),
    path("sheets/<str:ward>/<int:year>/carry-forward/", carry_forward.carry_forward, name="carry_forward"),
]
