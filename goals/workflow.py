"""The year's transitions as named functions: advance, reopen, submit, return, confirm, saves.

They import the models and the mail, never the reverse: models keep state,
invariants and read-only checks (`report.results_locked_reason()`); a change
of state is `workflow.submit(report, by=user)`. Every transition runs in one
transaction and locks the sheet row first, then the report row: a department
saving a result and the reviewer locking the year cannot interleave, and the
fixed order avoids deadlocks. Each refusal raises WorkflowError with a
Japanese message.
"""

from dataclasses import dataclass, field
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from goals import access
from goals.mail.notifications import (
    notify_awaiting_approval,
    notify_comment,
    notify_returned,
    notify_submitted,
)
from goals.mail.reminders import NOT_SUBMITTED, remind_now
from goals.models import DepartmentReport, Goal, GoalComment, Sheet


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
        if locked.published_at is not None:
            # The public copy must never differ from what is stored: withdraw it first, with its reason.
            raise WorkflowError("公開中のため戻せません。先に公開を取り下げてください。")
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


# Publication: a 確定 sheet on the public pages (goals/views/public.py), and back off them.


def publish(sheet, *, by, reason: str):
    """公開: a 確定 sheet whose every department handed its results in; the reason is kept in the history."""
    if not access.may_publish(by, sheet):
        raise WorkflowError("公開できるのは、この区の取りまとめ担当（総務課）だけです。")
    reason = reason.strip()
    if not reason:
        raise WorkflowError("公開する理由を入力してください。")
    with transaction.atomic():
        locked = Sheet.objects.select_for_update().get(pk=sheet.pk)
        if locked.published_at is not None:
            raise WorkflowError("この取組シートは既に公開しています。")
        if locked.phase != Sheet.Phase.CLOSED:
            raise WorkflowError("公開できるのは、確定した取組シートだけです。")
        if names := access.departments_not_handed_in(locked):
            raise WorkflowError(
                f"実施結果を提出していない部署があるため公開できません（{'、'.join(names)}）。"
            )
        locked.published_at = timezone.now()
        _mark_history(locked, by, f"公開しました（理由：{reason}）")
        locked.save(update_fields=["published_at"])
    sheet.published_at = locked.published_at
    return locked


def unpublish(sheet, *, by, reason: str):
    """公開の取り下げ: off the public pages at once; the reason is kept in the history."""
    if not access.may_publish(by, sheet):
        raise WorkflowError("公開を取り下げられるのは、この区の取りまとめ担当（総務課）だけです。")
    reason = reason.strip()
    if not reason:
        raise WorkflowError("公開を取り下げる理由を入力してください。")
    with transaction.atomic():
        locked = Sheet.objects.select_for_update().get(pk=sheet.pk)
        if locked.published_at is None:
            raise WorkflowError("この取組シートは公開していません。")
        locked.published_at = None
        _mark_history(locked, by, f"公開を取り下げました（理由：{reason}）")
        locked.save(update_fields=["published_at"])
    sheet.published_at = None
    return locked


def set_results_deadline(sheet, *, by, deadline):
    if not sheet.ward.is_reviewed_by(by):
        raise WorkflowError("提出期限を設定できるのは、この区の取りまとめ担当だけです。")
    if problem := sheet.results_deadline_problem(deadline):
        raise WorkflowError(problem)
    _mark_history(sheet, by, "提出期限を変更しました")
    sheet.results_deadline = deadline
    sheet.save(update_fields=["results_deadline"])


# A department's report: 未入力 → 入力中 → (承認待ち →) 提出済み → (差戻し → 提出済み) → 確認済み.


STEP_FIELDS = ["submitted_at", "submitted_by", "approved_at", "approved_by", "confirmed_at", "confirmed_by"]


def _set_status(report, status, by, reason: str = "", step: str = ""):
    """The new status; `step` ("submitted", "approved", "confirmed") also records who took that step."""
    now = timezone.now()
    report.status = status
    report.status_changed_at = now
    report.status_changed_by = by
    if step:
        setattr(report, f"{step}_at", now)
        setattr(report, f"{step}_by", by)
    _mark_history(report, by, reason)
    report.save(
        update_fields=["status", "status_changed_at", "status_changed_by", "return_reason", *STEP_FIELDS]
    )


