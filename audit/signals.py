"""Sign-ins, failed sign-ins, lockouts and sign-outs into the access log."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .log import record
from .models import AccessEvent

Kind, Outcome = AccessEvent.Kind, AccessEvent.Outcome


@receiver(user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender, request, user, **kwargs):
    record(request, Kind.LOGIN, what="ログイン", user=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))
    record(request, Kind.LOGIN_FAILED, what="ログイン", outcome=Outcome.FAILURE, user=None, username=username)


@receiver(user_locked_out, dispatch_uid="audit_lockout")
def _locked_out(sender, request, username, ip_address, **kwargs):
    record(
        request,
        Kind.LOCKOUT,
        what="連続した失敗によるロック",
        outcome=Outcome.REFUSED,
        user=None,
        username=username or "",
    )


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(request, Kind.LOGOUT, what="ログアウト", user=user)
