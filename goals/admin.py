from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.defaultfilters import truncatechars
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin as _SimpleHistoryAdmin

from goals import workflow
from goals.admin_io.formats import FlatImportExportAdmin
from goals.admin_io.resources import GoalResource
from goals.lib.wareki import datetime_label
from goals.models import (
    AchievementLevel,
    Category,
    DepartmentReport,
    DigestItem,
    Goal,
    MailSetting,
    ReminderLog,
    ServicePolicy,
    Sheet,
)


# django-simple-history's URL pattern takes any text as the version id, and its lookup then fails with
# a ValueError (500) on /admin/goals/goal/1/history/abc/: such ids answer 404 instead.
class SimpleHistoryAdmin(_SimpleHistoryAdmin):
    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not str(version_id).isdecimal():
            raise Http404("この変更履歴はありません。")
        try:
            self.model._meta.pk.to_python(object_id)
        except (ValidationError, ValueError, TypeError):
            raise Http404("この変更履歴はありません。") from None
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "order"]
    list_editable = ["order"]
    search_fields = ["name"]


@admin.register(AchievementLevel)
class AchievementLevelAdmin(admin.ModelAdmin):
    list_display = ["number", "label"]
    search_fields = ["label"]


class ServicePolicyInline(admin.TabularInline):
    model = ServicePolicy
    extra = 0


@admin.register(Sheet)
class SheetAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "ward", "fiscal_year", "phase", "results_deadline"]
    list_select_related = ["ward"]
    list_filter = ["ward", "fiscal_year", "phase"]
    search_fields = ["ward__name"]
    inlines = [ServicePolicyInline]


@admin.register(ServicePolicy)
class ServicePolicyAdmin(admin.ModelAdmin):
    list_display = ["marker", "short_text", "sheet"]
    list_select_related = ["sheet__ward"]
    list_filter = ["sheet__ward", "sheet__fiscal_year"]
    search_fields = ["text"]

    @admin.display(description="方針")
    def short_text(self, policy):
        return truncatechars(policy.text, 60)


# What the change form can change, in the order a conflict message names them.
COMPARED_FIELDS = (
    "sheet",
    "department",
    "number",
    "order",
    "category",
    "text",
    "result",
    "achievement",
    "carried_from",
)


def conflict_message(current: Goal | None, read_version: int, typed: dict | None = None) -> str:
    """Who changed the goal since the form was opened, when, and which fields.

    The fields come from the history row of the version the form was opened on; a goal loaded without
    history (the seed fixtures) names instead the fields where the stored text differs from the form.
    """
    if current is None:
        return "この目標は、画面を開いた後に削除されました。何も保存していません。"
    read = current.history.filter(version=read_version).order_by("-history_date", "-history_id").first()
    fields = [Goal._meta.get_field(name) for name in COMPARED_FIELDS]
    if read is not None:
        changed = [f for f in fields if getattr(read, f.attname) != getattr(current, f.attname)]
        heading = "変更された項目"
    else:
        typed = typed or {}
        changed = [f for f in fields if f.name in typed and typed[f.name] != getattr(current, f.name)]
        heading = "保存されている内容とこの画面の入力が異なる項目"
    names = "、".join(str(f.verbose_name) for f in changed) or "なし（表示順などの整理）"
    user = current.updated_by
    who = f"{user.get_full_name() or user.get_username()}さん" if user else "他の人"
    when = datetime_label(current.updated_at, timezone.get_current_timezone())
    return (
        f"この目標は、画面を開いた後に{who}が更新しました（{when}、{heading}：{names}）。"
        "何も保存していません。画面を開き直して保存されている内容を確かめてから、もう一度入力してください。"
    )


class ChecksValueAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete widget looks the posted value up to redraw the form: a value that is no id
    (「:」, a 20-digit number) raised there, a 500 instead of the form's own 「正しく選択してください」."""

    def optgroups(self, name, value, attr=None):
        ids = [v for v in value if str(v).isdigit() and int(v) < 2**63]
        return super().optgroups(name, ids, attr)


