from django.apps import AppConfig


class GoalsConfig(AppConfig):
    name = "goals"
    verbose_name = "向上指針"

    def ready(self):
        from goals.mail import checks as mail_checks  # noqa: F401 - registers the site address check
        from goals.sheet import checks  # noqa: F401 - registers the Japanese font check
