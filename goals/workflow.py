"""The year's transitions as named functions: advance, reopen, submit, return, confirm, saves.

They import the models and the mail, never the reverse: models keep state,
invariants and read-only checks (`report.results_locked_reason()`); a change
of state is `workflow.submit(report, by=user)`. Every transition runs in one
transaction and locks the sheet row first, then the report row: a department
saving a result and the reviewer locking the year cannot interleave, and the
fixed order avoids deadlocks. Each refusal raises WorkflowError with a
Japanese message.
"""

from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from goals.mail.notifications import notify_returned, notify_submitted
from goals.models import DepartmentReport, Goal, Sheet


class WorkflowError(Exception):
    """A transition that the current state does not allow; the message is for the person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class StaleGoalError(WorkflowError):
    """Someone saved the goal after this form was opened; `current` is what is stored now."""

    def __init__(self, current):
        super().__init__(
            "この目標は、画面を開いた後に他の人が更新しました。保存されている内容とあなたの入力を"
            "見比べて、残す内容を選んでください。"
        )
        self.current = current


def _mark_history(instance, by, reason: str = ""):
    # simple-history reads these on save; set explicitly so history names the
    # person even outside a request (tests, management commands).
    instance._history_user = by
    if reason:
        instance._change_reason = reason


def _save_unique_number(goal, **kwargs):
    """Save, turning a number already taken (a race the form check cannot see) into a message."""
    try:
        with transaction.atomic():
            goal.save(**kwargs)
    except IntegrityError:
        raise WorkflowError(
            f"番号「{goal.number}」はこの部署で既に使われています。別の番号にしてください。"
        ) from None


def _lock(sheet_id, department_id):
    """Lock the sheet, then the department's report (created if an import left it out)."""
    # of=("self",): lock the sheet row, not the ward row joined for the messages.
    sheet = Sheet.objects.select_for_update(of=("self",)).select_related("ward").get(pk=sheet_id)
    report, _ = DepartmentReport.objects.select_for_update().get_or_create(
        sheet=sheet, department_id=department_id
    )
    report.sheet = sheet
    return sheet, report


# The sheet: 計画 → 実施中 → 確定, and back one step with a reason.


def advance(sheet, *, by, override_reason: str = ""):
    """計画 → 実施中, or 実施中 → 確定 (every department confirmed, or an override with a reason)."""
    if not sheet.ward.is_reviewed_by(by):
        raise WorkflowError("段階を進められるのは、この区の取りまとめ担当だけです。")
    with transaction.atomic():
        locked = Sheet.objects.select_for_update().get(pk=sheet.pk)
        override_reason = override_reason.strip()
        if locked.phase == Sheet.Phase.PLANNING:
            locked.phase = Sheet.Phase.IN_PROGRESS
            reason = "実施中に進めました"
        elif locked.phase == Sheet.Phase.IN_PROGRESS:
            pending = locked.reports.exclude(status=DepartmentReport.Status.CONFIRMED)
            names = [r.department.name for r in pending.select_related("department")]
            if names and not override_reason:
                raise WorkflowError(
                    f"確認済みでない部署があります（{'、'.join(names)}）。"
                    "このまま確定する場合は、理由を入力してください。"
                )
            locked.phase = Sheet.Phase.CLOSED
            reason = "確定しました"
            if names:
                reason += f"（未確認の部署：{'、'.join(names)}。理由：{override_reason}）"
        else:
            raise WorkflowError("この取組シートは既に確定しています。")
        _mark_history(locked, by, reason)
        locked.save(update_fields=["phase"])
    sheet.phase = locked.phase
    return locked


def reopen(sheet, *, by, reason: str):
    """Step back one phase (確定 → 実施中, 実施中 → 計画); the reason is kept in the history."""
    if not sheet.ward.is_reviewed_by(by):
        raise WorkflowError("段階を戻せるのは、この区の取りまとめ担当だけです。")
    reason = reason.strip()
    if not reason:
        raise WorkflowError("段階を戻す理由を入力してください。")
    with transaction.atomic():
        locked = Sheet.objects.select_for_update().get(pk=sheet.pk)
        if locked.phase == Sheet.Phase.CLOSED:
            locked.phase = Sheet.Phase.IN_PROGRESS
        elif locked.phase == Sheet.Phase.IN_PROGRESS:
            locked.phase = Sheet.Phase.PLANNING
        else:
            raise WorkflowError("計画の段階より前には戻せません。")
        _mark_history(locked, by, f"{locked.get_phase_display()}に戻しました（理由：{reason}）")
        locked.save(update_fields=["phase"])
    sheet.phase = locked.phase
    return locked