class GoalAdminForm(forms.ModelForm):
    """The change form carries the version it was opened on: saving over a newer one is refused."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    class Meta:
        model = Goal
        fields = COMPARED_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].required = True
            self.fields["expected_version"].error_messages["required"] = "画面を開き直してください。"
            # The stored version, also when the instance is an old one from the history (a revert).
            stored = Goal.objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()
            self.initial["expected_version"] = stored

    def clean(self):
        cleaned = super().clean()
        expected = cleaned.get("expected_version")
        if self.instance.pk and expected is not None:
            current = Goal.objects.select_related("updated_by").filter(pk=self.instance.pk).first()
            if current is None or current.version != expected:
                raise forms.ValidationError(conflict_message(current, expected, cleaned), code="stale")
        return cleaned


@admin.register(Goal)
class GoalAdmin(FlatImportExportAdmin, SimpleHistoryAdmin):
    form = GoalAdminForm
    resource_classes = [GoalResource]
    list_display = ["department", "number", "category", "short_text", "achievement", "sheet"]
    list_display_links = ["department", "number"]
    list_select_related = ["department", "category", "achievement", "sheet__ward"]
    list_filter = ["sheet__ward", "sheet__fiscal_year", "department", "category", "achievement"]
    search_fields = ["text", "result", "number", "department__name"]
    autocomplete_fields = ["department", "carried_from"]
    readonly_fields = ["version", "updated_at", "updated_by"]

    @admin.display(description="目標及び具体的な取組内容")
    def short_text(self, goal):
        return truncatechars(goal.text, 60)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = ChecksValueAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.updated_by = request.user
            return super().save_model(request, obj, form, change)
        workflow.save_goal_as_admin(
            obj, by=request.user, expected_version=form.cleaned_data["expected_version"]
        )

    def _refused_if_stale(self, view, request, *args, **kwargs):
        # The form's check covers a save made before this one was posted; a save landing between that
        # check and this write is caught by the compare-and-set itself and ends here, nothing written.
        try:
            return view(request, *args, **kwargs)
        except workflow.StaleGoalError as conflict:
            messages.error(request, conflict_message(conflict.current, int(request.POST["expected_version"])))
            return redirect(request.path)

    def changeform_view(self, request, *args, **kwargs):
        return self._refused_if_stale(super().changeform_view, request, *args, **kwargs)

    def history_form_view(self, request, *args, **kwargs):
        return self._refused_if_stale(super().history_form_view, request, *args, **kwargs)

    def process_result(self, result, request):
        """An import that failed while writing (a row changed since it was read) says so; nothing was written."""
        if not result.has_errors():
            return super().process_result(result, request)
        for number, errors in result.row_errors():
            for error in errors:
                if isinstance(error.error, workflow.StaleGoalError):
                    messages.error(
                        request,
                        f"{number}行目の目標は、ファイルを確認した後に他の人が更新しました。何も読み込んでいません。"
                        "最新の内容を書き出して、もう一度読み込んでください。",
                    )
                    return redirect("admin:goals_goal_import")
        messages.error(request, "読み込み中に問題が起きたため、何も読み込んでいません。")
        return redirect("admin:goals_goal_import")


@admin.register(DepartmentReport)
class DepartmentReportAdmin(SimpleHistoryAdmin):
    list_display = ["department", "sheet", "status", "status_changed_at", "status_changed_by"]
    list_select_related = ["department", "sheet__ward", "status_changed_by"]
    list_filter = ["sheet__ward", "sheet__fiscal_year", "status", "department"]
    search_fields = ["department__name"]
    # Goals by number, not a list of every goal of every year.
    raw_id_fields = ["return_goals"]


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ["date", "report", "recipients", "sent_at"]
    list_select_related = ["report__sheet__ward", "report__department"]
    list_filter = ["date"]
    readonly_fields = ["report", "date", "recipients", "sent_at"]


@admin.register(MailSetting)
class MailSettingAdmin(admin.ModelAdmin):
    list_display = ["user", "delivery", "updated_at"]
    list_select_related = ["user"]
    list_filter = ["delivery"]
    search_fields = ["user__username", "user__last_name"]


@admin.register(DigestItem)
class DigestItemAdmin(admin.ModelAdmin):
    """What the daily digest held and when it went out: a record, not edited by hand."""

    list_display = ["created_at", "user", "line", "sent_at"]
    list_select_related = ["user"]
    list_filter = ["sent_at"]
    readonly_fields = ["user", "ward", "line", "url", "created_at", "sent_at"]

    def has_add_permission(self, request):
        return False
