"""Sign-in forms with the user name's length checked before anyone is asked to authenticate.

Django's AuthenticationForm shows the length limit to the browser but does not validate it, so a
long name reached authenticate() and django-axes, which stores it in a 255-character column: a 500 on
PostgreSQL. No account can have a longer name, so saying so reveals nothing.
"""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator


def _limit_username(form):
    limit = get_user_model()._meta.get_field(get_user_model().USERNAME_FIELD).max_length or 150
    form.fields["username"].validators.append(
        MaxLengthValidator(limit, message=f"ユーザー名は{limit}文字以内で入力してください。")
    )


class SignInForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_username(self)


class AdminSignInForm(AdminAuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_username(self)
