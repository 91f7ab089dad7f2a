"""The year's workflow: who may change what in which phase, and the transitions.

Mixed into the models (Sheet, DepartmentReport, Goal) so the rules read as
`report.submit(by=user)`. Every transition runs in one transaction and locks
the sheet row first, then the report row: a department saving a result and
the reviewer locking the year cannot interleave, and the fixed order avoids
deadlocks. Each refusal raises WorkflowError with a Japanese message.
"""

from functools import cached_property, partial

from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone


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
    from goals.models import DepartmentReport, Sheet

    # of=("self",): lock the sheet row, not the ward row joined for the messages.
    sheet = Sheet.objects.select_for_update(of=("self",)).select_related("ward").get(pk=sheet_id)
    report, _ = DepartmentReport.objects.select_for_update().get_or_create(
        sheet=sheet, department_id=department_id
    )
    report.sheet = sheet
    return sheet, report


class SheetWorkflow:
    """Phases of a sheet: 計画 → 実施中 → 確定, and back one step with a reason."""

    @cached_property
    def is_past_year(self) -> bool:
        """A later year of the ward has begun its results (or two later years exist): read-only.

        Not simply "a later sheet exists": next year's sheet is written (計画)
        while this year's results are still being entered.
        """
        return (
            type(self)
            .objects.filter(ward_id=self.ward_id, fiscal_year__gt=self.fiscal_year)
            .filter(~Q(phase=self.Phase.PLANNING) | Q(fiscal_year__gt=self.fiscal_year + 1))
            .exists()
        )

    def locked_reason(self) -> str | None:
        """Why nothing on this sheet can be edited, or None."""
        if self.phase == self.Phase.CLOSED:
            return f"{self.fiscal_year_label}の取組シートは確定済みのため、閲覧のみです。"
        if self.is_past_year:
            return f"{self.fiscal_year_label}は過去の年度のため、閲覧のみです。"
        return None

    def advance(self, *, by, override_reason: str = ""):
        """計画 → 実施中, or 実施中 → 確定 (every department confirmed, or an override with a reason)."""
        if not self.ward.is_reviewed_by(by):
            raise WorkflowError("段階を進められるのは、この区の取りまとめ担当だけです。")
        with transaction.atomic():
            sheet = type(self).objects.select_for_update().get(pk=self.pk)
            override_reason = override_reason.strip()
            if sheet.phase == self.Phase.PLANNING:
                sheet.phase = self.Phase.IN_PROGRESS
                reason = "実施中に進めました"
            elif sheet.phase == self.Phase.IN_PROGRESS:
                pending = sheet.reports.exclude(status=sheet.reports.model.Status.CONFIRMED)
                names = [r.department.name for r in pending.select_related("department")]
                if names and not override_reason:
                    raise WorkflowError(
                        f"確認済みでない部署があります（{'、'.join(names)}）。"
                        "このまま確定する場合は、理由を入力してください。"
                    )
                sheet.phase = self.Phase.CLOSED
                reason = "確定しました"
                if names:
                    reason += f"（未確認の部署：{'、'.join(names)}。理由：{override_reason}）"
            else:
                raise WorkflowError("この取組シートは既に確定しています。")
            _mark_history(sheet, by, reason)
            sheet.save(update_fields=["phase"])
        self.phase = sheet.phase
        return sheet

    def reopen(self, *, by, reason: str):
        """Step back one phase (確定 → 実施中, 実施中 → 計画); the reason is kept in the history."""
        if not self.ward.is_reviewed_by(by):
            raise WorkflowError("段階を戻せるのは、この区の取りまとめ担当だけです。")
        reason = reason.strip()
        if not reason:
            raise WorkflowError("段階を戻す理由を入力してください。")
        with transaction.atomic():
            sheet = type(self).objects.select_for_update().get(pk=self.pk)
            if sheet.phase == self.Phase.CLOSED:
                sheet.phase = self.Phase.IN_PROGRESS
            elif sheet.phase == self.Phase.IN_PROGRESS:
                sheet.phase = self.Phase.PLANNING
            else:
                raise WorkflowError("計画の段階より前には戻せません。")
            _mark_history(sheet, by, f"{sheet.get_phase_display()}に戻しました（理由：{reason}）")
            sheet.save(update_fields=["phase"])
        self.phase = sheet.phase
        return sheet

    def set_results_deadline(self, *, by, deadline):
        if not self.ward.is_reviewed_by(by):
            raise WorkflowError("提出期限を設定できるのは、この区の取りまとめ担当だけです。")
        _mark_history(self, by, "提出期限を変更しました")
        self.results_deadline = deadline
        self.save(update_fields=["results_deadline"])


