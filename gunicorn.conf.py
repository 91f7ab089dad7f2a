"""gunicorn settings for `make serve` (production). Override with KOJO_* environment variables."""

import multiprocessing
import os
import re

bind = os.environ.get("KOJO_BIND", "127.0.0.1:8000")
# Processes, not shared memory: every worker reads state from the database, so
# any number of workers (or machines) agree.
workers = int(os.environ.get("KOJO_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("KOJO_THREADS", "2"))
# A whole-ward PDF can take a few seconds on a small server.
timeout = int(os.environ.get("KOJO_TIMEOUT", "60"))
graceful_timeout = 30
# Longer than a person's pause between clicks: a connection closed by the server just as the
# browser (or proxy) reuses it is reported to the person as a network error.
keepalive = 75
max_requests = 2000  # recycle workers so a slow leak in a native library cannot grow forever
max_requests_jitter = 200
accesslog = os.environ.get("KOJO_ACCESS_LOG", "-")
errorlog = "-"
forwarded_allow_ips = os.environ.get("KOJO_FORWARDED_ALLOW_IPS", "127.0.0.1")


def _control_socket(bind: str) -> str:
    # gunicorn's default is one fixed path per user, so a second instance on the host takes over
    # the first one's socket. The bind address is unique per instance (two cannot share a port).
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    folder = (
        runtime if runtime and os.path.isdir(runtime) else os.path.join(os.path.expanduser("~"), ".gunicorn")
    )
    return os.path.join(folder, f"kojo-{re.sub(r'[^A-Za-z0-9]+', '-', bind).strip('-')}.ctl")


control_socket = os.environ.get("KOJO_CONTROL_SOCKET") or _control_socket(bind)


def post_worker_init(worker):
    # Start the worker's low-priority PDF helper now, not during someone's first download.
    from goals.sheet.pdf_helper import warm_up

    warm_up()
