"""A goal: its page with history, writing it (計画), its result (実施中), removing and ordering it."""

from dataclasses import dataclass

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from goals import access, workflow
from goals.forms import CommentForm, DeleteGoalForm, GoalForm, MoveGoalForm, ResolveForm, ResultForm
from goals.history import goal_history
from goals.middleware import keeps_post_across_login, pop_kept_post
from goals.models import DepartmentReport, Goal, GoalComment
from goals.workflow import StaleGoalError, WorkflowError

RESTORED = (
    "保存できなかったときに入力していた内容を復元しました。まだ保存されていません。確認して保存してください。"
)


def _back_to_department(report, goal=None):
    if report.pk is None:
        # The write just made the report of a department whose goals arrived without one.
        report = DepartmentReport.objects.get(sheet_id=report.sheet_id, department_id=report.department_id)
    url = reverse("goals:report", args=[report.pk])
    return redirect(f"{url}#goal-{goal.pk}" if goal is not None else url)


def _restored_initial(request, initial: dict) -> dict:
    kept = pop_kept_post(request)
    if kept is None:
        return initial
    messages.info(request, RESTORED)
    return {**initial, **{name: values[-1] for name, values in kept.items() if values}}


def _rebased(form_class, post, current, **kwargs):
    """The person's submitted values, now aimed at the stored version, to save if they choose to."""
    data = post.copy()
    data["version"] = str(current.version)
    form = form_class(data, **kwargs)
    form.is_valid()
    return form


@dataclass
class Thread:
    first: GoalComment
    replies: list


def _threads(goal) -> list[Thread]:
    """The goal's conversation, every comment in one query, grouped into threads in Python."""
    comments = GoalComment.objects.filter(goal=goal).select_related("author", "resolved_by")
    threads: dict[int, Thread] = {}
    for comment in comments.order_by("created_at", "pk"):
        if comment.parent_id is None:
            threads[comment.pk] = Thread(comment, [])
        elif comment.parent_id in threads:
            threads[comment.parent_id].replies.append(comment)
    return list(threads.values())


def goal_detail(request, pk, *, comment_form=None, status=200):
    """One goal with its conversation and full history (who, when, old → new), and what the person
    may do with it."""
    goal = access.goal_for_reader(request.user, pk)
    actions = access.goal_actions(request.user, goal)
    threads = _threads(goal)
    context = {
        "goal": goal,
        "sheet": goal.sheet,
        "report": actions.report if actions.report.pk else None,
        "can_plan": actions.can_plan,
        "can_result": actions.can_result,
        "threads": threads,
        "comments_locked": goal.sheet.locked_reason(),
        "comment_form": comment_form or CommentForm(),
        "history": goal_history(goal, comments=[c for t in threads for c in (t.first, *t.replies)]),
    }
    return render(request, "goals/goal_detail.html", context, status=status)


def _to_comments(goal):
    return redirect(reverse("goals:goal", args=[goal.pk]) + "#comments")


@require_POST
def goal_comment(request, pk):
    """A new thread or a reply on the goal's conversation."""
    goal = access.goal_for_commenter(request.user, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return goal_detail(request, pk, comment_form=form, status=400)
    parent_pk = form.cleaned_data["parent"]
    parent = GoalComment.objects.filter(goal=goal, pk=parent_pk).first() if parent_pk else None
    if parent_pk and parent is None:
        messages.error(request, "返信先のコメントが見つかりません。画面を開き直してください。")
        return _to_comments(goal)
    try:
        workflow.add_comment(goal, by=request.user, text=form.cleaned_data["text"], parent=parent)
    except WorkflowError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "返信しました。" if parent else "コメントを書きました。")
    return _to_comments(goal)


@require_POST
def comment_resolve(request, pk):
    comment = access.comment_for_commenter(request.user, pk)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "操作の指定が正しくありません。")
        return _to_comments(comment.goal)
    try:
        thread = workflow.set_resolved(comment, by=request.user, resolved=form.cleaned_data["resolved"])
    except WorkflowError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "解決にしました。" if thread.resolved_at else "未解決に戻しました。")
    return _to_comments(comment.goal)


@keeps_post_across_login(GoalForm, DepartmentReport)
def goal_new(request, pk):
    report = access.report_for_goal_editor(request.user, pk)
    initial = {}
    if request.method != "POST":
        initial = _restored_initial(request, initial)
    form = GoalForm(request.POST or None, report=report, initial=initial)
    if form.is_valid():
        try:
            goal = workflow.add_goal(
                report,
                by=request.user,
                number=form.cleaned_data["number"],
                category=form.cleaned_data["category"],
                text=form.cleaned_data["text"],
            )
        except WorkflowError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"目標 {goal.number} を追加しました。")
            return _back_to_department(report, goal)
    status = 400 if form.is_bound else 200
    return render(
        request,
        "goals/goal_form.html",
        {"form": form, "report": report, "sheet": report.sheet},
        status=status,
    )


