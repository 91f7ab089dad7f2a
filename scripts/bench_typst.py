"""Another PDF engine measured against ours: Typst drawing the same 取組シート (`make bench`).

The issue that asked for faster cold PDFs keeps WeasyPrint unless a
well-kept alternative keeps the layout, the tags and the PDF/A variant and is
clearly better. This script measures Typst (the PyPI package `typst`, the
`engines` extra) drawing the sheet from the same layout
(scripts/engines/sheet.typ, scripts/engines/typst_sheet.py) on a throwaway
SQLite database with the seed sheet and synthetic sheets ten and thirty times
its size, and prints, as whole processes run alternately (median of N):

- `manage.py export_sheet --format pdf` (WeasyPrint, nothing kept) and
  Typst's process (import, two passes, PDF/UA-1), wall and CPU seconds, and
  their ratio;
- pages, size, and what each PDF carries: a structure tree, the department
  cells as row headers (TH) as the app's PDF tags them, and whether the
  PDF/A-3a variant compiles;
- the load average before and after.

Usage: python scripts/bench_typst.py [--runs N]
"""

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_sheet import timed_process
from benchenv import production_env

ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "scripts" / "engines" / "typst_sheet.py"
SHEETS = {"seed": "幸区", "10x": "試験区", "30x": "大試験区"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="whole-process runs of each engine per sheet")
    options = parser.parse_args()
    try:
        import typst  # noqa: F401
    except ImportError:
        print(
            "Typst is not installed (pip install -e '.[engines]'; make bench installs it): nothing measured."
        )
        return
    workdir = Path(tempfile.mkdtemp(prefix="kojo-bench-typst-"))
    env = production_env(workdir, DJANGO_SHEET_DOCUMENT_CACHE_MB="0", DJANGO_LOG_LEVEL="ERROR")
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    try:
        run(workdir, {**os.environ, **env}, options.runs)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(workdir: Path, env: dict, runs: int):
    import django

    django.setup()
    from django.core.management import call_command

    from goals.models import Sheet
    from goals.seed.synthetic import build_synthetic_sheet
    from goals.sheet.layout import build_layout

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("load_seed", stdout=io.StringIO())
    build_synthetic_sheet(scale=10, ward_name="試験区")
    build_synthetic_sheet(scale=30, ward_name="大試験区")
    fonts = [str(Path(_font_file()).parent)]
    load_start = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, load {load_start:.2f}; python {sys.version.split()[0]}")
    print(f"whole processes, median of {runs} runs, alternating (Typst: PDF/UA-1, two passes):")
    print(
        f"  {'sheet':<6} {'ours':>7} {'CPU':>6} {'Typst':>7} {'CPU':>6} {'ours÷Typst':>10} {'pages':>9}"
        f" {'size kB':>11} {'tagged':>7} {'TH rows':>8} {'PDF/A-3a':>9}"
    )
    for label, ward in SHEETS.items():
        layout = build_layout(Sheet.objects.select_related("ward").get(ward__name=ward, fiscal_year=2025))
        data = workdir / f"{label}.json"
        data.write_text(json.dumps({**_as_json(layout), "font_paths": fonts}, ensure_ascii=False))
        ours_pdf, typst_pdf = workdir / f"{label}-ours.pdf", workdir / f"{label}-typst.pdf"
        export = [
            sys.executable,
            "manage.py",
            "export_sheet",
            "--ward",
            ward,
            "--year",
            "2025",
            "--format",
            "pdf",
        ]
        export += ["--output", str(ours_pdf)]
        engine = [sys.executable, str(ENGINE), str(data), str(typst_pdf), "ua-1"]
        ours, ours_cpu, theirs, theirs_cpu = [], [], [], []
        for _ in range(runs):
            ours.append(timed_process(export, env, ours_cpu))
            theirs.append(timed_process(engine, env, theirs_cpu))
        archival = subprocess.run(  # noqa: S603
            [sys.executable, str(ENGINE), str(data), str(workdir / "a.pdf"), "a-3a"],
            env=env,
            capture_output=True,
        )
        o_wall, o_cpu, t_wall, t_cpu = map(statistics.median, (ours, ours_cpu, theirs, theirs_cpu))
        o_info, t_info = _inspect(ours_pdf.read_bytes()), _inspect(typst_pdf.read_bytes())
        print(
            f"  {label:<6} {o_wall:>6.2f}s {o_cpu:>5.2f}s {t_wall:>6.2f}s {t_cpu:>5.2f}s {o_wall / t_wall:>10.1f}"
            f" {o_info['pages']:>4}/{t_info['pages']:<4} {o_info['kB']:>5}/{t_info['kB']:<5}"
            f" {_yes(o_info['tagged'])}/{_yes(t_info['tagged'])} {o_info['th']:>4}/{t_info['th']:<4}"
            f" {'yes' if archival.returncode == 0 else 'no':>9}",
            flush=True,
        )
    print("  (pages, size, tagged and TH rows: ours/Typst; TH rows: department cells tagged as row headers)")
    print(f"load average {load_start:.2f} at the start, {os.getloadavg()[0]:.2f} now")


def _font_file() -> str:
    result = subprocess.run(["fc-match", "-f", "%{file}", "IPAexGothic"], capture_output=True, text=True)  # noqa: S607
    return os.path.realpath(result.stdout.strip())


def _as_json(layout) -> dict:
    return {
        "title": layout.title,
        "issuer": layout.issuer,
        "ward": layout.ward,
        "output_date": layout.output_date,
        "policy_heading": layout.policy_heading,
        "goals_heading": layout.goals_heading,
        "policies": [{"marker": policy.marker, "text": policy.text} for policy in layout.policies],
        "statement": {
            "final": layout.statement.final,
            "mark": layout.statement.mark,
            "text": layout.statement.text,
        },
        "headers": list(layout.headers),
        "column_widths": list(layout.column_widths),
        "legend_heading": layout.legend_heading,
        "legend": [level.text for level in layout.legend],
        "parts": [
            {
                "name": part.name,
                "label": part.label,
                "continued": part.continued,
                "rows": [
                    {
                        "index": row.index,
                        "number": row.number,
                        "category": row.category,
                        "text": row.text,
                        "result": row.result,
                        "achievement": row.achievement,
                        "mark": row.mark,
                        "continued": row.continued,
                        "rowspan": row.department_rowspan,
                    }
                    for row in part.rows
                ],
            }
            for part in layout.parts
        ],
    }


def _inspect(content: bytes) -> dict:
    """Pages, size, a structure tree, and how many header cells outside the tables' header rows (THead):
    the department cells, which the app's PDF tags as row headers."""
    import pikepdf

    document = pikepdf.open(io.BytesIO(content))
    info = {"pages": len(document.pages), "kB": len(content) // 1024, "tagged": False, "th": 0}
    if "/StructTreeRoot" not in document.Root:
        return info
    info["tagged"] = True
    stack = [(document.Root.StructTreeRoot, False)]
    while stack:
        element, in_head = stack.pop()
        if not isinstance(element, pikepdf.Dictionary):
            continue
        kind = str(element.get("/S", ""))
        if kind == "/TH" and not in_head:
            info["th"] += 1
        kids = element.get("/K")
        kids = kids if isinstance(kids, pikepdf.Array) else [kids]
        stack.extend((kid, in_head or kind == "/THead") for kid in kids)
    return info


def _yes(value: bool) -> str:
    return "yes" if value else "no"


if __name__ == "__main__":
    main()
