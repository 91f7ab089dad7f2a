"""公開 and 公開の取り下げ of a ward's sheet (取りまとめ); the public pages are goals/views/public.py."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from goals import access, workflow
from goals.forms import Form, PlainTextField
from goals.history import sheet_history
from goals.models import RESULT_TEXT_MAX
from goals.workflow import WorkflowError


class PublicationForm(Form):
    reason = PlainTextField(
        label="理由",
        max_length=RESULT_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="履歴に記録されます（公開のページには出ません）。",
        error_messages={"required": "理由を入力してください。"},
    )


def _render(request, sheet, form=None, status=200):
    context = {
        "sheet": sheet,
        "form": form or PublicationForm(),
        "not_handed_in": access.departments_not_handed_in(sheet),
        "public_url": reverse("goals:public_sheet", args=[sheet.ward.name, sheet.fiscal_year])
        if sheet.published_at
        else "",
        "history": sheet_history(sheet),
    }
    return render(request, "goals/publication.html", context, status=status)


def publication(request, ward, year):
    """The sheet's publication state, with the form to publish or withdraw it (the ward's reviewers)."""
    return _render(request, access.sheet_for_reviewer(request.user, ward, year))


def _act(request, ward, year, act, done):
    sheet = access.sheet_for_reviewer(request.user, ward, year)
    form = PublicationForm(request.POST)
    if form.is_valid():
        try:
            act(sheet, by=request.user, reason=form.cleaned_data["reason"])
        except WorkflowError as error:
            form.add_error("reason", error.message)
        else:
            messages.success(request, done.format(title=sheet.title))
            return redirect("goals:publication", ward=sheet.ward.name, year=sheet.fiscal_year)
    return _render(request, sheet, form, status=400)


@require_POST
def publish(request, ward, year):
    return _act(request, ward, year, workflow.publish, "{title}を公開しました。")


@require_POST
def unpublish(request, ward, year):
    return _act(request, ward, year, workflow.unpublish, "{title}の公開を取り下げました。")
