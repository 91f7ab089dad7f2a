"""Reading the official seed text (seed/*.txt) and turning it into fixtures.

The text is the plain-text extraction of the official 取組シート (see
seed/README.md): TAB-separated cells, two goal layouts, merged department
cells left blank. The fixture is generated from it, never typed by hand.
"""

from dataclasses import dataclass, field
from pathlib import Path

from goals.lib.cells import GoalCellError, normalize_category, split_goal_cell
from goals.lib.wareki import CIRCLED_NUMBERS, parse_fiscal_year_label
from goals.sheet.vocabulary import DEPARTMENT_HEADER, GOALS_HEADING, POLICY_HEADING, TITLE_SUFFIX

SEED_TEXT = Path(__file__).resolve().parents[2] / "seed" / "saiwai-r7-torikumi-sheet.txt"

# 区分 in the order people expect to pick them; every value the seed uses.
CATEGORY_NAMES = ["対面対応", "庁内体制", "共通", "お知らせ", "庁舎案内", "対応", "対面"]

# Kawasaki City's five-level scale used in its evaluation sheets.
ACHIEVEMENT_LEVELS = [
    (1, "目標を大きく上回って達成"),
    (2, "目標を上回って達成"),
    (3, "目標をほぼ達成"),
    (4, "目標を下回った"),
    (5, "目標を大きく下回った"),
]
# What each level means when a department chooses it (shown on the help page; editable in the admin).
ACHIEVEMENT_DESCRIPTIONS = {
    1: "掲げた取組をすべて実施し、目標とした水準を大きく超える成果があった。",
    2: "掲げた取組をすべて実施し、目標とした水準を超える成果があった。",
    3: "掲げた取組をおおむね実施し、目標とした水準にほぼ届いた。",
    4: "取組の一部を実施できなかった、または目標とした水準に届かなかった。",
    5: "取組の多くを実施できなかった、または目標とした水準を大きく下回った。",
}


class SeedFormatError(ValueError):
    pass


@dataclass
class SeedGoal:
    number: str
    category: str | None
    text: str
    result: str = ""


@dataclass
class SeedDepartment:
    name: str
    goals: list[SeedGoal] = field(default_factory=list)


@dataclass
class SeedSheet:
    fiscal_year: int
    office_name: str
    ward_name: str
    policies: list[tuple[int, str]]
    departments: list[SeedDepartment]


def _policy(line: str) -> tuple[int, str]:
    marker, text = line[0], line[1:].strip()
    if marker not in CIRCLED_NUMBERS or not text:
        raise SeedFormatError(f"方針の行「{line[:20]}」は①〜⑳で始まっていません。")
    return CIRCLED_NUMBERS.index(marker) + 1, text


def parse_seed_text(text: str, known_categories=CATEGORY_NAMES) -> SeedSheet:
    lines = [line.rstrip("\r") for line in text.split("\n")]
    content = [(i, line) for i, line in enumerate(lines, 1) if line.strip()]
    try:
        (_, title), (_, office_name) = content[0], content[1]
    except IndexError:
        raise SeedFormatError("表題と発行者の行がありません。") from None
    if not title.endswith(TITLE_SUFFIX):
        raise SeedFormatError(f"1行目「{title}」は「…{TITLE_SUFFIX}」ではありません。")
    fiscal_year = parse_fiscal_year_label(title.removesuffix(TITLE_SUFFIX))

    section = None
    policies: list[tuple[int, str]] = []
    departments: list[SeedDepartment] = []
    for lineno, line in content[2:]:
        stripped = line.strip()
        if stripped in (POLICY_HEADING, GOALS_HEADING):
            section = stripped
        elif section == POLICY_HEADING:
            policies.append(_policy(stripped))
        elif section == GOALS_HEADING and stripped.startswith(DEPARTMENT_HEADER):
            continue
        elif section == GOALS_HEADING:
            _add_goal_row(line.split("\t"), lineno, departments, known_categories)
        else:
            raise SeedFormatError(f"{lineno}行目：見出しの前に内容があります。")
    return SeedSheet(
        fiscal_year=fiscal_year,
        office_name=office_name.strip(),
        ward_name=office_name.strip().removesuffix("役所"),
        policies=policies,
        departments=departments,
    )


