"""The admin app, its ModelAdmins loaded with the URLconf rather than when Django starts.

Django's default admin app imports every app's admin.py at start-up, and ours
bring django-import-export, tablib and openpyxl (about a fifth of a second)
into every process: an export_sheet run, a cron job, anything that never
serves /admin/. Here the admin modules load when the URLconf does
(kojo_shishin/urls.py) or when the system checks run, whichever comes first,
so the admin's own checks still see every ModelAdmin.
"""

from django.contrib.admin import autodiscover
from django.contrib.admin.apps import SimpleAdminConfig
from django.contrib.admin.checks import check_admin_app, check_dependencies
from django.core import checks


class AdminConfig(SimpleAdminConfig):
    def ready(self):
        checks.register(check_dependencies, checks.Tags.admin)
        checks.register(check_discovered_admin, checks.Tags.admin)


def check_discovered_admin(app_configs, **kwargs):
    """Django's check of every registered ModelAdmin, once they are all registered."""
    autodiscover()  # imports each admin module once; later calls find them loaded
    return check_admin_app(app_configs, **kwargs)
