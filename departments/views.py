"""A ward's staff roster: upload → preview (writes nothing) → commit (one transaction); export."""

import datetime

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from goals import access

from .forms import AddMembershipForm, EndMembershipForm, MoveMembershipForm, RosterUploadForm
from .models import Membership
from .staff import manage, store
from .staff.export import roster_csv, roster_rows, roster_xlsx
from .staff.plan import RosterRefused, build_plan, commit_plan
from .staff.reader import RosterRejected, read_roster


@require_http_methods(["GET", "POST"])
def roster(request, ward):
    ward = access.ward_for_staff_manager(request.user, ward)
    form = RosterUploadForm(
        request.POST or None,
        request.FILES or None,
        too_large=bool(getattr(request, "upload_too_large", False)),
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        token = store.save(
            request,
            upload.read(),
            ward=ward.name,
            effective=form.cleaned_data["effective"].isoformat(),
            filename=upload.name,
        )
        return redirect("staff:roster_preview", ward=ward.name, token=token)
    return render(request, "departments/roster_upload.html", {"ward": ward, "form": form})


def _upload(request, ward, token):
    try:
        record, data = store.load(request, token)
    except LookupError:
        raise Http404("この読み込みはありません。") from None
    if record["ward"] != ward.name:
        raise Http404("この読み込みはありません。")
    return record, data


@require_safe
def roster_preview(request, ward, token):
    ward = access.ward_for_staff_manager(request.user, ward)
    try:
        record, data = _upload(request, ward, token)
    except store.RosterGone as gone:
        messages.error(request, str(gone))
        return redirect("staff:roster", ward=ward.name)
    context = {"ward": ward, "token": token, "record": record}
    try:
        parsed = read_roster(data)
    except RosterRejected as rejected:
        context["rejected"] = str(rejected)
        return render(request, "departments/roster_preview.html", context)
    effective = datetime.date.fromisoformat(record["effective"])
    plan = build_plan(parsed, ward, effective, by=request.user)
    store.remember_fingerprint(request, token, plan.fingerprint())
    context["plan"] = plan
    return render(request, "departments/roster_preview.html", context)


@require_POST
def roster_commit(request, ward, token):
    ward = access.ward_for_staff_manager(request.user, ward)
    try:
        record, data = _upload(request, ward, token)
    except store.RosterGone as gone:
        messages.error(request, str(gone))
        return redirect("staff:roster", ward=ward.name)
    if not record.get("fingerprint"):
        messages.error(request, "確認画面を開いてから読み込んでください。")
        return redirect("staff:roster_preview", ward=ward.name, token=token)
    try:
        plan = commit_plan(
            read_roster(data),
            ward,
            datetime.date.fromisoformat(record["effective"]),
            by=request.user,
            fingerprint=record["fingerprint"],
        )
    except (RosterRejected, RosterRefused) as refused:
        request.access_outcome = "refused"
        messages.error(request, str(refused))
        return redirect("staff:roster_preview", ward=ward.name, token=token)
    store.discard(request, token)
    messages.success(
        request,
        f"職員名簿を読み込みました（新しい職員 {len(plan.new_people)}人、新しい所属 {len(plan.new_memberships)}件、"
        f"終了 {len(plan.moves) + len(plan.leavers)}件）。",
    )
    return redirect("staff:roster", ward=ward.name)


@require_POST
def roster_cancel(request, ward, token):
    ward = access.ward_for_staff_manager(request.user, ward)
    try:
        _upload(request, ward, token)
    except store.RosterGone:
        pass
    store.discard(request, token)
    messages.info(request, "読み込みを取りやめました。何も書き込んでいません。")
    return redirect("staff:roster", ward=ward.name)


@require_safe
def roster_export(request, ward, fmt):
    ward = access.ward_for_staff_manager(request.user, ward)
    if fmt not in ("csv", "xlsx"):
        raise Http404("この形式では書き出せません。")
    today = timezone.localdate()
    rows = roster_rows(ward, today)
    if fmt == "xlsx":
        body = roster_xlsx(rows)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = roster_csv(rows)
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    filename = f"職員名簿_{ward.name}_{today.isoformat()}.{fmt}"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


# --- One person at a time: the staff page -------------------------------------------------


@require_safe
def staff(request, ward):
    """The ward's people: memberships valid today or later, then the ended ones (kept as history)."""
    ward = access.ward_for_staff_manager(request.user, ward)
    today = timezone.localdate()
    memberships = (
        Membership.objects.filter(department__ward=ward)
        .select_related("user", "department")
        .order_by("department__order", "department__name", "user__username", "valid_from")
    )
    current = [m for m in memberships if m.valid_until is None or m.valid_until >= today]
    ended = [m for m in memberships if m.valid_until is not None and m.valid_until < today]
    return render(
        request,
        "departments/staff.html",
        {
            "ward": ward,
            "today": today,
            "current": current,
            "ended": ended[-200:],
            "departments": ward.departments.active(),
            "add_form": AddMembershipForm(ward=ward),
            "end_form": EndMembershipForm(),
            "move_form": MoveMembershipForm(ward=ward),
        },
    )


def _refused(request, ward, message):
    request.access_outcome = "refused"
    messages.error(request, message)
    return redirect("staff:staff", ward=ward.name)


def _form_message(form) -> str:
    return " ".join(
        f"{form.fields[f].label if f in form.fields else ''}：{e}"
        for f, es in form.errors.items()
        for e in es
    )


@require_POST
def membership_add(request, ward):
    ward = access.ward_for_staff_manager(request.user, ward)
    form = AddMembershipForm(request.POST, ward=ward)
    if not form.is_valid():
        return _refused(request, ward, "追加できませんでした。" + _form_message(form))
    try:
        membership = manage.add_membership(**form.cleaned_data)
    except manage.ChangeRefused as refused:
        return _refused(request, ward, f"追加できませんでした。{refused}")
    messages.success(request, f"{membership.user}を{membership.department}に追加しました。")
    return redirect("staff:staff", ward=ward.name)


@require_POST
def membership_end(request, ward, pk):
    ward, membership = access.membership_for_staff_manager(request.user, ward, pk)
    form = EndMembershipForm(request.POST)
    if not form.is_valid():
        return _refused(request, ward, "終了できませんでした。" + _form_message(form))
    try:
        manage.end_membership(membership, form.cleaned_data["valid_until"])
    except manage.ChangeRefused as refused:
        return _refused(request, ward, f"終了できませんでした。{refused}")
    messages.success(request, f"{membership.user}の{membership.department}の所属を終了日つきにしました。")
    return redirect("staff:staff", ward=ward.name)


@require_POST
def membership_move(request, ward, pk):
    ward, membership = access.membership_for_staff_manager(request.user, ward, pk)
    form = MoveMembershipForm(request.POST, ward=ward)
    if not form.is_valid():
        return _refused(request, ward, "異動できませんでした。" + _form_message(form))
    try:
        new = manage.move_membership(
            membership, form.cleaned_data["department"], form.cleaned_data["valid_from"]
        )
    except manage.ChangeRefused as refused:
        return _refused(request, ward, f"異動できませんでした。{refused}")
    messages.success(
        request, f"{new.user}の異動（{membership.department} → {new.department}）を登録しました。"
    )
    return redirect("staff:staff", ward=ward.name)


@require_POST
def setup_mail(request, ward, pk):
    ward, person = access.person_for_staff_manager(request.user, ward, pk)
    try:
        address = manage.send_setup_mail(person)
    except manage.ChangeRefused as refused:
        return _refused(request, ward, str(refused))
    messages.success(request, f"{person}にサインインの設定メールを送りました（{address}）。")
    return redirect("staff:staff", ward=ward.name)