class ReportWorkflow:
    """A department's report: 未入力 → 入力中 → 提出済 → (差戻し → 提出済) → 確認済."""

    def _status_reason(self) -> str | None:
        if self.status == self.Status.SUBMITTED:
            return "提出済みのため編集できません。取りまとめ担当が差し戻すと、再び編集できます。"
        if self.status == self.Status.CONFIRMED:
            return "取りまとめ担当が確認済みのため編集できません。"
        return None

    def goals_locked_reason(self) -> str | None:
        """Why the department cannot write, add, remove or reorder its goals now, or None."""
        sheet = self.sheet
        if reason := sheet.locked_reason():
            return reason
        if sheet.phase != sheet.Phase.PLANNING:
            return (
                "実施中の段階では、目標の内容は変更できません（実施結果と達成度は入力できます）。"
                "変更が必要な場合は総務課にご相談ください。"
            )
        return self._status_reason()

    def results_locked_reason(self) -> str | None:
        """Why the department cannot enter results now, or None."""
        sheet = self.sheet
        if reason := sheet.locked_reason():
            return reason
        if sheet.phase != sheet.Phase.IN_PROGRESS:
            return "計画の段階では実施結果は入力できません。実施中の段階になると入力できます。"
        return self._status_reason()

    def incomplete_goals(self, goals) -> list:
        return [g for g in goals if not g.result.strip() or g.achievement_id is None]

    def _set_status(self, status, by, reason: str = ""):
        self.status = status
        self.status_changed_at = timezone.now()
        self.status_changed_by = by
        _mark_history(self, by, reason)
        self.save(update_fields=["status", "status_changed_at", "status_changed_by", "return_reason"])

    def submit(self, *, by):
        """提出: every goal has a result and an achievement level; the ward's reviewers are told."""
        from goals.mail.notifications import notify_submitted

        if not self.department.is_edited_by(by):
            raise WorkflowError("提出できるのは、この部署の入力担当だけです。")
        with transaction.atomic():
            sheet, report = _lock(self.sheet_id, self.department_id)
            if reason := report.results_locked_reason():
                raise WorkflowError(reason)
            goals = list(sheet.goals.filter(department_id=report.department_id).order_by("order", "pk"))
            if not goals:
                raise WorkflowError("この部署には目標がないため、提出できません。")
            if missing := report.incomplete_goals(goals):
                numbers = "、".join(g.number for g in missing)
                raise WorkflowError(f"実施結果または達成度が未入力の目標があります（番号：{numbers}）。")
            report.return_reason = ""
            report._set_status(self.Status.SUBMITTED, by)
            transaction.on_commit(partial(notify_submitted, report.pk), robust=True)
        return report

    def return_to_department(self, *, by, reason: str):
        """差戻し with a reason the department sees; its editors are told."""
        from goals.mail.notifications import notify_returned

        if not self.sheet.ward.is_reviewed_by(by):
            raise WorkflowError("差し戻せるのは、この区の取りまとめ担当だけです。")
        reason = reason.strip()
        if not reason:
            raise WorkflowError("差戻しの理由を入力してください。")
        with transaction.atomic():
            sheet, report = _lock(self.sheet_id, self.department_id)
            if sheet.phase != sheet.Phase.IN_PROGRESS:
                raise WorkflowError("実施中の段階でないため、差し戻せません。")
            if report.status not in (self.Status.SUBMITTED, self.Status.CONFIRMED):
                raise WorkflowError("提出されていないため、差し戻せません。")
            report.return_reason = reason
            report._set_status(self.Status.RETURNED, by, f"差戻し：{reason}")
            transaction.on_commit(partial(notify_returned, report.pk), robust=True)
        return report

    def confirm(self, *, by):
        """確認: the reviewer accepts a submitted report."""
        if not self.sheet.ward.is_reviewed_by(by):
            raise WorkflowError("確認できるのは、この区の取りまとめ担当だけです。")
        with transaction.atomic():
            sheet, report = _lock(self.sheet_id, self.department_id)
            if sheet.phase != sheet.Phase.IN_PROGRESS:
                raise WorkflowError("実施中の段階でないため、確認できません。")
            if report.status != self.Status.SUBMITTED:
                raise WorkflowError("提出されていないため、確認できません。")
            report._set_status(self.Status.CONFIRMED, by)
        return report

    def add_goal(self, *, by, number, category, text):
        """A new goal at the end of the department's list (計画 only)."""
        if not self.department.is_edited_by(by):
            raise WorkflowError("目標を追加できるのは、この部署の入力担当だけです。")
        with transaction.atomic():
            sheet, report = _lock(self.sheet_id, self.department_id)
            if reason := report.goals_locked_reason():
                raise WorkflowError(reason)
            goals = sheet.goals.filter(department_id=report.department_id)
            last = goals.aggregate(last=Max("order"))["last"] or 0
            goal = goals.model(
                sheet=sheet,
                department_id=report.department_id,
                number=number,
                order=last + 1,
                category=category,
                text=text,
                updated_by=by,
            )
            _mark_history(goal, by)
            _save_unique_number(goal)
        return goal


