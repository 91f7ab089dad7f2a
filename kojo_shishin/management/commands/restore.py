from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kojo_shishin.backups import BackupError, restore


class Command(BaseCommand):
    help = "backup で作ったファイルからデータベースを復元します。現在のデータはすべて置き換わります。アプリを止めてから実行してください。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--input", dest="source", type=Path, required=True, help="backup で作ったファイル"
        )
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")

    def handle(self, *args, source: Path, interactive: bool, **options):
        if interactive:
            answer = input_answer(
                f"現在のデータを {source} の内容で置き換えます。よろしければ yes と入力してください: "
            )
            if answer != "yes":
                raise CommandError("復元を取りやめました。データは変更していません。")
        try:
            restore(source)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"{source} から復元しました。"))


def input_answer(prompt: str) -> str:
    return input(prompt).strip()
