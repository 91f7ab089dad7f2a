"""`manage.py export_sheet`: files written, and a non-zero exit with a Japanese message on bad input."""

import gc
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook
from pypdf import PdfReader

from goals.management.commands.export_sheet import Command
from goals.sheet import checks


def run(*args):
    call_command("export_sheet", *args, stdout=io.StringIO())


def exit_status_and_stderr(capsys, *args):
    """Run as `manage.py export_sheet …` does, exit status included."""
    try:
        with pytest.raises(SystemExit) as exit_info:
            Command().run_from_argv(["manage.py", "export_sheet", *args])
    finally:
        gc.unfreeze()  # the command freezes the heap for a process about to exit; this one goes on
    assert gc.isenabled()
    return exit_info.value.code, capsys.readouterr().err


def test_pdf_of_the_whole_sheet(seed, tmp_path):
    target = tmp_path / "sheet.pdf"
    run("--ward", "幸区", "--year", "2025", "--format", "pdf", "--output", str(target))
    text = "".join(page.extract_text() for page in PdfReader(target).pages)
    assert "令和7年度向上指針取組シート" in text and "道路公園センター" in text


def test_xlsx_of_one_department_by_reiwa_year(seed, tmp_path):
    target = tmp_path / "somu.xlsx"
    run(
        "--ward",
        "幸区",
        "--year",
        "令和7年度",
        "--format",
        "xlsx",
        "--department",
        "総務課",
        "--output",
        str(target),
    )
    sheet = load_workbook(target)["取組シート"]
    assert sheet["A1"].value == "令和7年度向上指針取組シート"
    # Below the legend row (11) and the header row (12).
    assert [row[0] for row in sheet.iter_rows(min_row=13, values_only=True)] == ["総務課", None, None]


def test_default_file_name(seed, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    call_command("export_sheet", "--ward", "幸区", "--year", "2025", "--format", "xlsx", stdout=out)
    assert (tmp_path / "令和7年度向上指針取組シート_幸区.xlsx").is_file()
    assert "令和7年度向上指針取組シート_幸区.xlsx に書き出しました。" in out.getvalue()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--ward", "中区", "--year", "2025"], "区「中区」は登録されていません。登録されている区: 幸区"),
        (["--ward", "幸区", "--year", "2024"], "幸区の令和6年度（2024年度）の取組シートはありません。ある年度: 令和7年度（2025）"),
        (["--ward", "幸区", "--year", "2025", "--department", "財務課"], "部署「財務課」は幸区 令和7年度の取組シートにありません。"),
        (["--ward", "幸区", "--year", "来年"], "年度「来年」が読めません。西暦（例：2025）か和暦（例：令和7年度）で指定してください。"),
    ],
)  # fmt: skip
def test_unknown_ward_year_or_department_exits_non_zero_in_japanese(seed, capsys, tmp_path, args, message):
    target = tmp_path / "out.pdf"
    status, stderr = exit_status_and_stderr(capsys, *args, "--format", "pdf", "--output", str(target))
    assert status == 1
    assert message in stderr
    assert not target.exists()


def test_unknown_format_and_missing_folder(seed, tmp_path):
    with pytest.raises(
        CommandError, match="形式「docx」には対応していません。pdf か xlsx を指定してください。"
    ):
        run("--ward", "幸区", "--year", "2025", "--format", "docx")
    with pytest.raises(CommandError, match=r"書き出し先のフォルダ「.*nowhere」がありません。"):
        run(
            "--ward",
            "幸区",
            "--year",
            "2025",
            "--format",
            "pdf",
            "--output",
            str(tmp_path / "nowhere" / "x.pdf"),
        )


def test_pdf_export_refuses_to_print_without_a_japanese_font(seed, tmp_path, monkeypatch):
    monkeypatch.setattr(checks, "japanese_font_families", lambda: [])
    target = tmp_path / "out.pdf"
    with pytest.raises(CommandError, match="日本語フォントが見つかりません") as error:
        run("--ward", "幸区", "--year", "2025", "--format", "pdf", "--output", str(target))
    assert "apt-get install -y fontconfig fonts-ipaexfont-gothic" in str(error.value)
    assert not target.exists()


def test_a_drawing_process_that_dies_stops_the_export_with_a_message(seed, tmp_path, monkeypatch, settings):
    """Killed for memory, say: the export says so and writes nothing, instead of waiting for ever."""
    import os

    from goals.sheet import pdf

    settings.PDF_TIMEOUT_SECONDS = 2
    # Every drawing process the pool starts dies before it draws anything.
    monkeypatch.setattr(pdf, "_WORKER_START", (os._exit, (1,)))
    target = tmp_path / "out.pdf"
    with pytest.raises(CommandError, match="PDF を作る処理が途中で止まりました"):
        run("--ward", "幸区", "--year", "2025", "--format", "pdf", "--output", str(target))
    assert not target.exists()


