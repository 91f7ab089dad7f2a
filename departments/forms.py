from django import forms
from django.conf import settings
from django.utils import timezone

from goals.imports.safety import megabytes

from .staff.plan import next_april_first


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label="職員名簿のファイル（CSV または .xlsx）",
        error_messages={"required": "ファイルを選んでください。", "empty": "ファイルが空です（0 バイト）。"},
    )
    effective = forms.DateField(
        label="適用日",
        help_text="名簿の内容が有効になる日（人事異動の日）。開始日が空欄の行はこの日から。名簿にない所属は前日で終了します。",
        error_messages={
            "required": "適用日を入力してください。",
            "invalid": "適用日は 2026-04-01 の形で入力してください。",
        },
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, too_large=False, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.too_large = too_large
        self.fields["effective"].initial = next_april_first(timezone.localdate())
        self.fields["file"].widget.attrs["accept"] = ".csv,.xlsx,text/csv"
        self.fields["file"].help_text = f"{megabytes(settings.IMPORT_MAX_UPLOAD_BYTES)}まで。"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if self.too_large or upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"ファイルが大きすぎます。読み込めるのは {megabytes(settings.IMPORT_MAX_UPLOAD_BYTES)} までです。"
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        if self.too_large and "file" not in self.errors:
            self.add_error(
                "file",
                f"ファイルが大きすぎます。読み込めるのは {megabytes(settings.IMPORT_MAX_UPLOAD_BYTES)} までです。",
            )
        return cleaned


DATE_ERRORS = {"invalid": "日付は 2026-04-01 の形で入力してください。"}


class AddMembershipForm(forms.Form):
    username = forms.RegexField(
        label="ユーザー名（職員番号）",
        regex=r"^[\w.@+-]+$",
        max_length=150,
        error_messages={
            "required": "ユーザー名を入力してください。",
            "invalid": "ユーザー名に使えるのは英数字と @ . + - _ です。",
        },
    )
    name = forms.CharField(label="氏名（新しい職員のみ）", max_length=150, required=False)
    email = forms.EmailField(
        label="メール（新しい職員のみ）",
        required=False,
        error_messages={"invalid": "メールアドレスの形が正しくありません。"},
    )
    department = forms.ModelChoiceField(
        label="部署",
        queryset=None,
        empty_label=None,
        error_messages={"invalid_choice": "部署を一覧から選んでください。"},
    )
    role = forms.ChoiceField(label="役割")
    valid_from = forms.DateField(
        label="開始日", widget=forms.DateInput(attrs={"type": "date"}), error_messages=DATE_ERRORS
    )
    valid_until = forms.DateField(
        label="終了日（任意）",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages=DATE_ERRORS,
    )

    def __init__(self, *args, ward, **kwargs):
        from departments.models import Membership

        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["department"].queryset = ward.departments.active()
        self.fields["role"].choices = Membership.Role.choices
        self.fields["valid_from"].initial = timezone.localdate()


class EndMembershipForm(forms.Form):
    valid_until = forms.DateField(
        label="最後の勤務日",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "最後の勤務日を入力してください。", **DATE_ERRORS},
    )


class MoveMembershipForm(forms.Form):
    department = forms.ModelChoiceField(
        label="異動先",
        queryset=None,
        empty_label=None,
        error_messages={"invalid_choice": "部署を一覧から選んでください。"},
    )
    valid_from = forms.DateField(
        label="異動日（新しい部署の初日）",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "異動日を入力してください。", **DATE_ERRORS},
    )

    def __init__(self, *args, ward, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["department"].queryset = ward.departments.active()
