"""公開 and 公開の取り下げ: who may, when, the reason in the history, and what the public then reads."""

import pytest
from django.urls import reverse

from goals import access, workflow
from goals.history import sheet_history
from goals.models import DepartmentReport, Goal, Sheet
from goals.workflow import WorkflowError

from .publication_helpers import close, hand_everything_in, published


def test_reviewer_publishes_a_closed_sheet_with_the_reason_in_its_history(seed, reviewer):
    hand_everything_in(seed)
    close(seed, reviewer)
    workflow.publish(seed, by=reviewer, reason="区のホームページで公表するため")
    seed.refresh_from_db()
    assert seed.published_at is not None
    assert list(access.public_sheets()) == [seed]
    newest = sheet_history(seed)[0]
    assert newest.reason == "公開しました（理由：区のホームページで公表するため）"
    assert [(d.label, d.old, d.new) for d in newest.diffs] == [("公開", "非公開", "公開中")]


def test_withdrawal_takes_it_off_the_public_pages_at_once_and_keeps_its_reason(client, seed, reviewer):
    published(seed, reviewer)
    url = reverse("goals:public_sheet", args=["幸区", 2025])
    assert client.get(url).status_code == 200
    workflow.unpublish(seed, by=reviewer, reason="誤字があったため")
    assert client.get(url).status_code == 404
    assert sheet_history(seed)[0].reason == "公開を取り下げました（理由：誤字があったため）"
    # Reversible: published again, it is back.
    workflow.publish(seed, by=reviewer, reason="訂正したため")
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("who", ["editor", "city_staff", "other_ward_reviewer", "outsider"])
def test_only_the_wards_reviewer_may_publish(request, seed, reviewer, who):
    hand_everything_in(seed)
    close(seed, reviewer)
    person = request.getfixturevalue(who)
    with pytest.raises(WorkflowError, match="取りまとめ担当"):
        workflow.publish(seed, by=person, reason="理由")
    workflow.publish(seed, by=reviewer, reason="理由")
    with pytest.raises(WorkflowError, match="取りまとめ担当"):
        workflow.unpublish(seed, by=person, reason="理由")
    seed.refresh_from_db()
    assert seed.published_at is not None


def test_publishing_needs_a_reason_a_closed_sheet_and_every_result_handed_in(seed, reviewer):
    with pytest.raises(WorkflowError, match="理由を入力"):
        workflow.publish(seed, by=reviewer, reason="   ")
    with pytest.raises(WorkflowError, match="確定した取組シートだけ"):
        workflow.publish(seed, by=reviewer, reason="理由")
    hand_everything_in(seed)
    DepartmentReport.objects.filter(sheet=seed, department__name="区民課").update(
        status=DepartmentReport.Status.IN_PROGRESS
    )
    workflow.advance(seed, by=reviewer, override_reason="紙で確認した")
    with pytest.raises(WorkflowError, match=r"提出していない部署があるため公開できません（区民課）"):
        workflow.publish(seed, by=reviewer, reason="理由")
    seed.refresh_from_db()
    assert seed.published_at is None
    assert Sheet.history.filter(id=seed.pk, history_change_reason__contains="公開").count() == 0


def test_publishing_twice_or_withdrawing_an_unpublished_sheet_is_refused(seed, reviewer):
    hand_everything_in(seed)
    close(seed, reviewer)
    with pytest.raises(WorkflowError, match="公開していません"):
        workflow.unpublish(seed, by=reviewer, reason="理由")
    workflow.publish(seed, by=reviewer, reason="理由")
    with pytest.raises(WorkflowError, match="既に公開"):
        workflow.publish(seed, by=reviewer, reason="理由")


def test_a_published_sheet_cannot_be_reopened_until_withdrawn(seed, reviewer):
    published(seed, reviewer)
    with pytest.raises(WorkflowError, match="公開中のため戻せません"):
        workflow.reopen(seed, by=reviewer, reason="数値の誤り")
    seed.refresh_from_db()
    assert seed.phase == Sheet.Phase.CLOSED
    workflow.unpublish(seed, by=reviewer, reason="数値の誤り")
    workflow.reopen(seed, by=reviewer, reason="数値の誤り")
    seed.refresh_from_db()
    assert seed.phase == Sheet.Phase.IN_PROGRESS


def test_the_public_never_reads_a_sheet_changed_behind_the_workflow(seed, reviewer):
    """The admin could move a published sheet back, or return a department: public_sheets() checks again."""
    published(seed, reviewer)
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.IN_PROGRESS)
    assert not access.public_sheets().exists()
    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.CLOSED)
    assert access.public_sheets().exists()
    DepartmentReport.objects.filter(sheet=seed, department__name="区民課").update(
        status=DepartmentReport.Status.RETURNED
    )
    assert not access.public_sheets().exists()
    DepartmentReport.objects.filter(sheet=seed, department__name="区民課").delete()
    assert not access.public_sheets().exists(), "goals whose department has no report are drafts too"
    assert Goal.objects.filter(sheet=seed, department__name="区民課").exists()


def test_publication_page_forms_and_messages(client, seed, reviewer):
    hand_everything_in(seed)
    close(seed, reviewer)
    client.force_login(reviewer)
    page = reverse("goals:publication", args=["幸区", 2025])
    assert "公開する" in client.get(page).content.decode()
    refused = client.post(reverse("goals:publish", args=["幸区", 2025]), {"reason": ""})
    assert refused.status_code == 400
    assert "理由を入力してください。" in refused.content.decode()
    done = client.post(reverse("goals:publish", args=["幸区", 2025]), {"reason": "公表のため"}, follow=True)
    body = done.content.decode()
    assert "令和7年度向上指針取組シートを公開しました。" in body
    assert "公開を取り下げる" in body and "公開しました（理由：公表のため）" in body
    board = client.get(reverse("goals:board", args=["幸区", 2025])).content.decode()
    assert "公開の設定</a>（公開中）" in board
    client.post(reverse("goals:unpublish", args=["幸区", 2025]), {"reason": "取り下げ"})
    seed.refresh_from_db()
    assert seed.published_at is None


def test_publication_page_explains_why_it_cannot_publish_yet(client, seed, reviewer):
    client.force_login(reviewer)
    body = client.get(reverse("goals:publication", args=["幸区", 2025])).content.decode()
    assert "確定した取組シートだけを公開できます" in body
    assert "公開する</button>" not in body
