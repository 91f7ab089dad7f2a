"""PDFs for web requests are drawn in a low-priority helper process (production), and recover from its crash."""

import os
import signal

import pytest
from django.urls import reverse

from goals.sheet import pdf_helper
from goals.sheet.layout import build_layout


@pytest.fixture
def helper(settings):
    settings.PDF_HELPER_PROCESS = True
    yield pdf_helper
    pdf_helper.shutdown()


def test_the_download_is_drawn_by_a_lower_priority_helper(client, reviewer, seed, helper, monkeypatch):
    assert helper.helper_niceness() == min(os.nice(0) + helper.NICENESS, 19)
    assert helper.helper_pid() not in (None, os.getpid())

    def not_here(*args, **kwargs):
        raise AssertionError("drawn in the app worker")

    # The helper is a fresh interpreter: only this process's renderer is replaced.
    monkeypatch.setattr("goals.sheet.pdf.render_pdf", not_here)
    client.force_login(reviewer)
    response = client.get(reverse("goals:sheet_pdf", args=["幸区", 2025]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")


def test_warming_up_starts_every_helper_before_the_first_download(helper):
    import multiprocessing

    assert multiprocessing.active_children() == []
    helper.warm_up()
    started = multiprocessing.active_children()
    assert len(started) == helper.HELPERS
    assert all(os.getpriority(os.PRIO_PROCESS, child.pid) > os.nice(0) for child in started)


def test_a_crashed_helper_gives_a_clear_error_then_is_replaced(seed, helper):
    layout = build_layout(seed)
    os.kill(helper.helper_pid(), signal.SIGKILL)  # the helper dies, as under the OOM killer
    with pytest.raises(helper.PdfHelperFailed, match="もう一度お試しください"):
        helper.render_pdf(layout)
    assert helper.render_pdf(layout).startswith(b"%PDF-")


def test_in_development_the_pdf_is_drawn_in_process(settings, seed):
    settings.PDF_HELPER_PROCESS = False
    pdf_helper.shutdown()
    assert pdf_helper.render_pdf(build_layout(seed)).startswith(b"%PDF-")
    assert pdf_helper.helper_pid() is None


def test_a_failed_download_returns_to_the_sheet_with_the_message(client, reviewer, seed, monkeypatch):
    def crash(layout, variant=None):
        raise pdf_helper.PdfHelperFailed("PDF を作る処理が途中で止まりました。もう一度お試しください。")

    monkeypatch.setattr("goals.views.downloads.render_pdf", crash)
    client.force_login(reviewer)
    response = client.get(reverse("goals:sheet_pdf", args=["幸区", 2025]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("goals:sheet", args=["幸区", 2025])
    assert "もう一度お試しください" in response.content.decode()
