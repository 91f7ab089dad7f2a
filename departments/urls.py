from django.urls import path

from . import views

app_name = "staff"

urlpatterns = [
    path("staff/<str:ward>/", views.staff, name="staff"),
    path("staff/<str:ward>/memberships/new/", views.membership_add, name="membership_add"),
    path("staff/<str:ward>/memberships/<int:pk>/end/", views.membership_end, name="membership_end"),
    path("staff/<str:ward>/memberships/<int:pk>/move/", views.membership_move, name="membership_move"),
    path("staff/<str:ward>/people/<int:pk>/setup-mail/", views.setup_mail, name="setup_mail"),
    path("staff/<str:ward>/roster/", views.roster, name="roster"),
    path("staff/<str:ward>/roster/<slug:token>/", views.roster_preview, name="roster_preview"),
    path("staff/<str:ward>/roster/<slug:token>/commit/", views.roster_commit, name="roster_commit"),
    path("staff/<str:ward>/roster/<slug:token>/cancel/", views.roster_cancel, name="roster_cancel"),
    path("staff/<str:ward>/roster.<str:fmt>", views.roster_export, name="roster_export"),
]
