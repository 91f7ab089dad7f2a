"""Forms of the department page, the goal pages and the ward board."""

from django import forms

from goals.lib.text import plain
from goals.models import (
    COMMENT_TEXT_MAX,
    GOAL_NUMBER_MAX,
    GOAL_TEXT_MAX,
    RESULT_TEXT_MAX,
    AchievementLevel,
    Category,
    Goal,
    MailSetting,
)
from goals.overview.search import NO_LEVEL, query_problem
from goals.sheet.pagination import result_length_for_a_page


class Form(forms.Form):
    """Labels without Django's trailing colon: the Japanese pages read 「達成度」, not 「達成度:」."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def without_truncation(field: forms.CharField, name: str) -> forms.CharField:
    """A long text checked on the server only: the browser's maxlength cuts a paste silently.

    The person is told the limit and how long the text is, and keeps every character to shorten.
    """
    field.widget.attrs.pop("maxlength", None)
    field.error_messages["max_length"] = (
        f"{name}は%(limit_value)d文字以内にしてください（現在%(show_value)d文字）。"
        "入力した内容はそのまま残っています。"
    )
    return field


class PlainTextField(forms.CharField):
    """Typed text without control characters (goals.lib.text.plain): they are dropped on input."""

    def to_python(self, value):
        return plain(super().to_python(value))


class VersionField(forms.IntegerField):
    """The goal version the form was opened on: the save is refused if it moved on."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(min_value=1, error_messages={"required": "画面を開き直してください。"}, **kwargs)


class GoalForm(Form):
    number = PlainTextField(
        label="番号",
        max_length=GOAL_NUMBER_MAX,
        help_text="「1」「2・3」のように、取組シートに載る番号を入力します。",
        error_messages={"required": "番号を入力してください。"},
    )
    category = forms.ModelChoiceField(
        label="区分",
        queryset=Category.objects.all(),
        required=False,
        empty_label="（区分なし）",
    )
    text = PlainTextField(
        label="目標及び具体的な取組内容",
        max_length=GOAL_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "目標の内容を入力してください。"},
    )
    version = VersionField(required=False)

    def __init__(self, *args, report, goal=None, **kwargs):
        self.report = report
        self.goal = goal
        super().__init__(*args, **kwargs)
        if goal is not None:
            self.fields["version"].required = True
        without_truncation(self.fields["text"], "目標及び具体的な取組内容")

    def clean_number(self):
        number = self.cleaned_data["number"].strip()
        taken = Goal.objects.filter(
            sheet_id=self.report.sheet_id, department_id=self.report.department_id, number=number
        )
        if self.goal is not None:
            taken = taken.exclude(pk=self.goal.pk)
        if taken.exists():
            raise forms.ValidationError(f"番号「{number}」はこの部署で既に使われています。")
        return number


class AchievementChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, level):
        return f"{level.number}　{level.label}"


class ResultForm(Form):
    result = PlainTextField(
        label="実施結果",
        max_length=RESULT_TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="途中でも「保存する」で保存できます。提出するまでは何度でも直せます。",
    )
    achievement = AchievementChoiceField(
        label="達成度",
        queryset=AchievementLevel.objects.all(),
        required=False,
        widget=forms.RadioSelect,
        empty_label=None,
    )
    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        without_truncation(self.fields["result"], "実施結果")
        # The printed sheet: how much fits its result column on one page (goals/sheet/pagination.py).
        page = result_length_for_a_page()
        field = self.fields["result"]
        field.help_text += (
            f"印刷する取組シートでは、およそ{page}字までが1ページに収まります"
            f"（上限は{RESULT_TEXT_MAX}字。長い実施結果は次のページに「（続き）」として載ります）。"
        )
        # static/js/charcount.js shows the length as people type.
        field.widget.attrs.update({"data-char-count": "id_result_count", "data-page-length": page})


class DeleteGoalForm(Form):
    version = VersionField()


class MoveGoalForm(Form):
    direction = forms.ChoiceField(choices=[("up", "上へ"), ("down", "下へ")])


