from django.core.management.base import BaseCommand, CommandError

from goals.carry_forward import CarryForwardRefused, carry_into_next_year, plan_next_year
from goals.lib.wareki import fiscal_year_label
from goals.management.arguments import YEAR_HELP, fiscal_year
from goals.models import Sheet


class Command(BaseCommand):
    help = (
        "区の取組シートをもとに、次の年度の取組シートを作ります（部署・方針・目標を写し、実施結果は空欄）。"
        "2回実行しても重複しません。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--ward", required=True, help="区名（例：幸区）")
        parser.add_argument("--from-year", required=True, help=f"引き継ぎ元の{YEAR_HELP}")
        parser.add_argument("--dry-run", action="store_true", help="確認だけして、何も書き込まない")

    def handle(self, *args, ward, from_year, dry_run, **options):
        from_year = fiscal_year(from_year)
        try:
            label = fiscal_year_label(from_year)
        except ValueError:
            label = f"{from_year}年度"
        source = Sheet.objects.filter(ward__name=ward, fiscal_year=from_year).select_related("ward").first()
        if source is None:
            raise CommandError(
                f"{ward}の{label}（{from_year}年度）の取組シートがありません。区名と年度を確かめてください。"
            )
        plan = plan_next_year(source)
        if plan.problems:
            raise CommandError(" ".join(plan.problems))
        self.stdout.write(plan.summary())
        if plan.retired:
            self.stdout.write("廃止した部署は引き継ぎません：" + "、".join(plan.retired_notes()))
        if dry_run or plan.already_done:
            if dry_run:
                self.stdout.write("確認のみのため、何も書き込んでいません（--dry-run）。")
            return
        try:
            plan = carry_into_next_year(source)
        except CarryForwardRefused as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{plan.target_label}の取組シートに、部署{len(plan.new_reports)}・目標{len(plan.new_goals)}件・"
                f"方針{len(plan.new_policies)}件を引き継ぎました。"
            )
        )
