from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "アクセス記録"

    def ready(self):
        from . import signals  # noqa: F401 - connects sign-in, sign-out and lockout
