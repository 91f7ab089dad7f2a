"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Every page a test visits can be audited with `audit(page, name)`: axe-core (WCAG 2.1 A/AA rules and
axe's best practices: landmarks, heading order, one h1) runs inside the page, and the HTML the server
sent goes through the W3C Nu HTML checker (vnu.jar, run once per session as a local HTTP service).
Both tools are vendored from the npm registry by `make test` into tools/browser/node_modules; nothing
is fetched from a CDN. The session ends with a summary of what was audited, as whom, and what was found.
"""

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect, sync_playwright

TOOLS = Path(settings.BASE_DIR) / "tools" / "browser" / "node_modules"
AXE = TOOLS / "axe-core" / "axe.min.js"
VNU = TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"
SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Not WCAG criteria themselves, but how the criteria are met here: landmarks, one h1, heading order.
BEST_PRACTICE = ["best-practice"]
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
        # A download (PDF, Excel) is a navigation too, but not a page to check.
        if (
            response.request.resource_type == "document"
            and response.frame == self.page.main_frame
            and response.headers.get("content-type", "").startswith("text/html")
        ):
            self.last = response

    def html(self) -> str:
        assert self.last is not None, "no document loaded yet"
        return self.last.text()


OFFICE_SCREEN = {"width": 1366, "height": 768}
TABLET = {"width": 768, "height": 1024}


@pytest.fixture
def new_page(browser, live_server):
    """A fresh browser (its own cookies) for one person; `persona` names them in the audit summary."""
    contexts = []

    def make(viewport=OFFICE_SCREEN):
        context = browser.new_context(
            base_url=live_server.url, locale="ja-JP", viewport=viewport, accept_downloads=True
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.documents = Documents(page)
        page.persona = "anonymous"
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
    """POST a document to a local Nu HTML checker; returns its (errors, warnings)."""
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
        # A busy machine: the checker may accept the connection before it can answer in time.
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("Nu HTML checker (vnu.jar) が起動しませんでした。")
            time.sleep(0.3)

    def check(html: str) -> tuple[list[str], list[str]]:
        request = urllib.request.Request(
            url, data=html.encode("utf-8"), headers={"Content-Type": "text/html; charset=utf-8"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (local checker)
            messages = json.load(response)["messages"]
        errors = [
            f"{m.get('lastLine', '?')}: {m['message']}"
            for m in messages
            if m["type"] == "error" or m.get("subType") == "fatal"
        ]
        warnings = [m["message"] for m in messages if m.get("subType") == "warning"]
        return errors, warnings

    yield check
    server.terminate()
    server.wait(timeout=10)


class AuditLog:
    """Everything the audits of this session saw, for the summary at its end."""

    pages: set[tuple[str, str]] = set()  # (page, persona)
    audits = 0
    axe_violations = 0
    html_errors = 0
    html_warnings: Counter = Counter()
    needs_review: Counter = Counter()  # axe "incomplete" (rule: reason): for a person to look at
    seconds = 0.0


def _axe(page, tags):
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", tags)


@pytest.fixture
def audit(html_checker):
    """Run axe-core (WCAG 2.1 AA and best practices) and the Nu checker on the page as it is now."""

    def run(page, name: str):
        started = time.monotonic()
        result = _axe(page, WCAG_21_AA + BEST_PRACTICE)
        violations = [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
        ]
        html_errors, html_warnings = html_checker(page.documents.html())
        AuditLog.pages.add((name, page.persona))
        AuditLog.audits += 1
        AuditLog.axe_violations += sum(len(v["nodes"]) for v in result["violations"])
        AuditLog.html_errors += len(html_errors)
        AuditLog.html_warnings.update(html_warnings)
        AuditLog.needs_review.update(
            f"{v['id']}: {check['message']}"
            for v in result["incomplete"]
            for node in v["nodes"]
            for check in node["any"][:1]
        )
        AuditLog.seconds += time.monotonic() - started
        assert violations == [], f"axe violations on {name} ({page.persona}): {violations}"
        assert html_errors == [], f"Nu checker errors on {name} ({page.persona}): {html_errors}"

    return run


def pytest_terminal_summary(terminalreporter):
    if not AuditLog.audits:
        return
    write = terminalreporter.write_line
    terminalreporter.section("accessibility and HTML audit")
    personas = sorted({persona for _, persona in AuditLog.pages})
    write(
        f"{AuditLog.audits} audits of {len(AuditLog.pages)} distinct pages × personas "
        f"({len({name for name, _ in AuditLog.pages})} pages; personas: {', '.join(personas)}) "
        f"in {AuditLog.seconds:.1f} s"
    )
    write(f"axe-core violations (WCAG 2.1 A/AA + best practices): {AuditLog.axe_violations}")
    write(f"Nu HTML checker errors: {AuditLog.html_errors}")
    for reason, count in sorted(AuditLog.needs_review.items()):
        write(f"axe needs review ×{count} elements: {reason}")
    for message, count in AuditLog.html_warnings.most_common():
        write(f"Nu warning ×{count}: {message}")
    if terminalreporter.config.option.verbose > 0:
        for name, persona in sorted(AuditLog.pages):
            write(f"  audited: {name} — {persona}")


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory) -> Path:
    """docs/screenshots when KOJO_SCREENSHOTS=1 (`make screenshots`), else a temporary folder.

    The committed images show dates and times: an ordinary test run must not rewrite them.
    """
    if os.environ.get("KOJO_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def screenshot(screenshot_dir):
    def take(page, name: str, full_page: bool = True):
        path = screenshot_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        assert path.stat().st_size > 0

    return take


def sign_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("ユーザー名").fill(user.username)
    page.get_by_label("パスワード").fill(user.raw_password)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("button", name="ログアウト")).to_be_visible()
    page.persona = user.username
