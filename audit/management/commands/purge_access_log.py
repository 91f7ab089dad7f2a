import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit.models import AccessEvent


class Command(BaseCommand):
    help = "保存期間（DJANGO_ACCESS_LOG_RETENTION_DAYS）を過ぎたアクセス記録を削除します。毎日 cron で実行します。"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="保存する日数（既定は設定の値）")
        parser.add_argument("--dry-run", action="store_true", help="数えるだけで削除しない")

    def handle(self, *args, days=None, dry_run=False, **options):
        days = settings.ACCESS_LOG_RETENTION_DAYS if days is None else days
        if days < 1:
            raise CommandError("保存する日数は1以上にしてください。")
        cutoff = timezone.now() - datetime.timedelta(days=days)
        old = AccessEvent.objects.filter(at__lt=cutoff)
        count = old.count() if dry_run else old.delete()[0]
        verb = "削除の対象" if dry_run else "削除しました"
        self.stdout.write(f"{cutoff:%Y-%m-%d %H:%M} より前のアクセス記録：{count}件（{verb}）")
