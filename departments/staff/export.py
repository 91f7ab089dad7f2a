"""The ward's roster as CSV (UTF-8 with BOM, so Excel opens it) or XLSX, in the format the upload reads."""

import csv
import datetime
import io

from django.db.models import Q
from openpyxl import Workbook
from openpyxl.styles import Font

from departments.models import Membership, Ward

from .reader import COLUMNS


def roster_rows(ward: Ward, on: datetime.date) -> list[list[str]]:
    """Every membership of the ward valid on the day or starting later, one row each."""
    memberships = (
        Membership.objects.filter(department__ward=ward)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .select_related("user", "department")
        .order_by("department__order", "department__name", "user__username", "valid_from")
    )
    return [
        [
            m.user.username,
            f"{m.user.last_name} {m.user.first_name}".strip(),
            m.user.email,
            m.department.name,
            m.get_role_display(),
            m.valid_from.isoformat(),
            m.valid_until.isoformat() if m.valid_until else "",
        ]
        for m in memberships
    ]


def roster_csv(rows) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    # A cell starting with = + - @ would be a formula in Excel: keep it text.
    writer.writerows([[f"'{c}" if c and c[0] in "=+-@" else c for c in row] for row in rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def roster_xlsx(rows) -> bytes:
    book = Workbook()
    worksheet = book.active
    worksheet.title = "職員名簿"
    worksheet.append(COLUMNS)
    for cell in worksheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        worksheet.append(row)
        for cell in worksheet[worksheet.max_row]:
            cell.data_type = "s"  # text stays text, even "=…"
    for column, width in zip("ABCDEFG", (14, 16, 28, 18, 12, 12, 12), strict=True):
        worksheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
