import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from goals.seed.parser import SEED_TEXT, SeedFormatError, build_fixtures, parse_seed_text


def render_fixture(objects) -> str:
    return json.dumps(objects, ensure_ascii=False, indent=1) + "\n"


class Command(BaseCommand):
    help = "公式の取組シート（テキスト）からフィクスチャ（fixtures/*.json）を作り直します。"

    def add_arguments(self, parser):
        parser.add_argument("--source", type=Path, default=SEED_TEXT, help="取組シートのテキスト")
        parser.add_argument(
            "--output-dir", type=Path, default=Path(settings.BASE_DIR) / "fixtures", help="出力先フォルダ"
        )

    def handle(self, *args, source: Path, output_dir: Path, **options):
        try:
            seed = parse_seed_text(source.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(f"ファイル {source} が見つかりません。") from None
        except (SeedFormatError, ValueError) as error:
            raise CommandError(f"{source}: {error}") from None
        output_dir.mkdir(parents=True, exist_ok=True)
        for name, objects in build_fixtures(seed, f"{source.stem}.json").items():
            (output_dir / name).write_text(render_fixture(objects), encoding="utf-8")
            self.stdout.write(f"{output_dir / name}: {len(objects)}件")
