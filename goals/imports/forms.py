"""Forms of the workbook import (upload, then confirm)."""

from django import forms
from django.conf import settings

from departments.models import Ward
from goals.imports.reader import WorkbookError, read_workbook
from goals.imports.safety import megabytes
from goals.models import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR, Category

YEAR_MESSAGE = f"{FIRST_FISCAL_YEAR}〜{LAST_FISCAL_YEAR}の西暦で入力してください（令和7年度なら2025）。"


class ImportUploadForm(forms.Form):
    ward = forms.ModelChoiceField(
        label="区",
        queryset=Ward.objects.none(),
        to_field_name="name",
        empty_label=None,
        error_messages={"invalid_choice": "この区の取組シートは読み込めません。一覧から選んでください。"},
    )
    fiscal_year = forms.IntegerField(
        label="年度（西暦）",
        required=False,
        min_value=FIRST_FISCAL_YEAR,
        max_value=LAST_FISCAL_YEAR,
        help_text="読み込む先の年度。令和7年度なら2025。空欄なら、ブックの表題（「令和7年度向上指針取組シート」）の年度です。",
        error_messages={
            "required": "年度を入力してください。",
            "invalid": YEAR_MESSAGE,
            "min_value": YEAR_MESSAGE,
            "max_value": YEAR_MESSAGE,
        },
    )
    file = forms.FileField(
        label="取組シートのファイル（.xlsx・.xlsm・.xls・.ods・.csv）",
        error_messages={"required": "ファイルを選んでください。", "empty": "ファイルが空です（0 バイト）。"},
    )
    worksheet = forms.CharField(
        label="シート名（任意）",
        required=False,
        max_length=31,
        help_text="空欄なら、目標の表がある最初のシートを読みます。",
    )

    def __init__(self, *args, wards, too_large=False, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["ward"].queryset = wards
        self.too_large = too_large
        self.fields["file"].widget.attrs["accept"] = ACCEPT
        self.fields["file"].help_text = f"{megabytes(_limit())}まで。"

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if self.too_large:
            self.add_error("file", f"ファイルが大きすぎます。読み込めるのは {megabytes(_limit())} までです。")
            return cleaned
        if upload is None:
            return cleaned
        if upload.size > _limit():
            self.add_error("file", f"ファイルが大きすぎます。読み込めるのは {megabytes(_limit())} までです。")
            return cleaned
        data = upload.read()
        try:
            cleaned["parsed"] = read_workbook(data, known_categories(), cleaned.get("worksheet") or None)
        except WorkbookError as error:
            self.add_error("file", str(error.problem))
        cleaned["data"] = data
        if "parsed" in cleaned and cleaned.get("fiscal_year") is None and "fiscal_year" not in self.errors:
            title_year = cleaned["parsed"].title_year
            if title_year is None or not FIRST_FISCAL_YEAR <= title_year <= LAST_FISCAL_YEAR:
                self.add_error(
                    "fiscal_year",
                    "ブックの表題から年度を読み取れませんでした。読み込む先の年度を入力してください"
                    "（令和7年度なら2025）。",
                )
            else:
                cleaned["fiscal_year"] = title_year
        return cleaned


ACCEPT = ",".join(
    [
        ".xlsx",
        ".xlsm",
        ".xls",
        ".ods",
        ".csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-excel.sheet.macroEnabled.12",
        "application/vnd.ms-excel",
        "application/vnd.oasis.opendocument.spreadsheet",
        "text/csv",
    ]
)


def known_categories() -> list[str]:
    return list(Category.objects.values_list("name", flat=True))


def _limit():
    return settings.IMPORT_MAX_UPLOAD_BYTES


class ImportConfirmForm(forms.Form):
    digest = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=64)
    worksheet = forms.CharField(widget=forms.HiddenInput, max_length=31)
    include_hidden = forms.BooleanField(widget=forms.HiddenInput, required=False)
    create_missing = forms.BooleanField(label="未登録の部署・区分を作成して読み込む", required=False)
    confirmed = forms.BooleanField(label="上の確認事項を確かめたうえで読み込む", required=False)
