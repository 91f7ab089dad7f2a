"""Who may read which ward's sheets, and who reviews a ward."""

from django.contrib.auth.models import AnonymousUser

from departments.models import Ward
from goals.models import Sheet


def test_ward_members_read_their_ward_only(
    seed, editor, other_editor, reviewer, other_ward_reviewer, outsider
):
    for member in (editor, other_editor, reviewer):
        assert list(Sheet.objects.for_user(member)) == [seed]
    assert not Sheet.objects.for_user(other_ward_reviewer).exists()
    assert not Sheet.objects.for_user(outsider).exists()
    assert not Sheet.objects.for_user(AnonymousUser()).exists()


def test_superuser_reads_every_ward(seed, other_ward, superuser):
    assert set(Ward.objects.for_user(superuser)) == {seed.ward, other_ward}


def test_only_reviewers_of_the_ward_review_it(seed, editor, reviewer, other_ward_reviewer, superuser):
    ward = seed.ward
    assert ward.is_reviewed_by(reviewer)
    assert ward.is_reviewed_by(superuser)
    assert not ward.is_reviewed_by(editor)
    assert not ward.is_reviewed_by(other_ward_reviewer)
    assert not ward.is_reviewed_by(AnonymousUser())


def test_goal_page_offers_what_the_edit_pages_allow_for_a_goal_without_a_report(client, seed, editor):
    """A goal loaded without its department's report (an import) is judged as a fresh report everywhere."""
    from django.urls import reverse

    from goals.models import DepartmentReport, Goal

    Sheet.objects.filter(pk=seed.pk).update(phase=Sheet.Phase.PLANNING)
    goal = Goal.objects.filter(sheet=seed, department__name="区民課").first()
    DepartmentReport.objects.filter(sheet=seed, department=goal.department).delete()
    client.force_login(editor)
    page = client.get(reverse("goals:goal", args=[goal.pk]))
    assert page.status_code == 200
    assert reverse("goals:goal_edit", args=[goal.pk]) in page.content.decode()
    assert client.get(reverse("goals:goal_edit", args=[goal.pk])).status_code == 200
    assert not DepartmentReport.objects.filter(sheet=seed, department=goal.department).exists()
    saved = client.post(
        reverse("goals:goal_edit", args=[goal.pk]),
        {"number": goal.number, "category": "", "text": "書き直した目標", "version": goal.version},
    )
    report = DepartmentReport.objects.get(sheet=seed, department=goal.department)
    assert saved.status_code == 302
    assert saved["Location"] == reverse("goals:report", args=[report.pk]) + f"#goal-{goal.pk}"
    assert Goal.objects.get(pk=goal.pk).text == "書き直した目標"
