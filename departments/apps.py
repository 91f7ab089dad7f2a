from django.apps import AppConfig, apps


class DepartmentsConfig(AppConfig):
    name = "departments"
    verbose_name = "区・部署"

    def ready(self):
        # django-axes names its section "Axes" without a translation; the admin is read by office staff.
        apps.get_app_config("axes").verbose_name = "ログインの保護"