class ReturnForm(Form):
    reason = PlainTextField(
        label="差戻しの理由",
        max_length=RESULT_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="部署のページに表示され、部署の入力担当にメールで届きます。",
        error_messages={"required": "差戻しの理由を入力してください。"},
    )
    goals = forms.TypedMultipleChoiceField(
        label="差戻しの対象の目標（任意）",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="選んだ目標は、差戻しの理由とともに部署のページとメールに表示されます。",
        error_messages={"invalid_choice": "選んだ目標が見つかりません。画面を開き直してください。"},
    )

    def __init__(self, *args, goals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goals"].choices = [(g.pk, f"目標{g.number}：{_short(g.text)}") for g in goals]


def _short(text: str, limit: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class MailSettingForm(Form):
    delivery = forms.ChoiceField(
        label="提出・承認待ち・コメントの通知メール",
        choices=MailSetting.Delivery.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "受け取り方を選んでください。",
            "invalid_choice": "受け取り方を選んでください。",
        },
    )


class AdvanceForm(Form):
    override_reason = PlainTextField(
        label="確認済みでない部署があるまま確定する理由",
        max_length=RESULT_TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="全部署が確認済みなら空欄のままで確定できます。",
    )


class ReopenForm(Form):
    reason = PlainTextField(
        label="段階を戻す理由",
        max_length=RESULT_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="履歴に記録されます。",
        error_messages={"required": "段階を戻す理由を入力してください。"},
    )


class DeadlineForm(Form):
    results_deadline = forms.DateField(
        label="実施結果の提出期限",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="空欄にすると期限なしになります。",
        error_messages={"invalid": "日付を正しく入力してください（例：2026-04-30）。"},
    )


class StatusFilterForm(Form):
    status = forms.MultipleChoiceField(
        label="状況で絞り込む（複数選べます）", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = choices


class SelectedReportsForm(Form):
    """Departments chosen on the board and what to do with them."""

    reports = forms.TypedMultipleChoiceField(
        coerce=int,
        error_messages={
            "required": "部署を選んでください。",
            "invalid_choice": "選んだ部署が見つかりません。画面を開き直してください。",
        },
    )
    action = forms.ChoiceField(
        choices=[("confirm", "確認済みにする"), ("remind", "催促する")],
        error_messages={"required": "操作を選んでください。", "invalid_choice": "操作を選んでください。"},
    )
    force = forms.BooleanField(label="本日催促した部署にも、もう一度送る", required=False)

    def __init__(self, *args, report_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reports"].choices = [(pk, pk) for pk in report_ids]


class CommentForm(Form):
    text = PlainTextField(
        label="コメント",
        max_length=COMMENT_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="部署と総務課の間のやりとりです。取組シートには印刷されません。",
        error_messages={"required": "コメントを入力してください。"},
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        without_truncation(self.fields["text"], "コメント")


class ResolveForm(Form):
    resolved = forms.TypedChoiceField(choices=[("1", "解決"), ("0", "未解決")], coerce=lambda v: v == "1")


class SearchForm(Form):
    """The search page's words and filters; the choices are what the person may search. The
    departments are those of one ward (the chosen one, or the person's only one): a city has
    hundreds, too many for one list."""

    q = PlainTextField(label="検索する語", required=False)
    ward = forms.TypedChoiceField(label="区", required=False, coerce=int, empty_value=None)
    year = forms.TypedChoiceField(label="年度", required=False, coerce=int, empty_value=None)
    department = forms.TypedChoiceField(label="部署", required=False, coerce=int, empty_value=None)
    level = forms.ChoiceField(label="達成度", required=False)

    def __init__(self, *args, wards, years, departments, levels, **kwargs):
        super().__init__(*args, **kwargs)
        invalid = {"invalid_choice": "一覧から選んでください（「%(value)s」は選べません）。"}
        for name in ("ward", "year", "department", "level"):
            self.fields[name].error_messages.update(invalid)
        self.fields["ward"].choices = [("", "すべての区"), *((w.pk, w.name) for w in wards)]
        self.fields["year"].choices = [("", "すべての年度"), *years]
        self.fields["department"].choices = [
            ("", "すべての部署"),
            *((d.pk, f"{d.name}（廃止）" if d.retired_on else d.name) for d in departments),
        ]
        self.fields["level"].choices = [
            ("", "すべての達成度"),
            *((str(lv.pk), f"{lv.number} {lv.label}") for lv in levels),
            (NO_LEVEL, "未入力"),
        ]

    def clean_q(self):
        query = " ".join(self.cleaned_data["q"].split())
        if problem := query_problem(query):
            raise forms.ValidationError(problem)
        return query