def set_results_deadline(sheet, *, by, deadline):
    if not sheet.ward.is_reviewed_by(by):
        raise WorkflowError("提出期限を設定できるのは、この区の取りまとめ担当だけです。")
    if problem := sheet.results_deadline_problem(deadline):
        raise WorkflowError(problem)
    _mark_history(sheet, by, "提出期限を変更しました")
    sheet.results_deadline = deadline
    sheet.save(update_fields=["results_deadline"])


# A department's report: 未入力 → 入力中 → 提出済 → (差戻し → 提出済) → 確認済.


def _set_status(report, status, by, reason: str = ""):
    report.status = status
    report.status_changed_at = timezone.now()
    report.status_changed_by = by
    _mark_history(report, by, reason)
    report.save(update_fields=["status", "status_changed_at", "status_changed_by", "return_reason"])


def submit(report, *, by):
    """提出: every goal has a result and an achievement level; the ward's reviewers are told."""
    if not report.department.is_edited_by(by):
        raise WorkflowError("提出できるのは、この部署の入力担当だけです。")
    with transaction.atomic():
        sheet, locked = _lock(report.sheet_id, report.department_id)
        if reason := locked.results_locked_reason():
            raise WorkflowError(reason)
        goals = list(sheet.goals.filter(department_id=locked.department_id).order_by("order", "pk"))
        if not goals:
            raise WorkflowError("この部署には目標がないため、提出できません。")
        if missing := locked.incomplete_goals(goals):
            numbers = "、".join(g.number for g in missing)
            raise WorkflowError(f"実施結果または達成度が未入力の目標があります（番号：{numbers}）。")
        locked.return_reason = ""
        _set_status(locked, DepartmentReport.Status.SUBMITTED, by)
        transaction.on_commit(partial(notify_submitted, locked.pk), robust=True)
    return locked


def return_to_department(report, *, by, reason: str):
    """差戻し with a reason the department sees; its editors are told."""
    if not report.sheet.ward.is_reviewed_by(by):
        raise WorkflowError("差し戻せるのは、この区の取りまとめ担当だけです。")
    reason = reason.strip()
    if not reason:
        raise WorkflowError("差戻しの理由を入力してください。")
    with transaction.atomic():
        sheet, locked = _lock(report.sheet_id, report.department_id)
        if sheet.phase != Sheet.Phase.IN_PROGRESS:
            raise WorkflowError("実施中の段階でないため、差し戻せません。")
        if locked.status not in (DepartmentReport.Status.SUBMITTED, DepartmentReport.Status.CONFIRMED):
            raise WorkflowError("提出されていないため、差し戻せません。")
        locked.return_reason = reason
        _set_status(locked, DepartmentReport.Status.RETURNED, by, f"差戻し：{reason}")
        transaction.on_commit(partial(notify_returned, locked.pk), robust=True)
    return locked


def confirm(report, *, by):
    """確認: the reviewer accepts a submitted report."""
    if not report.sheet.ward.is_reviewed_by(by):
        raise WorkflowError("確認できるのは、この区の取りまとめ担当だけです。")
    with transaction.atomic():
        sheet, locked = _lock(report.sheet_id, report.department_id)
        if sheet.phase != Sheet.Phase.IN_PROGRESS:
            raise WorkflowError("実施中の段階でないため、確認できません。")
        if locked.status != DepartmentReport.Status.SUBMITTED:
            raise WorkflowError("提出されていないため、確認できません。")
        _set_status(locked, DepartmentReport.Status.CONFIRMED, by)
    return locked


# Goals: written in 計画, results in 実施中; each save is against the version the form started
# from (optimistic locking).


def add_goal(report, *, by, number, category, text):
    """A new goal at the end of the department's list (計画 only)."""
    if not report.department.is_edited_by(by):
        raise WorkflowError("目標を追加できるのは、この部署の入力担当だけです。")
    with transaction.atomic():
        sheet, locked = _lock(report.sheet_id, report.department_id)
        if reason := locked.goals_locked_reason():
            raise WorkflowError(reason)
        goals = sheet.goals.filter(department_id=locked.department_id)
        last = goals.aggregate(last=Max("order"))["last"] or 0
        goal = Goal(
            sheet=sheet,
            department_id=locked.department_id,
            number=number,
            order=last + 1,
            category=category,
            text=text,
            updated_by=by,
        )
        _mark_history(goal, by)
        _save_unique_number(goal)
    return goal


def _claim_version(goal_pk, expected_version: int):
    """The compare-and-set every write path of a goal shares: only the version the writer read may be
    replaced, and the write moves the version on, so whoever still holds the old one is refused."""
    claimed = Goal.objects.filter(pk=goal_pk, version=expected_version).update(version=F("version") + 1)
    if not claimed:
        current = Goal.objects.select_related("category", "achievement", "updated_by").filter(pk=goal_pk)
        raise StaleGoalError(current.first())