def _add_goal_row(cells, lineno, departments, known_categories):
    if len(cells) == 3:
        department, goal_cell, result = cells
        try:
            number, category, text = split_goal_cell(goal_cell, known_categories)
        except GoalCellError as error:
            raise SeedFormatError(f"{lineno}行目：{error}") from None
    elif len(cells) == 5:
        department, number, raw_category, text, result = cells
        category = normalize_category(raw_category)
    else:
        raise SeedFormatError(f"{lineno}行目：セルの数が{len(cells)}個です（3個か5個のはずです）。")
    department = department.strip()
    if department:
        departments.append(SeedDepartment(department))
    elif not departments:
        raise SeedFormatError(f"{lineno}行目：最初の目標に部署名がありません。")
    departments[-1].goals.append(SeedGoal(number.strip(), category, text, result.strip()))


# The seed is 幸区役所's sheet, a ward of 川崎市 (the text names the office, not the city).
SEED_CITY = {"name": "川崎市", "prefecture": "神奈川県", "code": "141305"}
SEED_WARD_CODES = {"幸区": "141321"}


def build_fixtures(sheet: SeedSheet, sheet_file: str) -> dict[str, list[dict]]:
    """Fixture objects keyed by file name, with natural keys so a reload updates in place."""
    ward = [sheet.ward_name]
    sheet_key = [*ward, sheet.fiscal_year]
    objects = [
        {"model": "departments.city", "fields": dict(SEED_CITY)},
        {
            "model": "departments.ward",
            "fields": {
                "name": sheet.ward_name,
                "office_name": sheet.office_name,
                "code": SEED_WARD_CODES.get(sheet.ward_name, ""),
                "city": [SEED_CITY["code"]],
            },
        },
        {
            "model": "goals.sheet",
            "fields": {
                "ward": ward,
                "fiscal_year": sheet.fiscal_year,
                "phase": "in_progress",
                "results_deadline": None,
            },
        },
    ]
    objects += [
        {"model": "goals.servicepolicy", "fields": {"sheet": sheet_key, "number": number, "text": text}}
        for number, text in sheet.policies
    ]
    for d_index, department in enumerate(sheet.departments, 1):
        objects.append(
            {
                "model": "departments.department",
                "fields": {"ward": ward, "name": department.name, "order": d_index * 10, "retired_on": None},
            }
        )
        objects.append(
            {
                "model": "goals.departmentreport",
                "fields": {
                    "sheet": sheet_key,
                    "department": [*ward, department.name],
                    "status": "not_started",
                },
            }
        )
        for g_index, goal in enumerate(department.goals, 1):
            objects.append(
                {
                    "model": "goals.goal",
                    "fields": {
                        "sheet": sheet_key,
                        "department": [*ward, department.name],
                        "number": goal.number,
                        "order": g_index,
                        "category": [goal.category] if goal.category else None,
                        "text": goal.text,
                        "result": goal.result,
                        "achievement": None,
                    },
                }
            )
    # loaddata resolves natural keys in file order within one fixture.
    order = [
        "departments.city",
        "departments.ward",
        "departments.department",
        "goals.sheet",
        "goals.servicepolicy",
        "goals.departmentreport",
        "goals.goal",
    ]
    objects.sort(key=lambda obj: order.index(obj["model"]))
    return {
        "categories.json": [
            {"model": "goals.category", "fields": {"name": name, "order": i * 10}}
            for i, name in enumerate(CATEGORY_NAMES, 1)
        ],
        "achievement_levels.json": [
            {
                "model": "goals.achievementlevel",
                "fields": {"number": number, "label": label, "description": ACHIEVEMENT_DESCRIPTIONS[number]},
            }
            for number, label in ACHIEVEMENT_LEVELS
        ],
        sheet_file: objects,
    }
