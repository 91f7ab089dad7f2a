"""A conversation per goal between 総務課 and the department: threads, replies, resolved marks."""

import re

from django.urls import reverse

from goals.models import Goal, GoalComment, Sheet


def _goal(report):
    return Goal.objects.filter(sheet=report.sheet, department=report.department).order_by("order").first()


def test_a_thread_with_a_reply_resolved_and_seen_on_board_and_department_page(
    client, kumin_report, editor, reviewer
):
    goal = _goal(kumin_report)
    client.force_login(reviewer)
    url = reverse("goals:goal_comment", args=[goal.pk])
    client.post(url, {"text": "達成度3の根拠を教えてください。"})
    thread = GoalComment.objects.get()
    assert (thread.author, thread.parent) == (reviewer, None)

    board = client.get(reverse("goals:board", args=["幸区", 2025])).content.decode()
    assert "未解決のやりとり 1件" in board
    client.force_login(editor)
    page = client.get(reverse("goals:report", args=[kumin_report.pk])).content.decode()
    assert "未解決 1件" in page and f"{reverse('goals:goal', args=[goal.pk])}#comments" in page

    response = client.post(url, {"text": "窓口アンケートの結果です。", "parent": thread.pk}, follow=True)
    assert "返信しました。" in response.content.decode()
    reply = GoalComment.objects.exclude(pk=thread.pk).get()
    assert reply.parent == thread and reply.author == editor

    client.force_login(reviewer)
    client.post(reverse("goals:comment_resolve", args=[reply.pk]), {"resolved": "1"})
    thread.refresh_from_db()
    assert thread.resolved_by == reviewer and not thread.is_open
    page = client.get(reverse("goals:goal", args=[goal.pk])).content.decode()
    assert re.search(r"解決（saiwai-reviewer　令和\d+年\d+月\d+日 \d\d:\d\d）", page)
    assert "未解決のやりとり" not in client.get(reverse("goals:board", args=["幸区", 2025])).content.decode()
    history = page[page.index("この目標の変更の履歴") :]
    assert "コメント：達成度3の根拠を教えてください。" in history
    assert "返信：窓口アンケートの結果です。" in history and "解決" in history


def test_an_empty_comment_is_refused_and_nothing_is_written(client, kumin_report, editor):
    goal = _goal(kumin_report)
    client.force_login(editor)
    response = client.post(reverse("goals:goal_comment", args=[goal.pk]), {"text": "  "})
    assert response.status_code == 400
    assert "コメントを入力してください。" in response.content.decode()
    assert not GoalComment.objects.exists()


def test_a_reply_to_another_goals_thread_is_refused(client, kumin_report, editor):
    goals = list(Goal.objects.filter(sheet=kumin_report.sheet, department=kumin_report.department)[:2])
    other = GoalComment.objects.create(goal=goals[1], author=editor, text="別の目標")
    client.force_login(editor)
    client.post(reverse("goals:goal_comment", args=[goals[0].pk]), {"text": "返信", "parent": other.pk})
    assert GoalComment.objects.count() == 1


def test_comments_are_read_only_once_the_year_is_closed(client, seed, kumin_report, editor):
    goal = _goal(kumin_report)
    GoalComment.objects.create(goal=goal, author=editor, text="質問")
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.CLOSED)
    client.force_login(editor)
    page = client.get(reverse("goals:goal", args=[goal.pk])).content.decode()
    assert "質問" in page and "返信する" not in page and "確定済みのため" in page


def test_comments_are_never_on_the_official_sheet(client, seed, kumin_report, editor):
    GoalComment.objects.create(goal=_goal(kumin_report), author=editor, text="印刷されない質問")
    client.force_login(editor)
    assert "印刷されない質問" not in client.get(reverse("goals:sheet", args=["幸区", 2025])).content.decode()
