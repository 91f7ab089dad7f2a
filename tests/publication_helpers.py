"""Sheets made ready for the public: every department handed in, 確定, published by the reviewer."""

from departments.models import City, Department, Membership, Ward
from goals import workflow
from goals.models import AchievementLevel, DepartmentReport, Goal, Sheet


def hand_everything_in(sheet, level_number=3, result="窓口アンケートで満足度90％を達成しました。"):
    """Every goal gets a result and a level and every report is 確認済み (direct writes, no mail)."""
    level = AchievementLevel.objects.get(number=level_number)
    Goal.objects.filter(sheet=sheet).update(result=result, achievement=level)
    for department_id in Goal.objects.filter(sheet=sheet).values_list("department_id", flat=True).distinct():
        DepartmentReport.objects.get_or_create(sheet=sheet, department_id=department_id)
    DepartmentReport.objects.filter(sheet=sheet).update(status=DepartmentReport.Status.CONFIRMED)


def close(sheet, reviewer):
    Sheet.objects.filter(pk=sheet.pk).update(phase=Sheet.Phase.IN_PROGRESS)
    sheet.refresh_from_db()
    workflow.advance(sheet, by=reviewer)
    sheet.refresh_from_db()
    return sheet


def published(sheet, reviewer, reason="区のホームページで公表するため", hand_in=True):
    if hand_in:
        hand_everything_in(sheet)
    close(sheet, reviewer)
    workflow.publish(sheet, by=reviewer, reason=reason)
    sheet.refresh_from_db()
    return sheet


def kawasaki():
    return City.objects.get(code="141305")


def city_ward(name, departments=("総務課",), city=None):
    """Another ward of 川崎市 with a 総務課 reviewer's department."""
    ward = Ward.objects.create(name=name, office_name=f"{name}役所", city=city or kawasaki())
    for order, department in enumerate(departments, 1):
        Department.objects.create(ward=ward, name=department, order=order * 10)
    return ward


def reviewer_of(ward, make_member, username):
    return make_member(username, ward.departments.get(name="総務課"), Membership.Role.REVIEWER)
