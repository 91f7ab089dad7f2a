"""A command-line export loads what the export needs, not the admin's import-export stack.

Run as processes of their own (a test process has long imported everything):
a fresh SQLite database is migrated and seeded, then `manage.py export_sheet`
runs as from the command line and reports, as it exits, every module it imported.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib import admin

from goals.models import Goal
from kojo_shishin.admin_app import check_discovered_admin

ROOT = Path(__file__).resolve().parent.parent
# manage.py as the shell runs it, then the names in sys.modules as the process ends.
REPORTING = (
    "import atexit, runpy, sys\n"
    "atexit.register(lambda: print('\\n'.join(['--modules--', *sorted(sys.modules)])))\n"
    "sys.argv = ['manage.py', *sys.argv[1:]]\n"
    "runpy.run_path('manage.py', run_name='__main__')\n"
)
ADMIN_STACK = ("import_export.", "tablib", "goals.admin", "departments.admin", "departments.resources")


@pytest.fixture(scope="module")
def seeded_env(tmp_path_factory):
    env = {
        **os.environ,
        "DJANGO_DEBUG": "true",
        "DJANGO_PDF_HELPER_PROCESS": "false",
        "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('export') / 'export.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "kojo_shishin.settings",
    }
    _run(["manage.py", "migrate", "--verbosity", "0"], env)
    _run(["manage.py", "load_seed", "--verbosity", "0"], env)
    return env


def _run(args, env):
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )


def _export_modules(env, file_format, output) -> set[str]:
    args = [
        "export_sheet",
        "--ward",
        "幸区",
        "--year",
        "2025",
        "--format",
        file_format,
        "--output",
        str(output),
    ]
    done = _run(["-c", REPORTING, *args], env)
    return set(done.stdout.split("--modules--\n", 1)[1].split())


def test_workbook_export_loads_no_part_of_the_admin_stack(seeded_env, tmp_path):
    output = tmp_path / "sheet.xlsx"
    modules = _export_modules(seeded_env, "xlsx", output)
    assert output.read_bytes().startswith(b"PK")
    assert {"goals.sheet.workbook", "openpyxl"} <= modules  # the report is complete enough to tell
    # The package itself is imported by the app registry (INSTALLED_APPS: its templates, its locale).
    assert {m for m in modules if m.startswith(ADMIN_STACK)} == {"import_export._version"}


def test_pdf_export_loads_neither_the_admin_stack_nor_openpyxl(seeded_env, tmp_path):
    output = tmp_path / "sheet.pdf"
    modules = _export_modules(seeded_env, "pdf", output)
    assert output.read_bytes().startswith(b"%PDF")
    assert "goals.sheet.pdf" in modules
    # Django's template engine imports every installed app's template tags when it starts;
    # import-export's need only diff-match-patch.
    allowed = {
        "import_export._version",
        "import_export.templatetags",
        "import_export.templatetags.import_export_tags",
    }
    assert {m for m in modules if m.startswith(ADMIN_STACK)} <= allowed
    assert not {m for m in modules if m.startswith("openpyxl")}


def test_admin_checks_still_see_every_model_admin():
    """The admin modules load with the URLconf or, in a process that has none, with the checks."""
    assert check_discovered_admin(None) == []
    assert Goal in admin.site._registry


# manage.py as the shell runs it, counting the cycle collector's runs until Django's apps are ready.
COUNTING = (
    "import atexit, gc, runpy, sys\n"
    "starting = []\n"
    "def watch(phase, info):\n"
    "    apps = sys.modules.get('django.apps')\n"
    "    if phase == 'start' and 'django' in sys.modules and not (apps and apps.apps.ready):\n"
    "        starting.append(info['generation'])\n"
    "gc.callbacks.append(watch)\n"
    "atexit.register(lambda: print('--collections--', len(starting)))\n"
    "sys.argv = ['manage.py', *sys.argv[1:]]\n"
    "runpy.run_path('manage.py', run_name='__main__')\n"
)


@pytest.mark.parametrize("file_format", ["xlsx", "pdf"])
def test_an_export_starts_django_without_the_cycle_collector(seeded_env, tmp_path, file_format):
    """A short-lived export pauses the collector from its first line: it would otherwise walk the
    growing heap over a hundred times while Django starts. The file is written all the same."""
    output = tmp_path / f"sheet.{file_format}"
    args = ["export_sheet", "--ward", "幸区", "--year", "2025", "--format", file_format]
    done = _run(["-c", COUNTING, *args, "--output", str(output)], seeded_env)
    assert done.stdout.split("--collections--")[1].split() == ["0"]
    assert output.read_bytes().startswith(b"PK" if file_format == "xlsx" else b"%PDF")


def test_other_commands_keep_the_cycle_collector(seeded_env):
    done = _run(["-c", COUNTING, "check"], seeded_env)
    assert int(done.stdout.split("--collections--")[1].split()[0]) > 0
