from django.contrib.auth import views as auth_views
from django.shortcuts import render

from .directory import SignInForm, is_directory_user

sign_in = auth_views.LoginView.as_view(authentication_form=SignInForm)
_password_change = auth_views.PasswordChangeView.as_view()


def password_change(request, *args, **kwargs):
    """People who sign in with the directory change their password there, not here."""
    if is_directory_user(request.user):
        return render(request, "registration/password_change_directory.html")
    return _password_change(request, *args, **kwargs)
