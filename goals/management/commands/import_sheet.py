from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from goals.imports.commit import ImportRefused, commit_import
from goals.imports.plan import CHANGE, CREATE, build_plan
from goals.imports.reader import WorkbookError, read_workbook
from goals.management.arguments import YEAR_HELP, fiscal_year
from goals.models import Category


class Command(BaseCommand):
    help = (
        "公式様式の取組シート（.xlsx・.xlsm・.xls・.ods・CSV）を、区と年度を指定して読み込みます。"
        "部署・目標ごとの新規・変更・変更なしを表示し、問題があれば何も書き込まずに終了します（終了コード1）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="取組シートのファイル（.xlsx・.xlsm・.xls・.ods・CSV）")
        parser.add_argument("--ward", required=True, help="区名（例：幸区）")
        parser.add_argument("--year", default=None, help=f"{YEAR_HELP}。省略時はブックの表題の年度")
        parser.add_argument(
            "--sheet", default=None, help="読み込むシート名（省略時は目標の表がある最初のシート）"
        )
        parser.add_argument("--dry-run", action="store_true", help="確認だけして、何も書き込まない")
        parser.add_argument(
            "--create-missing",
            action="store_true",
            help="未登録の部署・区分があれば作成する（指定がなければ中止）",
        )
        parser.add_argument(
            "--confirm",
            action="store_true",
            help="表題と違う年度への読み込み、計画の段階への実施結果の読み込みを確認済みとして行う",
        )
        parser.add_argument("--include-hidden", action="store_true", help="非表示の行・列も読み込む")

    def handle(self, *args, file: Path, ward, year, sheet, dry_run, create_missing, **options):
        confirm, include_hidden = options["confirm"], options["include_hidden"]
        try:
            data = file.read_bytes()
        except FileNotFoundError:
            raise CommandError(f"ファイル {file} が見つかりません。") from None
        except OSError as error:
            raise CommandError(f"ファイル {file} を読めません（{error.strerror}）。") from None
        try:
            parsed = read_workbook(
                data, Category.objects.values_list("name", flat=True), sheet, include_hidden=include_hidden
            )
        except WorkbookError as error:
            raise CommandError(f"{file.name}: {error.problem}") from None
        if year is None:
            if parsed.title_year is None:
                raise CommandError(
                    f"{file.name}: ブックの表題から年度を読み取れません。--year で年度を指定してください。"
                )
            year = parsed.title_year
        else:
            year = fiscal_year(year)
        plan = build_plan(parsed, ward, year)
        self._report(plan)
        if plan.problems:
            raise CommandError(self._problems(file, plan.problems))
        if plan.has_missing and not create_missing:
            raise CommandError(
                f"{file.name}: 未登録の部署・区分があるため、中止しました。"
                "作成してよければ --create-missing を付けて実行してください。"
            )
        if dry_run:
            self.stdout.write("確認のみのため、何も書き込んでいません（--dry-run）。")
            return
        if plan.confirmations and not confirm:
            lines = "\n".join(f"  {text}" for text in plan.confirmations)
            raise CommandError(
                f"{file.name}: 確認が必要なため、中止しました。\n{lines}\nよければ --confirm を付けて実行してください。"
            )
        try:
            plan = commit_import(
                parsed,
                ward,
                year,
                create_missing=create_missing,
                expected_digest=plan.digest,
                confirmed=confirm,
            )
        except ImportRefused as refused:
            raise CommandError(self._problems(file, refused.problems, refused.message)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{plan.ward}の{plan.fiscal_year_label}の取組シートに読み込みました"
                f"（新規{plan.created}件・変更{plan.changed}件・変更なし{plan.unchanged}件）。"
            )
        )

    def _report(self, plan):
        parsed = plan.parsed
        self.stdout.write(
            f"シート「{parsed.worksheet}」：{len(parsed.departments)}部署・{parsed.goal_count}目標"
        )
        for note in plan.notes:
            self.stdout.write(f"  お知らせ：{note}")
        for warning in plan.warnings:
            self.stdout.write(f"  確かめてください：{warning}")
        if parsed.hidden_rows:
            rows = "、".join(str(row) for row in parsed.hidden_rows)
            self.stdout.write(
                f"  非表示の行（{rows}行目）は読み込みません（--include-hidden で読み込みます）。"
            )
        if parsed.hidden_columns:
            columns = "、".join(parsed.hidden_columns)
            self.stdout.write(
                f"  非表示の列（{columns}列）は読み込みません（--include-hidden で読み込みます）。"
            )
        for text in plan.confirmations:
            self.stdout.write(f"  要確認：{text}")
        for name in plan.missing_departments:
            self.stdout.write(f"  未登録の部署：{name}")
        for name in plan.missing_categories:
            self.stdout.write(f"  未登録の区分：{name}")
        for department in plan.departments:
            for goal in department.goals:
                if goal.kind in (CREATE, CHANGE):
                    changes = "、".join(change.label for change in goal.changes)
                    detail = f"（{changes}）" if changes and goal.kind == CHANGE else ""
                    self.stdout.write(f"  {goal.kind_label}：{department.name} {goal.number}{detail}")
        if plan.ward is not None:
            self.stdout.write(f"新規{plan.created}件・変更{plan.changed}件・変更なし{plan.unchanged}件")

    @staticmethod
    def _problems(file, problems, headline="問題があるため、何も書き込まずに中止しました。"):
        lines = [f"{file.name}: {headline}", *(f"  {problem}" for problem in problems)]
        return "\n".join(lines)
