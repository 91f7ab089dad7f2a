from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kojo_shishin.backups import BackupError, backup


class Command(BaseCommand):
    help = (
        "稼働中のままデータベースの一貫したコピーを作ります（SQLite はオンラインバックアップ、"
        "PostgreSQL は pg_dump）。確認用ファイル（チェックサムなど）を隣に書きます。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, required=True, help="バックアップの保存先ファイル")

    def handle(self, *args, output: Path, **options):
        try:
            manifest = backup(output)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"バックアップを作成しました: {output}（{output.stat().st_size:,} バイト）、"
                f"確認用ファイル: {manifest}"
            )
        )
