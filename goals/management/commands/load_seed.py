from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from departments.models import Ward
from goals.models import AchievementLevel, Category


class Command(BaseCommand):
    help = (
        "空のデータベースに限り、fixtures/*.json（幸区 令和7年度の取組シート、区分、達成度）を読み込みます。"
        "データが一件でもあれば何もしません。"
    )

    def handle(self, *args, **options):
        # Loading into a database people already use would overwrite what
        # they typed (the fixture's natural keys match existing rows).
        if Ward.objects.exists() or Category.objects.exists() or AchievementLevel.objects.exists():
            self.stdout.write("データベースにデータがあるため、初期データは読み込みません。")
            return
        fixtures = sorted(str(path) for path in (Path(settings.BASE_DIR) / "fixtures").glob("*.json"))
        call_command("loaddata", *fixtures, verbosity=0)
        self.stdout.write(self.style.SUCCESS(f"初期データを読み込みました（{len(fixtures)}ファイル）。"))
