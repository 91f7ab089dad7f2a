"""Command-line values shared by the management commands, read the way a clerk writes them."""

from django.core.management.base import CommandError

from goals.lib.wareki import parse_fiscal_year_label

YEAR_HELP = "年度。西暦（2025）か和暦（令和7年度）"


def fiscal_year(value: str | int) -> int:
    """2025 or 令和7年度 (also ２０２５ typed in full width); an int from call_command as it is."""
    value = str(value).strip()
    if value.isdigit():
        return int(value)
    try:
        return parse_fiscal_year_label(value)
    except ValueError as error:
        raise CommandError(
            f"年度「{value}」が読めません。西暦（例：2025）か和暦（例：令和7年度）で指定してください。"
        ) from error
