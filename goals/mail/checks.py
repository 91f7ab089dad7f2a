"""System check: in production, links in mail must lead to the site, not to the server's own loopback.

Without DJANGO_SITE_URL every mail links to http://127.0.0.1:8000/, which opens nothing on a
clerk's PC; `manage.py check --deploy` (run by `make serve`) stops with the reason instead.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, register

LOOPBACK = {"127.0.0.1", "localhost", "::1", "0.0.0.0", ""}  # noqa: S104 - names compared, nothing bound


# A deployment check: `make serve` runs `manage.py check --deploy` before migrating and starting.
@register("mail", deploy=True)
def site_url_set_in_production(app_configs=None, **kwargs):
    if settings.DEBUG:
        return []
    host = urlsplit(settings.SITE_URL).hostname or ""
    if host not in LOOPBACK and not host.startswith("127."):
        return []
    return [
        Error(
            f"DJANGO_SITE_URL が設定されていません（現在：{settings.SITE_URL}）。"
            "このままではメールのリンクが利用者の端末で開けません。",
            hint="職員が開くアドレスを設定してください（例：DJANGO_SITE_URL=https://kojo.example.lg.jp）。",
            id="goals.E010",
        )
    ]
