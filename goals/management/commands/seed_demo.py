import secrets
import unicodedata

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from departments.models import Department, Membership, Ward

# No 0/O, 1/l/I: people read these passwords off a terminal.
READABLE_CHARS = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
KEPT = "（既存・変更なし）"


def new_password() -> str:
    return "".join(secrets.choice(READABLE_CHARS) for _ in range(12))


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


class Command(BaseCommand):
    help = (
        "デモ用アカウント（管理者、総務課の取りまとめ、各部署の入力担当）を作り、"
        "ユーザー名・役割・部署・パスワードの表を表示します。DEBUG のときだけ動きます。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--ward", default="幸区", help="対象の区（既定：幸区）")
        parser.add_argument("--reviewer-department", default="総務課", help="取りまとめの部署")
        parser.add_argument(
            "--reset-passwords", action="store_true", help="既にあるデモアカウントのパスワードも作り直す"
        )

    def handle(self, *args, ward, reviewer_department, reset_passwords, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo は開発用です。DEBUG が無効（本番モード）のため実行しません。"
                " DJANGO_DEBUG=true で実行してください。"
            )
        try:
            ward_obj = Ward.objects.get(name=ward)
        except Ward.DoesNotExist:
            raise CommandError(f"区「{ward}」がありません。先に初期データを読み込んでください。") from None
        departments = list(Department.objects.active().filter(ward=ward_obj).order_by("order", "name"))
        try:
            reviewer_home = next(d for d in departments if d.name == reviewer_department)
        except StopIteration:
            raise CommandError(f"{ward}に部署「{reviewer_department}」がありません。") from None

        accounts = [("admin", "管理者", None, None)]
        accounts.append(("reviewer", Membership.Role.REVIEWER.label, reviewer_home, Membership.Role.REVIEWER))
        accounts += [
            (f"editor{i:02d}", Membership.Role.EDITOR.label, department, Membership.Role.EDITOR)
            for i, department in enumerate(departments, 1)
        ]
        # One department with a 承認者 (課長): editor01's submissions wait for approver01's approval.
        accounts.append(
            ("approver01", Membership.Role.APPROVER.label, departments[0], Membership.Role.APPROVER)
        )
        with transaction.atomic():
            rows = [self._ensure(*account, reset_passwords) for account in accounts]
        self._print_table(rows)

    def _ensure(self, username, role_label, department, role, reset):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "last_name": f"{department.name} {role_label}" if department else role_label,
                "email": f"{username}@example.invalid",
                "is_staff": department is None,
                "is_superuser": department is None,
            },
        )
        password = KEPT
        if created or reset:
            password = new_password()
            user.set_password(password)
            user.save(update_fields=["password"])
        if department is not None:
            Membership.objects.get_or_create(user=user, department=department, defaults={"role": role})
        return username, role_label, department.name if department else "（全体）", password

    def _print_table(self, rows):
        header = ("username", "role", "department", "password")
        widths = [max(display_width(row[i]) for row in [header, *rows]) for i in range(4)]
        for row in [header, *rows]:
            self.stdout.write(
                "  ".join(pad(cell, width) for cell, width in zip(row, widths, strict=True)).rstrip()
            )
        if any(row[3] == KEPT for row in rows):
            self.stdout.write(
                "既存アカウントのパスワードを作り直すには --reset-passwords を付けて実行してください（make demo-passwords）。"
            )
