"""A ward's staff roster: upload → preview (writes nothing) → commit (one transaction); export."""

import datetime

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from goals import access

from .forms import RosterUploadForm
from .staff import store
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
