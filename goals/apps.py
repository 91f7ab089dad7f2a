from django.apps import AppConfig


class GoalsConfig(AppConfig):
    name = "goals"
    verbose_name = "向上指針"

    def ready(self):
        from django.db.models.signals import pre_save

        from goals import workflow
        from goals.mail import checks as mail_checks  # noqa: F401 - registers the site address check
        from goals.models import Goal
        from goals.sheet import checks  # noqa: F401 - registers the Japanese font check

        pre_save.connect(
            workflow.version_past_stored_on_raw_save, sender=Goal, dispatch_uid="goal-raw-version"
        )
