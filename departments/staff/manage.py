"""Adding, moving and ending memberships one at a time, and the sign-in set-up mail.

Every change saves the Membership (so django-simple-history records who did it, from the
request) inside one transaction.
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from departments.models import Membership

from .plan import split_name


class ChangeRefused(Exception):
    """The change would break a rule; the message says which in Japanese."""


def _save(membership: Membership, reason: str) -> Membership:
    from django.core.exceptions import ValidationError

    try:
        membership.full_clean(validate_unique=True)
    except ValidationError as error:
        raise ChangeRefused(" ".join(error.messages)) from None
    membership._change_reason = reason
    membership.save()
    return membership


def add_membership(*, username, name, email, department, role, valid_from, valid_until) -> Membership:
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.filter(username=username).first()
        if user is None:
            family, given = split_name(name)
            user = User(username=username, last_name=family, first_name=given, email=email)
            user.set_unusable_password()
            user.save()
        membership = Membership(
            user=user, department=department, role=role, valid_from=valid_from, valid_until=valid_until
        )
        return _save(membership, "所属の追加")


def end_membership(membership: Membership, last_day: datetime.date) -> Membership:
    if last_day < membership.valid_from:
        raise ChangeRefused(f"終了日は開始日（{membership.valid_from:%Y-%m-%d}）より後の日付にしてください。")
    with transaction.atomic():
        membership.valid_until = last_day
        return _save(membership, "所属の終了")


def move_membership(membership: Membership, department, first_day: datetime.date) -> Membership:
    """Ends the membership the day before first_day and starts the same role in department on it."""
    if department.pk == membership.department_id:
        raise ChangeRefused("異動先が今と同じ部署です。")
    if first_day <= membership.valid_from:
        raise ChangeRefused(
            f"異動日は今の所属の開始日（{membership.valid_from:%Y-%m-%d}）より後にしてください。"
        )
    with transaction.atomic():
        new = Membership(
            user=membership.user,
            department=department,
            role=membership.role,
            valid_from=first_day,
            valid_until=membership.valid_until
            if membership.valid_until and membership.valid_until >= first_day
            else None,
        )
        membership.valid_until = first_day - datetime.timedelta(days=1)
        _save(membership, "異動（元の所属の終了）")
        return _save(new, "異動（新しい所属）")


def send_setup_mail(person) -> str:
    """A one-time link to choose a password (Django's password reset, valid PASSWORD_RESET_TIMEOUT)."""
    if not person.email:
        raise ChangeRefused("メールアドレスが登録されていないため、設定メールを送れません。")
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    token = default_token_generator.make_token(person)
    link = settings.SITE_URL.rstrip("/") + reverse("password_reset_confirm", args=[uid, token])
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    body = (
        f"{person.get_full_name() or person.username} 様\n\n"
        "向上指針取組シートのアカウントが用意されました。\n"
        f"ユーザー名：{person.username}\n\n"
        f"次のリンクを開いて、パスワードを決めてください（{hours}時間有効、1回だけ使えます）。\n{link}\n\n"
        "心当たりのない場合は、このメールを破棄し、総務課にお知らせください。\n"
    )
    EmailMessage("【向上指針】サインインの設定のお願い", body, to=[person.email]).send()
    return person.email
