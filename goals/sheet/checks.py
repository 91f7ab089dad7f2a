"""System check: the PDF needs a Japanese font, found through fontconfig as WeasyPrint finds it.

Without one every character of the sheet prints as an empty box (豆腐). That
must stop `manage.py check`, `migrate` and `runserver` with a clear message,
not surface months later on a printed page.
"""

import subprocess

from django.core.checks import Error, register

INSTALL_HINT = "管理者が次を実行してください: sudo apt-get install -y fontconfig fonts-ipaexfont-gothic"


def japanese_font_families() -> list[str]:
    """Families fontconfig offers for Japanese (`fc-list :lang=ja family`); empty without fontconfig."""
    try:
        result = subprocess.run(
            ["fc-list", ":lang=ja", "family"],  # noqa: S607 - fontconfig's own tool, wherever it is installed
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted({line.strip() for line in result.stdout.splitlines() if line.strip()})


@register("fonts")
def japanese_font_installed(app_configs=None, **kwargs):
    if japanese_font_families():
        return []
    return [
        Error(
            "日本語フォントが見つかりません（fontconfig の fc-list :lang=ja が空です）。"
            "このままでは取組シートの PDF の文字がすべて□（豆腐）になります。",
            hint=INSTALL_HINT,
            id="goals.E001",
        )
    ]
