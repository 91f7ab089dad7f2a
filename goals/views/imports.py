"""Importing an official-layout workbook: upload → preview (writes nothing) → confirm (one transaction)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from goals import access
from goals.imports import store as import_store
from goals.imports.commit import ImportRefused, commit_import
from goals.imports.forms import ImportConfirmForm, ImportUploadForm, known_categories
from goals.imports.plan import build_plan
from goals.imports.reader import ParsedSheet, WorkbookError, read_workbook


def _stored_upload(request, token):
    """The upload this person made for a ward they still review, or 404 / a refusal."""
    try:
        upload, data = import_store.load(request, token)
    except LookupError:
        raise Http404("この読み込みはありません。") from None
    if not access.reviewed_wards(request.user).filter(name=upload.ward).exists():
        raise Http404("この読み込みはありません。")
    return upload, data


@require_http_methods(["GET", "POST"])
def upload(request):
    wards = access.importable_wards(request.user)
    # Without a year in the link, the year of the workbook's title.
    initial = {"ward": request.GET.get("ward"), "fiscal_year": request.GET.get("year")}
    form = ImportUploadForm(
        request.POST or None,
        request.FILES or None,
        wards=wards,
        initial=initial,
        too_large=bool(getattr(request, "upload_too_large", False)),
    )
    if request.method == "POST" and form.is_valid():
        stored = import_store.save(
            request,
            form.cleaned_data["data"],
            ward=form.cleaned_data["ward"].name,
            fiscal_year=form.cleaned_data["fiscal_year"],
            filename=form.cleaned_data["file"].name,
            worksheet=form.cleaned_data["worksheet"] or None,
        )
        _keep(stored.token, stored.worksheet, False, form.cleaned_data["parsed"])
        return redirect("goals:import_preview", token=stored.token)
    return render(request, "goals/import_upload.html", {"form": form})


def _read(upload, data, worksheet, include_hidden=False) -> ParsedSheet:
    """The reading kept from the upload when it is the same one; the file is parsed again only if not."""
    categories = known_categories()
    key = import_store.parsed_key(worksheet, include_hidden, categories)
    kept = import_store.load_parsed(upload.token, key)
    if kept is not None:
        try:
            return ParsedSheet.from_dict(kept)
        except (KeyError, TypeError):
            pass  # written by an older version: read the file again
    parsed = read_workbook(data, categories, worksheet, include_hidden=include_hidden)
    _keep(upload.token, worksheet, include_hidden, parsed, categories)
    return parsed


def _keep(token, worksheet, include_hidden, parsed: ParsedSheet, categories=None) -> None:
    """Keep a reading under the worksheet asked for and the one read (the confirmation names the latter)."""
    categories = known_categories() if categories is None else categories
    for name in {worksheet, parsed.worksheet}:
        import_store.save_parsed(
            token, import_store.parsed_key(name, include_hidden, categories), parsed.to_dict()
        )


@require_GET
def preview(request, token):
    try:
        upload, data = _stored_upload(request, token)
    except import_store.UploadGone as gone:
        messages.error(request, str(gone))
        return redirect("goals:import_upload")
    worksheet = request.GET.get("sheet") or upload.worksheet
    include_hidden = request.GET.get("hidden") == "1"
    context = {"upload": upload, "token": token, "include_hidden": include_hidden}
    try:
        parsed = _read(upload, data, worksheet, include_hidden)
    except WorkbookError as error:
        context["workbook_problem"] = error.problem
        return render(request, "goals/import_preview.html", context)
    plan = build_plan(parsed, upload.ward, upload.fiscal_year)
    context["plan"] = plan
    context["confirm_form"] = ImportConfirmForm(
        initial={"digest": plan.digest, "worksheet": parsed.worksheet, "include_hidden": include_hidden}
    )
    return render(request, "goals/import_preview.html", context)


def _back_to_preview(token, worksheet, include_hidden=False):
    url = reverse("goals:import_preview", kwargs={"token": token})
    query = {"sheet": worksheet} if worksheet else {}
    if include_hidden:
        query["hidden"] = "1"
    return redirect(f"{url}?{urlencode(query)}" if query else url)


@require_POST
def confirm(request, token):
    try:
        upload, data = _stored_upload(request, token)
    except import_store.UploadGone as gone:
        messages.error(request, str(gone))
        return redirect("goals:import_upload")
    form = ImportConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "確認の内容が正しく送られませんでした。何も書き込んでいません。もう一度確認してください。",
        )
        return _back_to_preview(token, upload.worksheet)
    worksheet = form.cleaned_data["worksheet"]
    include_hidden = form.cleaned_data["include_hidden"]
    try:
        parsed = _read(upload, data, worksheet, include_hidden)
        plan = commit_import(
            parsed,
            upload.ward,
            upload.fiscal_year,
            by=request.user,
            create_missing=form.cleaned_data["create_missing"],
            expected_digest=form.cleaned_data["digest"],
            confirmed=form.cleaned_data["confirmed"],
        )
    except WorkbookError as error:
        messages.error(request, f"{error.problem} 何も書き込んでいません。")
        return _back_to_preview(token, worksheet, include_hidden)
    except ImportRefused as refused:
        messages.error(request, refused.message)
        return _back_to_preview(token, worksheet, include_hidden)
    import_store.discard(request, token)
    messages.success(
        request,
        f"{plan.ward}の{plan.fiscal_year_label}の取組シートに「{upload.filename}」を読み込みました"
        f"（新規{plan.created}件・変更{plan.changed}件・変更なし{plan.unchanged}件）。",
    )
    # Back to where the reviewer works: the ward board of the sheet just written.
    return redirect("goals:board", plan.ward.name, plan.fiscal_year)


@require_POST
def cancel(request, token):
    try:
        _stored_upload(request, token)
    except import_store.UploadGone:
        pass
    import_store.discard(request, token)
    messages.info(request, "読み込みを取り消しました。何も書き込んでいません。")
    return redirect("goals:import_upload")
