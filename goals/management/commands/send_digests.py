from django.core.management.base import BaseCommand

from goals.mail.digests import send_digests


class Command(BaseCommand):
    help = (
        "通知メールを「1日1回まとめて」受け取る職員に、前回のまとめ以降の通知（提出・承認待ち・コメント）を"
        "1通にまとめて送ります。送った通知は記録し、二度は送りません。毎日 cron で実行してください。"
    )

    def handle(self, *args, **options):
        sent = send_digests()
        for digest in sent:
            to = "、".join(digest.recipients) or "（メールアドレスがありません）"
            self.stdout.write(f"送信：{digest.user.get_username()}（{digest.count}件）→ {to}")
        if not sent:
            self.stdout.write("まとめて送る通知はありません。")