def test_the_export_goes_on_when_the_drawing_server_cannot_start(seed, tmp_path, monkeypatch):
    """A fork server that died loading WeasyPrint, say: the sheet is drawn without it."""
    from goals.sheet import drawing

    def cannot_start():
        raise EOFError("unexpected EOF")

    monkeypatch.setattr(drawing, "start_server", cannot_start)
    target = tmp_path / "sheet.pdf"
    run("--ward", "幸区", "--year", "2025", "--format", "pdf", "--output", str(target))
    assert len(PdfReader(target).pages) > 4


def test_the_export_goes_on_when_the_drawing_server_dies_loading_weasyprint(seed, tmp_path, monkeypatch):
    """The server started, but died before it could fork a drawing process: the command forks its own."""
    from goals.sheet import pdf

    new_pool = pdf._new_pool

    def server_died(method, workers):
        if method == "forkserver":
            raise EOFError("unexpected EOF")
        return new_pool(method, workers)

    monkeypatch.setattr(pdf, "_new_pool", server_died)
    target = tmp_path / "sheet.pdf"
    run("--ward", "幸区", "--year", "2025", "--format", "pdf", "--output", str(target))
    assert len(PdfReader(target).pages) > 4


@pytest.mark.parametrize(
    ("arguments", "starts"),
    [
        (["export_sheet", "--ward", "幸区", "--year", "2025", "--format", "pdf"], True),
        (["export_sheet", "--format=PDF", "--ward", "幸区"], True),
        (["export_sheet", "--ward", "幸区", "--format", "xlsx"], False),
        (["export_sheet", "--ward", "pdf", "--format", "xlsx"], False),
        (["export_sheet", "--format"], False),
        (["runserver", "--format", "pdf"], False),
        ([], False),
    ],
)
def test_manage_py_starts_the_drawing_server_before_django_only_for_a_pdf_export(arguments, starts):
    import manage

    assert manage._exports_pdf(arguments) is starts


def test_the_drawing_module_runs_without_django():
    """The fork server loads goals.sheet.drawing before Django starts: it may not need Django."""
    import subprocess
    import sys

    from django.conf import settings

    code = (
        "import sys, goals.sheet.drawing as d; "
        "d.Drawing('<p>x</p>', 'about:blank', ()); "
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'Django was imported'"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


# Started in a fresh interpreter, as manage.py starts it: the processes this one started (fork
# server, resource tracker), each with whether it runs this interpreter's command line (a fork of
# it) or one of its own (`python -c …`), then what a process forked from the server has loaded.
_SERVER_STARTED = """
import json, multiprocessing, os, sys
from pathlib import Path
from goals.sheet import drawing
from tests.processes import children

if sys.argv[2] == "fork fails":
    def no_fork():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    os.fork = no_fork
drawing.start_server(forked=sys.argv[1] == "forked")
own = Path("/proc/self/cmdline").read_bytes()
started = [(pid, Path(f"/proc/{pid}/cmdline").read_bytes() == own) for pid in sorted(children(os.getpid()))]
with multiprocessing.get_context("forkserver").Pool(1) as pool:
    loaded = pool.apply(eval, ("sorted({'weasyprint', 'django'} & set(__import__('sys').modules))",))
print(json.dumps({"children": started, "loaded": loaded}))
"""


@pytest.mark.parametrize(
    ("how", "forks"),
    [(("forked", "-"), True), (("forked", "fork fails"), False), (("new interpreters", "-"), False)],
)
def test_manage_py_forks_the_drawing_server_and_its_resource_tracker(how, forks):
    """Before Django, the fork server and multiprocessing's resource tracker are forks of manage.py's
    process, not interpreters started anew; where no fork is to be had, new interpreters as before.
    Either way the server gives processes with WeasyPrint and without Django, and ends with the
    process that started it."""
    import json
    import subprocess
    import sys
    import time

    from django.conf import settings

    from tests.processes import running

    done = subprocess.run(
        [sys.executable, "-c", _SERVER_STARTED, *how],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert len(report["children"]) == 2
    assert [fork for _, fork in report["children"]] == [forks, forks]
    assert report["loaded"] == ["weasyprint"]
    deadline = time.monotonic() + 10
    while any(running(pid) for pid, _ in report["children"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(running(pid) for pid, _ in report["children"]), "left running after their parent ended"
