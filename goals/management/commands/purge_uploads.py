from django.core.management.base import BaseCommand

from goals.imports.store import purge_expired


class Command(BaseCommand):
    help = (
        "確認画面の有効期限が切れた、読み込み待ちのファイル（取組シートの Excel・職員名簿）を削除します。"
        "毎日 cron で実行してください（新しいファイルを読み込むときにも削除します）。"
    )

    def handle(self, *args, **options):
        removed = purge_expired()
        self.stdout.write(f"有効期限が切れた読み込み待ちのファイルを {removed} 件削除しました。")
