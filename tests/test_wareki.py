import datetime

import pytest

from goals.lib.wareki import date_label, fiscal_year_label, fiscal_year_of, parse_fiscal_year_label


@pytest.mark.parametrize(
    ("year", "label"),
    [
        (2025, "令和7年度"),
        (2019, "令和元年度"),
        (2020, "令和2年度"),
        (2018, "平成30年度"),
        (1989, "平成元年度"),
    ],
)
def test_fiscal_year_label_round_trips(year, label):
    assert fiscal_year_label(year) == label
    assert parse_fiscal_year_label(label) == year


def test_fiscal_year_runs_april_to_march():
    assert fiscal_year_of(datetime.date(2026, 3, 31)) == 2025
    assert fiscal_year_of(datetime.date(2026, 4, 1)) == 2026


def test_date_label_uses_the_era_of_the_day():
    assert date_label(datetime.date(2019, 4, 30)) == "平成31年4月30日"
    assert date_label(datetime.date(2019, 5, 1)) == "令和元年5月1日"
    assert date_label(datetime.date(2026, 11, 24)) == "令和8年11月24日"


def test_parse_accepts_full_width_digits_and_rejects_nonsense():
    assert parse_fiscal_year_label("令和７年度") == 2025
    with pytest.raises(ValueError, match="年度"):
        parse_fiscal_year_label("2025年度")
    with pytest.raises(ValueError, match="存在しない"):
        parse_fiscal_year_label("令和0年度")
