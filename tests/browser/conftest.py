"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Every page a test visits can be audited with `audit(page)`: axe-core (WCAG 2.1 A/AA rules) runs
inside the page, and the HTML the server sent goes through the W3C Nu HTML checker (vnu.jar, run
once per session as a local HTTP service). Both tools are vendored from the npm registry by
`make test` into tools/browser/node_modules; nothing is fetched from a CDN.
"""

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import sync_playwright

TOOLS = Path(settings.BASE_DIR) / "tools" / "browser" / "node_modules"
AXE = TOOLS / "axe-core" / "axe.min.js"
VNU = TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"
SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Without the background-networking flags Chromium keeps calling home, which this closed network refuses.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def _chromium() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("Chromium がありません。make test が導入します（apt-get install chromium）。")
    return path


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API keeps an event loop in this thread; the ORM calls the tests
    # make between page actions are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


class Documents:
    """The last HTML document the server sent to a page (after redirects and POSTs too)."""

    def __init__(self, page):
        self.last = None
        page.on("response", self._record)
        self.page = page

    def _record(self, response):
        if response.request.resource_type == "document" and response.frame == self.page.main_frame:
            self.last = response

    def html(self) -> str:
        assert self.last is not None, "no document loaded yet"
        return self.last.text()


@pytest.fixture
def new_page(browser, live_server):
    contexts = []

    def make():
        context = browser.new_context(
            base_url=live_server.url,
            locale="ja-JP",
            viewport={"width": 1366, "height": 768},
            accept_downloads=True,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.documents = Documents(page)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def html_checker():
    """POST a document to a local Nu HTML checker; returns its error messages."""
    if not VNU.exists():
        pytest.fail(f"{VNU} がありません。make test が npm から導入します。")
    java = shutil.which("java")
    if java is None:
        pytest.fail("java がありません。make test が導入します（apt-get install default-jre-headless）。")
    port = _free_port()
    # The checker recurses deeply while loading its schemas: it needs a large thread stack.
    command = [java, "-Xss8m", "-Dnu.validator.servlet.bind-address=127.0.0.1", "-cp", str(VNU)]
    server = subprocess.Popen(
        [*command, "nu.validator.servlet.Main", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/?out=json"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            break
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("Nu HTML checker (vnu.jar) が起動しませんでした。")
            time.sleep(0.3)

    def check(html: str) -> list[str]:
        request = urllib.request.Request(
            url, data=html.encode("utf-8"), headers={"Content-Type": "text/html; charset=utf-8"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (local checker)
            messages = json.load(response)["messages"]
        return [
            f"{m.get('lastLine', '?')}: {m['message']}"
            for m in messages
            if m["type"] == "error" or m.get("subType") == "fatal"
        ]

    yield check
    server.terminate()
    server.wait(timeout=10)


class AuditLog:
    pages: list[str] = []


@pytest.fixture
def audit(html_checker):
    """Run axe-core (WCAG 2.1 AA) and the Nu checker on the page as it is now."""

    def run(page, name: str):
        page.evaluate(AXE.read_text(encoding="utf-8"))
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_21_AA
        )
        violations = [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
        ]
        html_errors = html_checker(page.documents.html())
        AuditLog.pages.append(name)
        assert violations == [], f"axe violations on {name}: {violations}"
        assert html_errors == [], f"Nu checker errors on {name}: {html_errors}"

    return run


@pytest.fixture
def screenshot():
    def take(page, name: str):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take


def sign_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("ユーザー名").fill(user.username)
    page.get_by_label("パスワード").fill(user.raw_password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_load_state()
