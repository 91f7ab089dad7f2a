"""Year-end load: editors of different departments saving results, reviewers reading the board and PDFs.

Every result the server acknowledged (302 after the POST) is remembered; verify.py then checks
that the database holds exactly the last acknowledged text of every goal (no lost writes).
"""

import itertools
import json
import os
import random
import re
import threading

import gevent
from gevent.event import Event
from locust import HttpUser, between, events, task

ACCOUNTS = json.loads(open(os.environ["KOJO_LOAD_ACCOUNTS"], encoding="utf-8").read())
SAVED_FILE = os.environ["KOJO_LOAD_SAVED"]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
_editors = iter(ACCOUNTS["editors"])
_reviewers = iter(ACCOUNTS["reviewers"])
_lock = threading.Lock()
_counter = itertools.count(1)
# Per goal, every text sent in order, and the last one the server acknowledged (302). A save in
# flight when the run stops may be stored without its acknowledgement arriving: it is allowed.
sent: dict[int, list[str]] = {}
acknowledged: dict[int, str] = {}
# The measured minute starts when everyone has signed in: sign-in hashes passwords on purpose
# (slow by design), and 55 people signing in at the same second is not the year-end pattern.
everyone_in = Event()
_signed_in = itertools.count(1)
TOTAL_USERS = len(ACCOUNTS["editors"]) + len(ACCOUNTS["reviewers"])
MEASURED_SECONDS = int(os.environ.get("KOJO_LOAD_SECONDS", "60"))


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    if not match:
        raise ValueError("no CSRF token in the page")
    return match.group(1)


class SignedIn(HttpUser):
    abstract = True

    def sign_in(self, username):
        page = self.client.get("/accounts/login/", name="sign-in page")
        with self.client.post(
            "/accounts/login/",
            {
                "username": username,
                "password": ACCOUNTS["password"],
                "csrfmiddlewaretoken": csrf_token(page.text),
            },
            name="sign in",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"sign-in answered {response.status_code}")
        if next(_signed_in) == TOTAL_USERS:
            runner = self.environment.runner
            runner.stats.reset_all()
            everyone_in.set()
            gevent.spawn_later(MEASURED_SECONDS, runner.quit)
        everyone_in.wait()


class Editor(SignedIn):
    fixed_count = len(ACCOUNTS["editors"])
    wait_time = between(1, 3)

    def on_start(self):
        self.account = next(_editors)
        self.sign_in(self.account["username"])

    @task(2)
    def department_page(self):
        self.client.get(f"/reports/{self.account['report']}/", name="department page")

    @task(3)
    def save_result(self):
        goal = random.choice(self.account["goals"])  # noqa: S311 (load pattern, not security)
        url = f"/goals/{goal}/result/"
        form = self.client.get(url, name="result form")
        if form.status_code != 200:
            return  # counted as a failure by Locust
        text = (
            f"{self.account['username']} 実施結果 #{next(_counter)}：窓口アンケートで満足度が向上しました。"
        )
        data = {
            "result": text,
            "achievement": random.choice(ACCOUNTS["levels"]),  # noqa: S311
            "version": VERSION.search(form.text).group(1),
            "csrfmiddlewaretoken": csrf_token(form.text),
            "save": "",
        }
        with _lock:
            sent.setdefault(goal, []).append(text)
        with self.client.post(url, data, name="save result", allow_redirects=False, catch_response=True) as r:
            if r.status_code == 302:
                with _lock:
                    acknowledged[goal] = text
            else:
                r.failure(f"save answered {r.status_code}")


class Reviewer(SignedIn):
    fixed_count = len(ACCOUNTS["reviewers"])
    wait_time = between(2, 6)

    def on_start(self):
        self.sign_in(next(_reviewers)["username"])
        self.sheet = f"{ACCOUNTS['ward']}/{ACCOUNTS['year']}"

    @task(4)
    def board(self):
        self.client.get(f"/board/{self.sheet}/", name="ward board")

    @task(1)
    def export_pdf(self):
        with self.client.get(f"/sheets/{self.sheet}/pdf/", name="sheet PDF", catch_response=True) as r:
            if r.status_code == 200 and not r.content.startswith(b"%PDF"):
                r.failure("not a PDF")


@events.quitting.add_listener
def _write_acknowledged(environment, **kwargs):
    with open(SAVED_FILE, "w", encoding="utf-8") as out:
        json.dump({"sent": sent, "acknowledged": acknowledged}, out, ensure_ascii=False)