class GoalEditing:
    """Saving a goal against the version the form started from (optimistic locking)."""

    PLAN_FIELDS = ("number", "category", "text")
    RESULT_FIELDS = ("result", "achievement")

    def _save_if_unchanged(self, *, by, expected_version: int, values: dict, locked_reason):
        if not self.department.is_edited_by(by):
            raise WorkflowError("目標を編集できるのは、この部署の入力担当だけです。")
        model = type(self)
        with transaction.atomic():
            _, report = _lock(self.sheet_id, self.department_id)
            if reason := locked_reason(report):
                raise WorkflowError(reason)
            # The compare-and-set: only the version the form was opened on may be replaced.
            claimed = model.objects.filter(pk=self.pk, version=expected_version).update(
                version=F("version") + 1
            )
            if not claimed:
                current = model.objects.select_related("category", "achievement", "updated_by").filter(
                    pk=self.pk
                )
                raise StaleGoalError(current.first())
            for name, value in values.items():
                setattr(self, name, value)
            self.version = expected_version + 1
            self.updated_by = by
            _mark_history(self, by)
            _save_unique_number(self, update_fields=[*values, "version", "updated_by"])
            return report

    def save_plan(self, *, by, expected_version: int, number, category, text):
        """Change number, 区分 and text (計画 only)."""
        self._save_if_unchanged(
            by=by,
            expected_version=expected_version,
            values={"number": number, "category": category, "text": text},
            locked_reason=lambda report: report.goals_locked_reason(),
        )

    def save_result(self, *, by, expected_version: int, result, achievement):
        """A draft of 実施結果 and 達成度 (実施中 only); the report becomes 入力中."""
        report = self._save_if_unchanged(
            by=by,
            expected_version=expected_version,
            values={"result": result, "achievement": achievement},
            locked_reason=lambda report: report.results_locked_reason(),
        )
        if report.status == report.Status.NOT_STARTED:
            report._set_status(report.Status.IN_PROGRESS, by)

    def remove(self, *, by, expected_version: int):
        """Delete the goal (計画 only), unless someone changed it since the page was opened."""
        if not self.department.is_edited_by(by):
            raise WorkflowError("目標を削除できるのは、この部署の入力担当だけです。")
        model = type(self)
        with transaction.atomic():
            _, report = _lock(self.sheet_id, self.department_id)
            if reason := report.goals_locked_reason():
                raise WorkflowError(reason)
            current = model.objects.select_for_update().filter(pk=self.pk).first()
            if current is None:
                return
            if current.version != expected_version:
                raise StaleGoalError(current)
            _mark_history(current, by, "削除")
            current.delete()

    def move(self, *, by, direction: str):
        """Swap with the neighbouring goal (計画 only); the display order is renumbered 1..n."""
        if not self.department.is_edited_by(by):
            raise WorkflowError("並べ替えられるのは、この部署の入力担当だけです。")
        with transaction.atomic():
            sheet, report = _lock(self.sheet_id, self.department_id)
            if reason := report.goals_locked_reason():
                raise WorkflowError(reason)
            goals = list(
                sheet.goals.select_for_update()
                .filter(department_id=report.department_id)
                .order_by("order", "pk")
            )
            index = next(i for i, g in enumerate(goals) if g.pk == self.pk)
            other = index - 1 if direction == "up" else index + 1
            if not 0 <= other < len(goals):
                return
            goals[index], goals[other] = goals[other], goals[index]
            for position, goal in enumerate(goals, 1):
                if goal.order != position:
                    goal.order = position
                    _mark_history(goal, by, "並べ替え")
                    goal.save(update_fields=["order"])