def versions_unchanged(expected: dict[int, int]) -> bool:
    """Lock the goals {pk: version read} and tell whether each still has that version (bulk writers,
    which then write version + 1: the same compare-and-set for many rows in one query)."""
    if not expected:
        return True
    locked = Goal.objects.select_for_update().filter(pk__in=expected).values_list("pk", "version")
    return dict(locked) == expected


def save_goal_as_admin(goal, *, by, expected_version: int):
    """The admin's change form (or a revert from its history): every field as the form set it, saved
    only over the version the form was opened on, like the department's pages."""
    with transaction.atomic():
        Sheet.objects.select_for_update().get(pk=goal.sheet_id)  # the lock order of every transition
        _claim_version(goal.pk, expected_version)
        goal.version = expected_version + 1
        goal.updated_by = by
        _mark_history(goal, by)
        goal.save()


def claim_imported_goal(goal, *, by):
    """A row of the admin's flat import, over the version read with the row; the library saves it next."""
    _claim_version(goal.pk, goal.version)
    goal.version += 1
    if by is not None:
        goal.updated_by = by


def version_past_stored_on_raw_save(sender, instance, raw=False, **kwargs):
    """loaddata (a fixture loaded again over goals people have changed) saves raw, with the fixture's
    version or the default 1: the stored row's version is moved on instead of back, so a form opened
    before the load is refused rather than accepted over it."""
    if raw and instance.pk is not None:
        stored = Goal.objects.filter(pk=instance.pk).values_list("version", flat=True).first()
        if stored is not None:
            instance.version = stored + 1


def _save_if_unchanged(goal, *, by, expected_version: int, values: dict, locked_reason):
    if not goal.department.is_edited_by(by):
        raise WorkflowError("目標を編集できるのは、この部署の入力担当だけです。")
    with transaction.atomic():
        _, report = _lock(goal.sheet_id, goal.department_id)
        if reason := locked_reason(report):
            raise WorkflowError(reason)
        _claim_version(goal.pk, expected_version)
        for name, value in values.items():
            setattr(goal, name, value)
        goal.version = expected_version + 1
        goal.updated_by = by
        _mark_history(goal, by)
        _save_unique_number(goal, update_fields=[*values, "version", "updated_by"])
        return report


def save_plan(goal, *, by, expected_version: int, number, category, text):
    """Change number, 区分 and text (計画 only)."""
    _save_if_unchanged(
        goal,
        by=by,
        expected_version=expected_version,
        values={"number": number, "category": category, "text": text},
        locked_reason=lambda report: report.goals_locked_reason(),
    )


def save_result(goal, *, by, expected_version: int, result, achievement):
    """A draft of 実施結果 and 達成度 (実施中 only); the report becomes 入力中."""
    report = _save_if_unchanged(
        goal,
        by=by,
        expected_version=expected_version,
        values={"result": result, "achievement": achievement},
        locked_reason=lambda report: report.results_locked_reason(),
    )
    if report.status == DepartmentReport.Status.NOT_STARTED:
        _set_status(report, DepartmentReport.Status.IN_PROGRESS, by)


def remove_goal(goal, *, by, expected_version: int):
    """Delete the goal (計画 only), unless someone changed it since the page was opened."""
    if not goal.department.is_edited_by(by):
        raise WorkflowError("目標を削除できるのは、この部署の入力担当だけです。")
    with transaction.atomic():
        _, report = _lock(goal.sheet_id, goal.department_id)
        if reason := report.goals_locked_reason():
            raise WorkflowError(reason)
        current = Goal.objects.select_for_update().filter(pk=goal.pk).first()
        if current is None:
            return
        if current.version != expected_version:
            raise StaleGoalError(current)
        _mark_history(current, by, "削除")
        current.delete()


def move_goal(goal, *, by, direction: str):
    """Swap with the neighbouring goal (計画 only); the display order is renumbered 1..n."""
    if not goal.department.is_edited_by(by):
        raise WorkflowError("並べ替えられるのは、この部署の入力担当だけです。")
    with transaction.atomic():
        sheet, report = _lock(goal.sheet_id, goal.department_id)
        if reason := report.goals_locked_reason():
            raise WorkflowError(reason)
        goals = list(
            sheet.goals.select_for_update().filter(department_id=report.department_id).order_by("order", "pk")
        )
        index = next(i for i, g in enumerate(goals) if g.pk == goal.pk)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(goals):
            return
        goals[index], goals[other] = goals[other], goals[index]
        for position, neighbour in enumerate(goals, 1):
            if neighbour.order != position:
                neighbour.order = position
                _mark_history(neighbour, by, "並べ替え")
                neighbour.save(update_fields=["order"])