def submit(report, *, by):
    """提出: every goal has a result and an achievement level. A department with a 承認者 (課長)
    waits for their approval (承認待ち, the approvers are told); one without goes straight to
    提出済み and the ward's reviewers are told."""
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
        locked.return_goals.clear()
        # A new submission is approved and confirmed afresh.
        locked.approved_at = locked.approved_by = locked.confirmed_at = locked.confirmed_by = None
        if locked.department.has_approver():
            _set_status(locked, DepartmentReport.Status.AWAITING_APPROVAL, by, step="submitted")
            transaction.on_commit(partial(notify_awaiting_approval, locked.pk), robust=True)
        else:
            _set_status(locked, DepartmentReport.Status.SUBMITTED, by, step="submitted")
            transaction.on_commit(partial(notify_submitted, locked.pk), robust=True)
    return locked


def approve(report, *, by):
    """承認: the department's 承認者 passes a 承認待ち report on to 総務課 (提出済み); the reviewers are told."""
    if not report.department.is_approved_by(by):
        raise WorkflowError("承認できるのは、この部署の承認者（課長）だけです。")
    with transaction.atomic():
        sheet, locked = _lock(report.sheet_id, report.department_id)
        if reason := sheet.locked_reason():
            raise WorkflowError(reason)
        if locked.status != DepartmentReport.Status.AWAITING_APPROVAL:
            raise WorkflowError("承認待ちでないため、承認できません。")
        _set_status(locked, DepartmentReport.Status.SUBMITTED, by, "承認", step="approved")
        transaction.on_commit(partial(notify_submitted, locked.pk), robust=True)
    return locked


def _point_at(report, goals) -> str:
    """Store the goals a return is about (only the department's own on this sheet); the words for
    the history, so the choice is kept there too."""
    ids = [g.pk if isinstance(g, Goal) else g for g in goals or ()]
    chosen = list(
        Goal.objects.filter(
            sheet_id=report.sheet_id, department_id=report.department_id, pk__in=ids
        ).order_by("order", "pk")
    )
    report.return_goals.set(chosen)
    return f"（対象の目標：{'、'.join(g.number for g in chosen)}）" if chosen else ""


def send_back(report, *, by, reason: str, goals=()):
    """The 承認者 returns a 承認待ち report to the department's editors with a reason (差戻し),
    optionally pointing at the goals it is about."""
    if not report.department.is_approved_by(by):
        raise WorkflowError("承認者として差し戻せるのは、この部署の承認者（課長）だけです。")
    reason = reason.strip()
    if not reason:
        raise WorkflowError("差戻しの理由を入力してください。")
    with transaction.atomic():
        sheet, locked = _lock(report.sheet_id, report.department_id)
        if locked_reason := sheet.locked_reason():
            raise WorkflowError(locked_reason)
        if locked.status != DepartmentReport.Status.AWAITING_APPROVAL:
            raise WorkflowError("承認待ちでないため、差し戻せません。")
        locked.return_reason = reason
        about = _point_at(locked, goals)
        _set_status(locked, DepartmentReport.Status.RETURNED, by, f"承認者の差戻し：{reason}{about}")
        transaction.on_commit(partial(notify_returned, locked.pk), robust=True)
    return locked


def return_to_department(report, *, by, reason: str, goals=()):
    """差戻し with a reason the department sees, optionally pointing at the goals it is about (shown
    with the reason, in the mail and in the history); its editors are told."""
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
        locked.confirmed_at = locked.confirmed_by = None
        about = _point_at(locked, goals)
        _set_status(locked, DepartmentReport.Status.RETURNED, by, f"差戻し：{reason}{about}")
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
        _set_status(locked, DepartmentReport.Status.CONFIRMED, by, step="confirmed")
    return locked


# Several departments in one action from the board: each is done or refused on its own.


@dataclass
class Outcome:
    done: list = field(default_factory=list)  # reports
    refused: list = field(default_factory=list)  # (report, Japanese reason)


def _chosen(sheet, report_ids):
    return list(
        sheet.reports.filter(pk__in=report_ids)
        .select_related("sheet__ward", "department")
        .order_by("department__order", "department__name")
    )


def confirm_many(sheet, report_ids, *, by) -> Outcome:
    """確認 of every chosen report of the sheet, each in its own transaction."""
    if not sheet.ward.is_reviewed_by(by):
        raise WorkflowError("確認できるのは、この区の取りまとめ担当だけです。")
    outcome = Outcome()
    for report in _chosen(sheet, report_ids):
        try:
            confirm(report, by=by)
        except WorkflowError as error:
            outcome.refused.append((report, error.message))
        else:
            outcome.done.append(report)
    return outcome


