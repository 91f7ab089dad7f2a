from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path
from django.views.generic import RedirectView

from kojo_shishin.sign_in import AdminSignInForm, SignInForm

admin.site.site_header = "向上指針取組シート 管理"
admin.site.site_title = "向上指針 管理"
admin.site.index_title = "管理メニュー"
admin.site.login_form = AdminSignInForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", LoginView.as_view(authentication_form=SignInForm), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("goals.urls")),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
