"""Signing in lands each person on their work; a session that expired while typing loses nothing."""

import pytest
from django.urls import reverse

from departments.models import Department, Membership
from goals.models import DepartmentReport, Goal, Sheet


def _goal(report):
    return Goal.objects.filter(sheet=report.sheet, department=report.department).order_by("order").first()


def test_editor_lands_on_the_department_page_of_the_latest_sheet(client, seed, kumin_report, editor):
    older = Sheet.objects.create(ward=seed.ward, fiscal_year=2024, phase=Sheet.Phase.CLOSED)
    DepartmentReport.objects.create(sheet=older, department=kumin_report.department)
    response = client.post(
        reverse("login"), {"username": editor.username, "password": editor.raw_password}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("goals:report", args=[kumin_report.pk])
    page = response.content.decode()
    assert "区民課　令和7年度の目標と実施結果" in page
    assert "令和6年度" in page  # the switch to last year's page


def test_reviewer_lands_on_the_ward_board(client, seed, reviewer):
    client.force_login(reviewer)
    assert client.get("/")["Location"] == reverse("goals:board", args=["幸区", 2025])


def test_someone_without_a_department_gets_an_explanation(client, outsider):
    client.force_login(outsider)
    response = client.get("/")
    assert response.status_code == 200
    assert "所属する部署が登録されていません" in response.content.decode()


def test_several_memberships_get_a_chooser(client, seed, editor, kumin_report):
    Membership.objects.create(
        user=editor, department=Department.objects.get(name="保護課"), role=Membership.Role.EDITOR
    )
    client.force_login(editor)
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("goals:report", args=[kumin_report.pk]) in page
    hogo = DepartmentReport.objects.get(sheet=seed, department__name="保護課")
    assert reverse("goals:report", args=[hogo.pk]) in page


def test_a_ward_without_sheets_is_explained(client, other_ward_reviewer):
    client.force_login(other_ward_reviewer)
    response = client.get("/")
    assert response.status_code == 200
    assert "中原区（取りまとめ）" in response.content.decode()


def test_next_pointing_off_site_is_not_followed(client, editor):
    response = client.post(
        reverse("login"),
        {"username": editor.username, "password": editor.raw_password, "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_sign_out_is_a_post_and_password_change_works(client, editor):
    client.force_login(editor)
    assert "ログアウト" in client.get(reverse("password_change")).content.decode()
    assert client.get(reverse("logout")).status_code == 405
    changed = client.post(
        reverse("password_change"),
        {
            "old_password": editor.raw_password,
            "new_password1": "kawasaki-saiwai-2026",
            "new_password2": "kawasaki-saiwai-2026",
        },
    )
    assert changed["Location"] == reverse("password_change_done")
    editor.refresh_from_db()
    assert editor.check_password("kawasaki-saiwai-2026")
    wrong = client.post(
        reverse("password_change"), {"old_password": "x", "new_password1": "a", "new_password2": "b"}
    )
    assert wrong.status_code == 200 and 'aria-invalid="true"' in wrong.content.decode()
    assert client.post(reverse("logout"))["Location"] == reverse("login")
    assert client.get("/").status_code == 302


def test_a_result_typed_when_the_session_expired_comes_back_after_signing_in(
    client, kumin_report, editor, levels
):
    goal = _goal(kumin_report)
    url = reverse("goals:goal_result", args=[goal.pk])
    client.force_login(editor)
    assert client.get(url).status_code == 200
    client.logout()  # the session expired (or ended in another tab) while the person was typing

    typed = "長い時間をかけて書いた実施結果。<b>太字</b>も文字のまま。"
    lost = client.post(
        url, {"result": typed, "achievement": levels[1].pk, "version": goal.version, "kept_for": editor.pk}
    )
    assert lost.status_code == 302
    assert lost["Location"].startswith(reverse("login"))
    assert Goal.objects.get(pk=goal.pk).result == ""  # nothing saved while signed out
    login_page = client.get(lost["Location"]).content.decode()
    assert "入力した内容は預かっています" in login_page

    back = client.post(
        lost["Location"], {"username": editor.username, "password": editor.raw_password}, follow=True
    )
    assert back.redirect_chain[-1][0] == url
    page = back.content.decode()
    assert "長い時間をかけて書いた実施結果。&lt;b&gt;太字&lt;/b&gt;も文字のまま。" in page
    assert f'name="achievement" value="{levels[1].pk}" id="id_achievement_1" checked' in page
    assert "復元しました" in page
    # Restored once: the next visit shows what is stored.
    assert "長い時間をかけて" not in client.get(url).content.decode()

    saved = client.post(url, {"result": typed, "achievement": levels[1].pk, "version": goal.version})
    assert saved.status_code == 302
    assert Goal.objects.get(pk=goal.pk).result == typed


def test_kept_text_is_not_given_to_the_next_person_on_the_same_browser(
    client, make_member, kumin_report, editor, levels
):
    goal = _goal(kumin_report)
    colleague = make_member("kumin-colleague", goal.department, Membership.Role.EDITOR)
    url = reverse("goals:goal_result", args=[goal.pk])
    typed = "前の人が書いていた下書き"
    lost = client.post(
        url, {"result": typed, "achievement": levels[1].pk, "version": 1, "kept_for": editor.pk}
    )
    assert lost["Location"].startswith(reverse("login"))
    page = client.post(
        lost["Location"], {"username": colleague.username, "password": colleague.raw_password}, follow=True
    ).content.decode()
    assert typed not in page and "復元しました" not in page
    assert "kept_posts" not in client.session or url not in client.session["kept_posts"]


def test_posts_to_other_pages_are_not_kept(client, kumin_report):
    client.post(reverse("goals:report_submit", args=[kumin_report.pk]))
    assert "kept_posts" not in client.session


@pytest.mark.parametrize(
    "offset, phrase", [(3, "あと3日"), (0, "本日が期限です"), (-2, "期限を2日過ぎています")]
)
def test_deadline_is_shown_on_every_page_with_the_days_left(client, seed, editor, offset, phrase):
    import datetime

    from django.utils import timezone

    Sheet.objects.filter(pk=seed.pk).update(
        results_deadline=timezone.localdate() + datetime.timedelta(days=offset)
    )
    client.force_login(editor)
    for url in ("/", reverse("password_change")):
        page = client.get(url, follow=True).content.decode()
        assert "実施結果の提出期限" in page and phrase in page


def test_save_and_next_goes_to_the_next_goal(client, kumin_report, editor, levels):
    first, second = list(
        Goal.objects.filter(sheet=kumin_report.sheet, department=kumin_report.department).order_by("order")
    )[:2]
    client.force_login(editor)
    response = client.post(
        reverse("goals:goal_result", args=[first.pk]),
        {"result": "済", "achievement": levels[0].pk, "version": first.version, "save_and_next": ""},
    )
    assert response["Location"] == reverse("goals:goal_result", args=[second.pk])


def test_a_refused_csrf_token_explains_in_japanese(editor, kumin_report):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post(reverse("goals:report_submit", args=[kumin_report.pk]))
    assert response.status_code == 403
    assert "送信できませんでした" in response.content.decode()
