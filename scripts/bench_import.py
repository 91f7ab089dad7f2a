#!/usr/bin/env python
"""Time importing the seed sheet and a sheet 10× its size (`make bench-import`).

Runs with production settings (DEBUG off) against a throwaway SQLite database
in a temporary directory, never the development one. For each workbook it
times reading (the file checks and the bounded reader), planning (the
comparison with the database) and committing into an empty fiscal year
(departments created, as with --create-missing), and prints the best and the
median of several runs.

Then `manage.py import_sheet FILE --dry-run` as a whole process, with its wall
time and peak memory (the child's maximum resident set size from wait4), for
the seed, the 10× sheet, the seed saved by LibreOffice as .xls and .ods, a
110 kB workbook with one cell at column XFD in each of 20,000 rows, and a
10 MB workbook (the upload limit) of goals. The huge used range is also read
by openpyxl in read-only mode, as the importer read it before, for a peer.
"""

import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def setup_django(directory: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "kojo_shishin.settings"
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["DJANGO_SECRET_KEY"] = "bench-only-" + os.urandom(16).hex()
    os.environ["DJANGO_ALLOWED_HOSTS"] = "localhost"
    os.environ["DATABASE_URL"] = f"sqlite:///{directory}/bench.sqlite3"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("loaddata", *sorted(str(p) for p in (ROOT / "fixtures").glob("*.json")), verbosity=0)


def workbooks() -> dict[str, tuple[bytes, str, int]]:
    from goals.models import Sheet
    from goals.seed.synthetic import build_synthetic_sheet
    from goals.sheet.layout import build_layout
    from goals.sheet.workbook import render_xlsx
    from tests.seed_workbooks import build_seed_workbook

    big = build_synthetic_sheet(scale=10)
    seed = Sheet.objects.get(ward__name="幸区", fiscal_year=2025)
    return {
        "seed, its original layout": (build_seed_workbook(), "幸区", seed.goals.count()),
        "seed, our Excel export": (render_xlsx(build_layout(seed)), "幸区", seed.goals.count()),
        "10x seed, our Excel export": (render_xlsx(build_layout(big)), big.ward.name, big.goals.count()),
    }


def time_import(data: bytes, ward: str, year: int, goals: int) -> tuple[float, float, float]:
    from goals.imports.commit import commit_import
    from goals.imports.plan import build_plan
    from goals.imports.reader import read_workbook
    from goals.models import Category

    started = time.perf_counter()
    parsed = read_workbook(data, Category.objects.values_list("name", flat=True))
    read = time.perf_counter()
    plan = build_plan(parsed, ward, year)
    planned = time.perf_counter()
    committed = commit_import(parsed, ward, year, create_missing=True, expected_digest=plan.digest)
    done = time.perf_counter()
    if committed.created != goals:
        sys.exit(f"{ward} {year}: {committed.created} goals imported, expected {goals}")
    return read - started, planned - read, done - planned


def time_command(data: bytes, ward: str, years, directory: str) -> list[float]:
    """`manage.py import_sheet` as a whole process (Python and Django start-up included)."""
    path = Path(directory) / "bench.xlsx"
    path.write_bytes(data)
    seconds = []
    for year in years:
        command = [sys.executable, str(ROOT / "manage.py"), "import_sheet", str(path)]
        started = time.perf_counter()
        subprocess.run(  # noqa: S603 (our own interpreter and script)
            [*command, "--ward", ward, "--year", str(year), "--create-missing", "--confirm"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        seconds.append(time.perf_counter() - started)
    return seconds


# A forked child starts with its parent's resident memory, and Linux keeps that high-water mark across
# exec: measured straight from this (large) process, every child would show this process's size. A bare
# interpreter forks the command instead and reports the wait4 figures of that child alone.
LAUNCHER = """
import os, sys, time
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    fd = os.open(os.devnull, os.O_WRONLY)
    os.dup2(fd, 1)
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
cpu = usage.ru_utime + usage.ru_stime
print(time.perf_counter() - started, cpu, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def peak_process(command: list[str], timeout: float = 600) -> tuple[float, float, float, int]:
    """Wall seconds, CPU seconds, peak resident memory in MB and exit status of one whole child process.

    CPU time (user + system) is printed beside wall time: on a machine shared with other test runs
    the wall time mostly measures the queue for the 2 cores.
    """
    done = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", LAUNCHER, *command],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    seconds, cpu, kilobytes, status = done.stdout.split()
    if status != "0":
        print(f"    exit {status}: {done.stderr.strip().splitlines()[-1:]}")
    return float(seconds), float(cpu), int(kilobytes) / 1024, int(status)


def ten_megabyte_workbook(path: Path) -> None:
    """Goals with long, varied text until the file is just under the 10 MB upload limit."""
    import xlsxwriter

    rng = random.Random(13)  # noqa: S311 (test text, not a secret)
    kanji = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("取組シート")
    sheet.write_string(0, 0, "令和7年度向上指針取組シート")
    for column, label in enumerate(
        ["部署名", "番号", "区分", "目標及び具体的な取組内容", "実施結果及び目標の達成度"]
    ):
        sheet.write_string(2, column, label)
    for row in range(3, 8_000):
        if (row - 3) % 100 == 0:
            sheet.write_string(row, 0, f"部署{(row - 3) // 100 + 1}")
        sheet.write_string(row, 1, str((row - 3) % 100 + 1))
        sheet.write_string(row, 3, "".join(rng.choices(kanji, k=330)))
        sheet.write_string(row, 4, "".join(rng.choices(kanji, k=330)))
    book.close()


def converted(data: bytes, target: str, directory: str) -> bytes | None:
    soffice = shutil.which("soffice")
    if soffice is None:
        return None
    source = Path(directory) / "seed-for-libreoffice.xlsx"
    source.write_bytes(data)
    out = Path(directory) / "lo"
    profile = f"-env:UserInstallation=file://{directory}/lo-profile"
    subprocess.run(  # noqa: S603 (LibreOffice on a file we wrote)
        [
            soffice,
            profile,
            "--headless",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    return (out / f"seed-for-libreoffice.{target}").read_bytes()


OPENPYXL_PEER = """
import sys, openpyxl
book = openpyxl.load_workbook(sys.argv[1], read_only=True, data_only=True)
sheet = book.worksheets[0]
sheet.reset_dimensions()
rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
"""


def memory_section(books: dict, directory: str) -> None:
    from tests.real_workbooks import huge_used_range_workbook

    seed = books["seed, our Excel export"][0]
    files = {
        "seed, our Excel export (.xlsx)": seed,
        "10x seed, our Excel export": books["10x seed, our Excel export"][0],
        "seed saved by LibreOffice as .xls": converted(
            books["seed, its original layout"][0], "xls", directory
        ),
        "seed saved by LibreOffice as .ods": converted(
            books["seed, its original layout"][0], "ods", directory
        ),
        "XFD x 20,000 rows (huge used range)": huge_used_range_workbook(),
    }
    big = Path(directory) / "ten-megabytes.xlsx"
    ten_megabyte_workbook(big)
    files["10 MB of goals (the upload limit)"] = big.read_bytes()
    print(
        f"whole process `manage.py import_sheet FILE --dry-run`, median of {RUNS} runs, peak memory (max RSS):"
    )
    print(f"  {'file':38} {'size':>8} {'wall':>7} {'cpu':>7} {'peak':>8}  exit")
    paths = {}
    for index, (name, data) in enumerate(files.items()):
        if data is None:
            print(f"  {name:38} (soffice not installed: scripts/install-os-deps.sh --test)")
            continue
        suffix = ".xls" if ".xls" in name and ".xlsx" not in name else ".ods" if ".ods" in name else ".xlsx"
        path = Path(directory) / f"bench-{index}{suffix}"
        path.write_bytes(data)
        paths[name] = path
        ward = "幸区" if "10x" not in name else books["10x seed, our Excel export"][1]
        command = [
            sys.executable,
            str(ROOT / "manage.py"),
            "import_sheet",
            str(path),
            "--ward",
            ward,
            "--year",
            "2025",
        ]
        command += ["--dry-run", "--create-missing", "--confirm"]
        runs = [peak_process(command) for _ in range(RUNS if len(data) < 1_000_000 else 1)]
        seconds = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        peak = max(r[2] for r in runs)
        print(
            f"  {name:38} {len(data) / 1024:>6.0f}kB {seconds:>6.2f}s {cpu:>6.2f}s {peak:>6.0f}MB  {runs[0][3]}"
        )
    huge = paths["XFD x 20,000 rows (huge used range)"]
    seconds, cpu, peak, status = peak_process([sys.executable, "-c", OPENPYXL_PEER, str(huge)])
    ours = peak_process([*command[:3], str(huge), "--ward", "幸区", "--dry-run"])
    print(
        f"  peer: openpyxl read-only iter_rows of the XFD file (the reader before), reading only: "
        f"{seconds:.2f}s wall {cpu:.2f}s cpu {peak:.0f}MB exit {status}"
    )
    print(f"  ratio on the XFD file, peak memory: openpyxl ÷ import_sheet = {peak / ours[2]:.1f}")


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        setup_django(directory)
        years = iter(range(2026, 2100))  # every run imports into a year nobody has used yet
        load = os.getloadavg()[0]
        print(f"machine: {os.cpu_count()} cores, load {load:.2f}; python {sys.version.split()[0]}")
        print(
            f"in one process, best and median of {RUNS} runs, a fresh fiscal year each (SQLite, DEBUG off):"
        )
        header = f"{'workbook':30} {'goals':>5} {'size':>6}"
        print(f"{header} {'read':>8} {'plan':>8} {'commit':>8} {'total':>8} {'median':>8}")
        books = workbooks()
        for name, (data, ward, goals) in books.items():
            runs = [time_import(data, ward, next(years), goals) for _ in range(RUNS)]
            read, plan, commit = min(runs, key=sum)
            print(
                f"{name:30} {goals:>5} {len(data) / 1024:>4.0f}kB {read:>7.3f}s {plan:>7.3f}s {commit:>7.3f}s "
                f"{read + plan + commit:>7.3f}s {statistics.median(map(sum, runs)):>7.3f}s"
            )
        print(f"whole process (Python and Django start-up included), median of {RUNS} runs:")
        for name in ("seed, our Excel export", "10x seed, our Excel export"):
            data, ward, _ = books[name]
            seconds = time_command(data, ward, [next(years) for _ in range(RUNS)], directory)
            print(f"  manage.py import_sheet  {name:30} {statistics.median(seconds):.2f}s")
        memory_section(books, directory)


if __name__ == "__main__":
    main()
