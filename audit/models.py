from django.conf import settings
from django.db import models
from django.utils import timezone


class AccessEvent(models.Model):
    """One line of the access log: who did what, from where, when, and how it ended.

    Written for sign-ins, sign-outs, downloads and exports, imports, roster and staff
    changes and admin changes. Never changed; deleted only after the retention period.
    """

    class Kind(models.TextChoices):
        LOGIN = "login", "ログイン"
        LOGIN_FAILED = "login_failed", "ログイン失敗"
        LOCKOUT = "lockout", "ロック"
        LOGOUT = "logout", "ログアウト"
        DOWNLOAD = "download", "ダウンロード・書き出し"
        IMPORT = "import", "読み込み"
        STAFF = "staff", "職員・所属の変更"
        ADMIN = "admin", "管理画面での変更"

    class Outcome(models.TextChoices):
        SUCCESS = "success", "成功"
        FAILURE = "failure", "失敗"
        REFUSED = "refused", "拒否"

    at = models.DateTimeField("日時", default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="利用者",
    )
    # Kept as typed (a failed sign-in has no user) and after an account is deleted.
    username = models.CharField("ユーザー名", max_length=150, blank=True)
    address = models.GenericIPAddressField("接続元アドレス", null=True, blank=True)
    kind = models.CharField("種類", max_length=20, choices=Kind.choices, db_index=True)
    what = models.CharField("内容", max_length=300, blank=True)
    outcome = models.CharField("結果", max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    ward = models.ForeignKey(
        "departments.Ward",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="区",
    )

    class Meta:
        verbose_name = "アクセス記録"
        verbose_name_plural = "アクセス記録"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["ward", "at"], name="access_event_ward_at")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_kind_display()}"
