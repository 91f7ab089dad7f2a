"""A department across years: its goals as lines through carry forward, the 達成度 per year."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from goals import access
from goals.overview.years import CHART_WIDTH, ROW_HEIGHT, department_years


@require_safe
def department_years_page(request, pk):
    """Readable by whoever reads the department page (its members, the ward's reviewers, city staff)."""
    report = access.report_for_reader(request.user, pk)
    sheets, lines, bars = department_years(report.department)
    context = {
        "report": report,
        "department": report.department,
        "sheets": sheets,
        "lines": lines,
        "bars": bars,
        "levels": [s.label for s in bars[0].segments] if bars else [],
        "chart_width": CHART_WIDTH + 120,
        "chart_height": ROW_HEIGHT * len(bars),
    }
    return render(request, "goals/department_years.html", context)
