"""Screenshots of the seed sheet for the README: page 1 of the PDF, a continued page, the sheet page.

Usage: .venv/bin/python scripts/sheet_screenshots.py  (needs pdftoppm, pdftotext and chromium)
Writes docs/screenshots/sheet-pdf-page1.png, sheet-pdf-continued.png and sheet-page.png.
The seed is shown mid-year: 総務課 confirmed and 企画課 submitted with results (企画課's second
result long enough to run on to another page), the other departments not handed in yet.
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
    mid_year()
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("shots", "shots@example.invalid", None))
    OUT.mkdir(parents=True, exist_ok=True)

    base = f"/sheets/{quote('幸区')}/2025/"
    pdf = workdir / "sheet.pdf"
    pdf.write_bytes(client.get(base + "pdf/", HTTP_HOST="127.0.0.1").content)
    run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", pdf, OUT / "sheet-pdf-page1"])
    continued = continued_page(pdf)
    run(["pdftoppm", "-png", "-r", "80", "-f", continued, "-l", continued, "-singlefile", pdf, OUT / "sheet-pdf-continued"])  # fmt: skip

    html = client.get(base, HTTP_HOST="127.0.0.1").content.decode()
    page = workdir / "sheet.html"
    page.write_text(html.replace('href="/static/', f'href="{(ROOT / "static").as_uri()}/'), encoding="utf-8")
    run(
        [
            "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--window-size=1280,1500", f"--screenshot={OUT / 'sheet-page.png'}", page.as_uri(),
        ]
    )  # fmt: skip
    print(
        f"{OUT / 'sheet-pdf-page1.png'}\n{OUT / 'sheet-pdf-continued.png'} (page {continued})\n{OUT / 'sheet-page.png'}"
    )


def mid_year():
    from goals.models import AchievementLevel, DepartmentReport, Goal

    levels = {level.number: level for level in AchievementLevel.objects.all()}
    for number, goal in enumerate(
        Goal.objects.filter(department__name__in=("総務課", "企画課")).order_by("pk")
    ):
        goal.result = "窓口アンケートで「説明がわかりやすい」との回答が前年度より増えました。"
        goal.achievement = levels[2 + number % 3]
        if goal.department.name == "企画課" and goal.number == "2":
            goal.result = (
                "市長への手紙等で寄せられた意見を所管部署と共有し、回答までの日数を短縮しました。" * 30
            )
        goal.save()
    DepartmentReport.objects.filter(department__name="総務課").update(
        status=DepartmentReport.Status.CONFIRMED
    )
    DepartmentReport.objects.filter(department__name="企画課").update(
        status=DepartmentReport.Status.SUBMITTED
    )


def continued_page(pdf: Path) -> int:
    """The second page 企画課's long result is printed on: it opens with the continued piece."""
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout  # noqa: S603, S607
    reached = [number for number, page in enumerate(text.split("\f"), 1) if "日数を短縮しました" in page]
    if len(reached) < 2:
        raise SystemExit("No continued page in the PDF.")
    return reached[1]


def run(command):
    subprocess.run([str(part) for part in command], check=True, capture_output=True, timeout=120)  # noqa: S603


if __name__ == "__main__":
    main()
