"""Screenshots of the seed sheet for the README: page 1 of the PDF and the sheet page.

Usage: .venv/bin/python scripts/sheet_screenshots.py  (needs pdftoppm and chromium)
Writes docs/screenshots/sheet-pdf-page1.png and docs/screenshots/sheet-page.png.
The page is rendered for a signed-in superuser with Django's test client and
saved with its stylesheets pointing at static/, then photographed by headless
Chromium; the PDF is the one the download link serves.
"""

import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"


def main():
    workdir = Path(tempfile.mkdtemp(prefix="kojo-shots-"))
    os.environ.update(
        DJANGO_DEBUG="true",
        DATABASE_URL=f"sqlite:///{workdir / 'shots.sqlite3'}",
        DJANGO_SETTINGS_MODULE="kojo_shishin.settings",
    )
    sys.path.insert(0, str(ROOT))
    try:
        shoot(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def shoot(workdir: Path):
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("load_seed", stdout=io.StringIO())
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("shots", "shots@example.invalid", None))
    OUT.mkdir(parents=True, exist_ok=True)

    base = f"/sheets/{quote('幸区')}/2025/"
    pdf = workdir / "sheet.pdf"
    pdf.write_bytes(client.get(base + "pdf/", HTTP_HOST="127.0.0.1").content)
    run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", pdf, OUT / "sheet-pdf-page1"])

    html = client.get(base, HTTP_HOST="127.0.0.1").content.decode()
    page = workdir / "sheet.html"
    page.write_text(html.replace('href="/static/', f'href="{(ROOT / "static").as_uri()}/'), encoding="utf-8")
    run(
        [
            "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--window-size=1280,1500", f"--screenshot={OUT / 'sheet-page.png'}", page.as_uri(),
        ]
    )  # fmt: skip
    print(f"{OUT / 'sheet-pdf-page1.png'}\n{OUT / 'sheet-page.png'}")


def run(command):
    subprocess.run([str(part) for part in command], check=True, capture_output=True, timeout=120)  # noqa: S603


if __name__ == "__main__":
    main()
