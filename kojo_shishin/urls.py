from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from kojo_shishin import views
from kojo_shishin.sign_in import AdminSignInForm

# Every app's ModelAdmins, before admin.site.urls lists them (kojo_shishin/admin_app.py).
admin.autodiscover()
admin.site.site_header = "向上指針取組シート 管理"
admin.site.site_title = "向上指針 管理"
admin.site.index_title = "管理メニュー"
admin.site.login_form = AdminSignInForm

urlpatterns = [
    path("admin/", admin.site.urls),
    # Before Django's own: the sign-in form that tells when the directory is unreachable, and no
    # password change for people whose password lives in the directory.
    path("accounts/login/", views.sign_in, name="login"),
    path("accounts/password_change/", views.password_change, name="password_change"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("departments.urls")),
    path("", include("audit.urls")),
    path("", include("goals.urls")),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
