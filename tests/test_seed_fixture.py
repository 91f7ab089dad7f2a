"""The fixture is the seed text, goal by goal, and is regenerated, not typed."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from departments.models import Department
from goals.models import Goal, ServicePolicy
from goals.seed.parser import SEED_TEXT, SeedFormatError, parse_seed_text, split_goal_cell

FIXTURE_DIR = Path(settings.BASE_DIR) / "fixtures"
RAW_LINES = SEED_TEXT.read_text(encoding="utf-8").split("\n")

DEPARTMENTS = [
    "危機管理担当", "総務課", "企画課", "地域振興課", "生涯学習支援課", "日吉出張所", "区民課",
    "保険年金課", "地域ケア推進課", "地域支援課", "児童家庭課", "高齢・障害課", "保護課", "衛生課",
    "道路公園センター",
]  # fmt: skip


def raw_goal_rows():
    """Goal rows straight from the text (lines 17–60), department carried down."""
    rows, department = [], None
    for line in RAW_LINES[16:60]:
        if not line:
            continue
        cells = line.split("\t")
        department = cells[0] or department
        rows.append((department, cells))
    return rows


def test_regenerating_the_fixture_gives_the_committed_files(tmp_path):
    call_command("build_seed_fixture", output_dir=tmp_path, stdout=StringIO())
    generated = sorted(p.name for p in tmp_path.iterdir())
    assert generated == sorted(p.name for p in FIXTURE_DIR.glob("*.json"))
    for name in generated:
        assert (tmp_path / name).read_bytes() == (FIXTURE_DIR / name).read_bytes(), name


def test_fixture_matches_seed_text_goal_by_goal(seed):
    rows = raw_goal_rows()
    goals = list(Goal.objects.filter(sheet=seed).select_related("department", "category"))
    goals.sort(key=lambda g: (g.department.order, g.order))
    assert len(rows) == len(goals) == 42
    for (department, cells), goal in zip(rows, goals, strict=True):
        assert goal.department.name == department
        if len(cells) == 5:
            assert goal.number == cells[1]
            assert (goal.category.name if goal.category else "") == "".join(cells[2].split())
            assert goal.text == cells[3]
        else:
            # 「1 対面対応 来庁や…」: the stored parts rebuild the cell exactly.
            assert f"{goal.number} {goal.category.name} {goal.text}" == cells[1]
        assert goal.result == "" and goal.achievement is None


def test_departments_and_policies_in_sheet_order(seed):
    assert list(Department.objects.filter(ward=seed.ward).values_list("name", flat=True)) == DEPARTMENTS
    policies = list(ServicePolicy.objects.filter(sheet=seed).order_by("number"))
    assert [f"{p.marker} {p.text}" for p in policies] == RAW_LINES[8:12]
    assert seed.title == RAW_LINES[2] == "令和7年度向上指針取組シート"
    assert seed.ward.office_name == RAW_LINES[4] == "幸区役所"


def test_labels_categories_and_typos_kept_as_written(seed):
    numbers = (
        Goal.objects.filter(department__name="児童家庭課").order_by("order").values_list("number", flat=True)
    )
    assert list(numbers) == ["1", "2・3", "4"]
    assert not Goal.objects.filter(department__name="保険年金課", category__isnull=False).exists()
    assert Goal.objects.get(department__name="地域ケア推進課", number="3").category.name == "お知らせ"
    for typo in ("迅速かつ確に", "葡萄エリア", "バトロール"):
        assert Goal.objects.filter(text__contains=typo).count() == 1, typo


def test_dumpdata_holds_every_seed_text_exactly(seed, capsys):
    call_command("dumpdata", "departments", "goals")
    dumped = json.loads(capsys.readouterr().out)
    strings = {value for obj in dumped for value in obj["fields"].values() if isinstance(value, str)}
    expected = set(DEPARTMENTS) | {line[2:] for line in RAW_LINES[8:12]}
    expected |= {cells[3] if len(cells) == 5 else cells[1].split(" ", 2)[2] for _, cells in raw_goal_rows()}
    assert len(expected) == 15 + 4 + 42
    assert expected <= strings


def test_fixture_reload_updates_in_place(seed):
    call_command("loaddata", *[str(p) for p in sorted(FIXTURE_DIR.glob("*.json"))], verbosity=0)
    assert Goal.objects.count() == 42
    assert Department.objects.count() == 15


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1 対面対応 来庁や電話", ("1", "対面対応", "来庁や電話")),
        ("2・3 共通 窓口 対応", ("2・3", "共通", "窓口 対応")),
        ("1 来庁者が目的を達成", ("1", None, "来庁者が目的を達成")),
        ("3 【本人確認】 受付時に", ("3", None, "【本人確認】 受付時に")),
    ],
)
def test_split_goal_cell(cell, expected):
    assert split_goal_cell(cell, {"対面対応", "共通"}) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "表題と発行者"),
        (
            "令和7年度向上指針取組シート\n幸区役所\n区役所サービス向上目標\n\t1 共通 本文\t",
            "部署名がありません",
        ),
        ("令和7年度向上指針取組シート\n幸区役所\n区役所サービス向上目標\n総務課\t1\t共通\t", "セルの数"),
        ("令和7年度向上指針取組シート\n幸区役所\n区役所サービス向上方針\n1 方針\n", "①〜⑳"),
        ("令和99年度シート\n幸区役所\n", "向上指針取組シート"),
    ],
)
def test_broken_seed_text_is_refused_with_a_message(text, message):
    with pytest.raises(SeedFormatError, match=message):
        parse_seed_text(text)


def test_build_command_reports_missing_source(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="見つかりません"):
        call_command("build_seed_fixture", source=tmp_path / "none.txt", output_dir=tmp_path)
