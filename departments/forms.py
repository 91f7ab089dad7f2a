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
