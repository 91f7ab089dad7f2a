"""The access log page: filters by date, user, kind and ward; CSV export of what is shown."""

import csv
import datetime
import io

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from goals import access

from .models import AccessEvent

PAGE = 200


class FilterForm(forms.Form):
    since = forms.DateField(label="開始日", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="終了日", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    user = forms.CharField(label="ユーザー名", required=False, max_length=150)
    kind = forms.ChoiceField(
        label="種類", required=False, choices=[("", "すべて"), *AccessEvent.Kind.choices]
    )
    ward = forms.ModelChoiceField(
        label="区", required=False, queryset=None, empty_label="すべて", to_field_name="name"
    )

    def __init__(self, *args, wards, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["ward"].queryset = wards
        for field in self.fields.values():
            field.error_messages["invalid"] = "日付は 2026-04-01 の形で入力してください。"
            field.error_messages["invalid_choice"] = "一覧から選んでください。"


def _filtered(events, data):
    tz = timezone.get_current_timezone()
    if data.get("since"):
        events = events.filter(at__gte=datetime.datetime.combine(data["since"], datetime.time(), tz))
    if data.get("until"):
        end = datetime.datetime.combine(data["until"] + datetime.timedelta(days=1), datetime.time(), tz)
        events = events.filter(at__lt=end)
    if data.get("user"):
        events = events.filter(username__icontains=data["user"])
    if data.get("kind"):
        events = events.filter(kind=data["kind"])
    if data.get("ward"):
        events = events.filter(ward=data["ward"])
    return events


@require_safe
def access_log(request):
    wards = access.access_log_wards(request.user)
    events = access.readable_access_events(request.user, wards)
    form = FilterForm(request.GET or None, wards=wards)
    if form.is_bound and form.is_valid():
        events = _filtered(events, form.cleaned_data)
    elif form.is_bound:
        events = events.none()
    if request.GET.get("format") == "csv":
        return _csv(request, events)
    return render(request, "audit/access_log.html", {"form": form, "events": events[:PAGE], "page": PAGE})


def _csv(request, events):
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["日時", "ユーザー名", "接続元アドレス", "種類", "内容", "結果", "区"])
    for event in events.iterator(chunk_size=2000):
        row = [
            timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S"),
            event.username,
            event.address or "",
            event.get_kind_display(),
            event.what,
            event.get_outcome_display(),
            event.ward.name if event.ward else "",
        ]
        writer.writerow([f"'{c}" if c and c[0] in "=+-@" else c for c in row])
    response = HttpResponse(
        ("\ufeff" + out.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    name = f"アクセス記録_{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return response
