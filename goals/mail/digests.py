"""The daily digest: one mail per person who chose 1日1回まとめて, listing what arrived since their last.

Each held notice (DigestItem) is marked sent in the transaction that mails it: a second run the same
day finds nothing to send, and a mail that fails leaves its notices for the next run.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from goals.lib.people import display_name
from goals.lib.wareki import datetime_label
from goals.mail.notifications import _absolute, _letter, _send
from goals.models import DigestItem, MailSetting


@dataclass
class Digest:
    user: object
    count: int
    recipients: list[str]


def digest_body(user, items) -> str:
    """The digest's text: each notice with when it arrived and its link, as an office letter."""
    tz = timezone.get_current_timezone()
    lines = [
        f"{n}. {item.line}（{datetime_label(item.created_at, tz)}）\n   {item.url}"
        for n, item in enumerate(items, 1)
    ]
    return _letter(
        items[0].ward,
        f"{display_name(user)} 様",
        happened=(
            f"前回のまとめのお知らせ以降に、向上指針取組シートで次の{len(items)}件がありました。\n\n"
            + "\n\n".join(lines)
        ),
        todo=(
            "内容をご確認のうえ、それぞれのページで必要な作業を行ってください。"
            "通知メールの受け取り方（都度／1日1回まとめて）は、次のページで変更できます。"
        ),
        url=_absolute(reverse("goals:mail_settings")),
    )


def send_digests(now=None) -> list[Digest]:
    """Send every pending digest; returns one entry per person mailed (or, without an address, skipped)."""
    now = now or timezone.now()
    pending = (
        get_user_model()
        .objects.filter(digest_items__sent_at__isnull=True, is_active=True)
        .distinct()
        .order_by("username")
    )
    sent = []
    for user in pending:
        with transaction.atomic():
            items = list(
                DigestItem.objects.select_for_update()
                .filter(user=user, sent_at__isnull=True, created_at__lte=now)
                .select_related("ward")
                .order_by("created_at", "pk")
            )
            if not items:
                continue  # another run took them
            subject = f"【向上指針】お知らせのまとめ（{len(items)}件）"
            recipients = _send([user.email] if user.email else [], subject, digest_body(user, items))
            DigestItem.objects.filter(pk__in=[i.pk for i in items]).update(sent_at=now)
        sent.append(Digest(user, len(items), recipients))
    return sent


def delivery_of(user) -> str:
    """都度 unless the person chose otherwise."""
    setting = MailSetting.objects.filter(user_id=user.pk).first()
    return setting.delivery if setting else MailSetting.Delivery.EACH


def set_delivery(user, delivery: str) -> MailSetting:
    """The person's choice for the notices that may be batched (提出・承認待ち・コメント)."""
    setting, _ = MailSetting.objects.update_or_create(
        user_id=user.pk, defaults={"delivery": delivery, "updated_at": timezone.now()}
    )
    return setting
