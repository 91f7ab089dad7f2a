from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kojo_shishin.backups import BackupError, restore, verify


class Command(BaseCommand):
    help = (
        "backup で作ったファイルからデータベースを復元します。現在のデータはすべて置き換わります"
        "（置き換える前の内容は安全のためのコピーとして残します）。アプリを止めてから実行してください。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--input", dest="source", type=Path, required=True, help="backup で作ったファイル"
        )
        parser.add_argument(
            "--safety-dir",
            type=Path,
            default=None,
            help="復元の前に現在のデータベースをコピーしておくフォルダー（既定: バックアップファイルと同じフォルダー）",
        )
        parser.add_argument(
            "--check-only", action="store_true", help="バックアップを確かめるだけで、復元はしません"
        )
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")

    def handle(self, *args, source: Path, safety_dir, check_only: bool, interactive: bool, **options):
        try:
            manifest = verify(source)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{source} を確かめました（{manifest['created_at']} 作成、アプリ {manifest['app_version']}、"
            f"{manifest['vendor']}、SHA-256 一致）。"
        )
        if check_only:
            return
        if interactive:
            answer = input_answer(
                f"現在のデータを {source} の内容で置き換えます。よろしければ yes と入力してください: "
            )
            if answer != "yes":
                raise CommandError("復元を取りやめました。データは変更していません。")
        try:
            restored = restore(source, safety_dir=safety_dir)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"復元する前のデータベースを {restored.safety_copy} に保存しました"
            f"（元に戻すには restore --input {restored.safety_copy}）。"
        )
        self.stdout.write(self.style.SUCCESS(f"{source} から復元しました。"))


def input_answer(prompt: str) -> str:
    return input(prompt).strip()