@keeps_post_across_login(GoalForm, Goal)
def goal_edit(request, pk):
    goal, report = access.goal_for_plan_editor(request.user, pk)
    initial = {
        "number": goal.number,
        "category": goal.category_id,
        "text": goal.text,
        "version": goal.version,
    }
    if request.method != "POST":
        initial = _restored_initial(request, initial)
    form = GoalForm(request.POST or None, report=report, goal=goal, initial=initial)
    context = {"form": form, "report": report, "goal": goal, "sheet": report.sheet}
    if form.is_valid():
        data = form.cleaned_data
        try:
            workflow.save_plan(
                goal,
                by=request.user,
                expected_version=data["version"],
                number=data["number"],
                category=data["category"],
                text=data["text"],
            )
        except StaleGoalError as conflict:
            context["conflict"] = conflict
            context["form"] = _rebased(GoalForm, request.POST, conflict.current, report=report, goal=goal)
            return render(request, "goals/goal_form.html", context, status=409)
        except WorkflowError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"目標 {goal.number} を保存しました。")
            return _back_to_department(report, goal)
    return render(request, "goals/goal_form.html", context, status=400 if form.is_bound else 200)


def _next_goal(goal):
    return (
        goal.sheet.goals.filter(department_id=goal.department_id)
        .filter(order__gte=goal.order)
        .exclude(pk=goal.pk)
        .exclude(order=goal.order, pk__lt=goal.pk)
        .order_by("order", "pk")
        .first()
    )


@keeps_post_across_login(ResultForm, Goal)
def goal_result(request, pk):
    goal, report = access.goal_for_result_editor(request.user, pk)
    initial = {"result": goal.result, "achievement": goal.achievement_id, "version": goal.version}
    if request.method != "POST":
        initial = _restored_initial(request, initial)
    form = ResultForm(request.POST or None, initial=initial)
    following = _next_goal(goal)
    context = {"form": form, "report": report, "goal": goal, "sheet": report.sheet, "next_goal": following}
    if form.is_valid():
        data = form.cleaned_data
        try:
            saved = workflow.save_result(
                goal,
                by=request.user,
                expected_version=data["version"],
                result=data["result"],
                achievement=data["achievement"],
            )
        except StaleGoalError as conflict:
            context["conflict"] = conflict
            context["form"] = _rebased(ResultForm, request.POST, conflict.current)
            return render(request, "goals/goal_result_form.html", context, status=409)
        except WorkflowError as error:
            form.add_error(None, error.message)
        else:
            if saved:
                messages.success(request, f"目標 {goal.number} の実施結果を保存しました。")
            elif not data["result"] and data["achievement"] is None:
                messages.info(
                    request,
                    f"目標 {goal.number} は実施結果も達成度も入力されていないため、保存していません。",
                )
            else:
                messages.info(request, f"目標 {goal.number} は変更がないため、保存していません。")
            if "save_and_next" in request.POST and following is not None:
                return redirect("goals:goal_result", pk=following.pk)
            return _back_to_department(report, goal)
    return render(request, "goals/goal_result_form.html", context, status=400 if form.is_bound else 200)


def goal_delete(request, pk):
    """Asks first (GET), removes on POST, unless the goal changed since the question was shown."""
    goal, report = access.goal_for_plan_editor(request.user, pk)
    form = DeleteGoalForm(request.POST or None, initial={"version": goal.version})
    context = {"form": form, "goal": goal, "report": report, "sheet": report.sheet}
    if form.is_valid():
        try:
            workflow.remove_goal(goal, by=request.user, expected_version=form.cleaned_data["version"])
        except StaleGoalError:
            messages.error(
                request, "この目標は他の人が更新しました。内容を確認してから、もう一度削除してください。"
            )
            return redirect("goals:goal_delete", pk=goal.pk)
        except WorkflowError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"目標 {goal.number} を削除しました。")
        return _back_to_department(report)
    return render(request, "goals/goal_confirm_delete.html", context, status=400 if form.is_bound else 200)


@require_POST
def goal_move(request, pk):
    goal, report = access.goal_for_plan_editor(request.user, pk)
    form = MoveGoalForm(request.POST)
    if form.is_valid():
        try:
            workflow.move_goal(goal, by=request.user, direction=form.cleaned_data["direction"])
        except WorkflowError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, "並べ替えの指定が正しくありません。")
    return _back_to_department(report, goal)