def remind_many(sheet, report_ids, *, by, force: bool = False, today=None) -> Outcome:
    """催促: mail the editors of every chosen department that has not submitted, now; once a day
    per department (the daily run included) unless `force`."""
    if not sheet.ward.is_reviewed_by(by):
        raise WorkflowError("催促できるのは、この区の取りまとめ担当だけです。")
    today = today or timezone.localdate()
    outcome = Outcome()
    for report in _chosen(sheet, report_ids):
        if sheet.phase != Sheet.Phase.IN_PROGRESS:
            outcome.refused.append((report, "実施中の段階でないため、催促できません。"))
        elif report.status not in NOT_SUBMITTED:
            why = (
                "承認者の承認待ち"
                if report.status == DepartmentReport.Status.AWAITING_APPROVAL
                else "提出済み"
            )
            outcome.refused.append((report, f"{why}のため、催促しません（{report.get_status_display()}）。"))
        else:
            try:
                remind_now(report, by=by, today=today, force=force)
            except IntegrityError:
                outcome.refused.append(
                    (
                        report,
                        "本日は既に催促しています。もう一度送る場合は「本日送信済みでも送る」を選んでください。",
                    )
                )
            else:
                outcome.done.append(report)
    return outcome


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


def result_unchanged(goal, *, expected_version: int, result, achievement) -> bool:
    """The form repeats what is stored (an empty form on an empty goal, most often): nothing to save.

    Only against the version the form was opened on: a form from an older version goes on to the
    conflict check, so the person sees what someone else saved.
    """
    achievement_id = achievement.pk if achievement is not None else None
    return (
        goal.version == expected_version and goal.result == result and goal.achievement_id == achievement_id
    )


def save_result(goal, *, by, expected_version: int, result, achievement) -> bool:
    """実施結果 and 達成度 (実施中 only); the report becomes 入力中. False when nothing changed:
    then nothing is written (no version, no history, no status), so the board shows no false progress."""
    if result_unchanged(goal, expected_version=expected_version, result=result, achievement=achievement):
        # Still refused for a person or a moment that may not write, like a real save.
        if not goal.department.is_edited_by(by):
            raise WorkflowError("目標を編集できるのは、この部署の入力担当だけです。")
        report = DepartmentReport.objects.filter(sheet_id=goal.sheet_id, department_id=goal.department_id)
        report = report.first() or DepartmentReport(sheet_id=goal.sheet_id, department_id=goal.department_id)
        if reason := report.results_locked_reason():
            raise WorkflowError(reason)
        return False
    report = _save_if_unchanged(
        goal,
        by=by,
        expected_version=expected_version,
        values={"result": result, "achievement": achievement},
        locked_reason=lambda report: report.results_locked_reason(),
    )
    if report.status == DepartmentReport.Status.NOT_STARTED:
        _set_status(report, DepartmentReport.Status.IN_PROGRESS, by)
    return True


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


# Conversations on a goal between 総務課 and the department; never on the official sheet.


def add_comment(goal, *, by, text: str, parent=None):
    """A new thread on the goal, or a reply to one (a reply to a reply joins the same thread)."""
    if not access.may_comment(by, goal):
        raise WorkflowError(access.NOT_A_COMMENTER)
    text = text.strip()
    if not text:
        raise WorkflowError("コメントを入力してください。")
    if reason := goal.sheet.locked_reason():
        raise WorkflowError(reason)
    if parent is not None:
        if parent.goal_id != goal.pk:
            raise WorkflowError("返信先のコメントが見つかりません。画面を開き直してください。")
        parent = parent.parent or parent
    with transaction.atomic():
        comment = GoalComment.objects.create(goal=goal, parent=parent, author=by, text=text)
        transaction.on_commit(partial(notify_comment, comment.pk), robust=True)
    return comment


def set_resolved(thread, *, by, resolved: bool):
    """Mark a thread settled (解決) or open it again; anyone in the conversation may."""
    goal = thread.goal
    if not access.may_comment(by, goal):
        raise WorkflowError("解決にできるのは、この部署の職員と区の取りまとめ担当だけです。")
    if reason := goal.sheet.locked_reason():
        raise WorkflowError(reason)
    thread = thread.parent or thread
    thread.resolved_at = timezone.now() if resolved else None
    thread.resolved_by = by if resolved else None
    thread.save(update_fields=["resolved_at", "resolved_by"])
    return thread
