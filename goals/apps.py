from django.apps import AppConfig


class GoalsConfig(AppConfig):
    name = "goals"
    verbose_name = "向上指針"

    def ready(self):
        from django.db.models.signals import pre_save

        from goals.mail import checks as mail_checks  # noqa: F401 - registers the site address check
        from goals.models import Goal
        from goals.sheet import checks  # noqa: F401 - registers the Japanese font check

        pre_save.connect(_version_past_stored_on_raw_save, sender=Goal, dispatch_uid="goal-raw-version")


def _version_past_stored_on_raw_save(sender, instance, raw=False, **kwargs):
    # The workflow (and the mail and holiday calendars it brings) loads when a fixture is loaded,
    # not in every process: an export or a cron job never saves raw.
    if raw:
        from goals import workflow

        workflow.version_past_stored_on_raw_save(sender, instance, raw=raw, **kwargs)
