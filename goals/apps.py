from django.apps import AppConfig


class GoalsConfig(AppConfig):
    name = "goals"
    verbose_name = "向上指針"

    def ready(self):
        from goals.sheet import checks  # noqa: F401 - registers the Japanese font check
