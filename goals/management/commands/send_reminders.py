import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from goals.lib.wareki import date_label
from goals.mail.reminders import send_due_approval_reminders, send_due_reminders
from goals.models import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR


def _date(text: str) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"日付「{text}」を読めません。YYYY-MM-DD の形で指定してください（例：2026-04-23）。"
        ) from None
    first, last = datetime.date(FIRST_FISCAL_YEAR, 4, 1), datetime.date(LAST_FISCAL_YEAR + 2, 3, 31)
    if not first <= day <= last:
        raise CommandError(f"日付「{text}」は扱えません。{first}から{last}までの日付で指定してください。")
    return day


class Command(BaseCommand):
    help = (
        "実施結果を提出していない部署の入力担当に、提出期限の7日前・1日前と、期限後の平日（土日祝・年末年始を除く）"
        "に催促メールを送ります。承認待ちのまま一定の日数（DJANGO_APPROVAL_REMINDER_DAYS、既定3日）が過ぎた"
        "部署の承認者にも、平日に承認のお願いを送ります。同じ日に同じ部署へ二度は送りません。"
        "毎日 cron で実行してください。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", type=_date, help="この日として実行する（YYYY-MM-DD、既定は今日）")

    def handle(self, *args, date=None, **options):
        today = date or timezone.localdate()
        sent, skipped = send_due_reminders(today)
        self.stdout.write(f"{date_label(today)}の催促メール")
        self._report(sent, skipped, "送信", "", "（メールアドレスのある入力担当がいません）")
        approvals, approvals_skipped = send_due_approval_reminders(today)
        self._report(
            approvals,
            approvals_skipped,
            "承認のお願い",
            "（承認待ち）",
            "（メールアドレスのある承認者がいません）",
        )
        if not (sent or skipped or approvals or approvals_skipped):
            self.stdout.write("本日送る催促メールはありません。")

    def _report(self, sent, skipped, verb: str, suffix: str, nobody: str):
        for item in sent:
            report = item.report
            status = suffix or f"（{report.get_status_display()}）"
            self.stdout.write(
                f"{verb}：{report.sheet.ward} {report.sheet.fiscal_year_label} {report.department}"
                f"{status}→ {'、'.join(item.recipients) or nobody}"
            )
        for report in skipped:
            self.stdout.write(f"送信済み（本日分）：{report.sheet.ward} {report.department}{suffix}")
