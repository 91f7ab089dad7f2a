"""What every benchmark sets before Django starts: production settings (DEBUG off, a throwaway secret
key), the PDF drawn in the benchmark's own process, and a throwaway SQLite database in `workdir`."""

import os
from pathlib import Path


def production_env(workdir: Path, **overrides) -> dict[str, str]:
    """The variables to put in os.environ (and hand to child processes); None in `overrides` removes one."""
    env = {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-only-" + os.urandom(16).hex(),
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DJANGO_HTTPS": "false",
        "DJANGO_PDF_HELPER_PROCESS": "false",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "kojo_shishin.settings",
        **overrides,
    }
    return {key: value for key, value in env.items() if value is not None}


def compile_project(root: Path) -> None:
    """Bytecode for the project's own packages, as a deployed app has after its first start.

    Where PYTHONDONTWRITEBYTECODE is set (some machines set it for every
    process), a timed process would otherwise compile them from source every
    time, and a fresh checkout would time slower than one whose tests had run.
    """
    import compileall

    for package in ("kojo_shishin", "departments", "goals", "audit"):
        compileall.compile_dir(root / package, quiet=1)
