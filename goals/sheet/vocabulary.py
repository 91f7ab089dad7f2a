"""The official sheet's own words, in one place.

The layout prints them, the seed parser and the workbook importer look for
them, and history and import plans name fields with them, so a heading
spelled one way on paper is spelled the same everywhere. Django-free.
"""

TITLE_SUFFIX = "向上指針取組シート"
POLICY_HEADING = "区役所サービス向上方針"
GOALS_HEADING = "区役所サービス向上目標"

DEPARTMENT_HEADER = "部署名"
NUMBER_HEADER = "番号"
CATEGORY_HEADER = "区分"
GOAL_HEADER = "目標及び具体的な取組内容"
RESULT_HEADER = "実施結果及び目標の達成度"
HEADERS = (DEPARTMENT_HEADER, NUMBER_HEADER, CATEGORY_HEADER, GOAL_HEADER, RESULT_HEADER)

# What one field of a goal is called wherever a person reads about a change to it.
FIELD_LABELS = {
    "number": NUMBER_HEADER,
    "category": CATEGORY_HEADER,
    "text": GOAL_HEADER,
    "result": "実施結果",
    "achievement": "達成度",
    "order": "表示順",
}

# Header cells as offices type them, with spaces and line breaks removed (lib.cells.squeeze):
# the importer finds each column by any of these.
HEADER_ALIASES = {
    "department": {DEPARTMENT_HEADER, "部署", "担当部署", "所属", "課名"},
    "number": {NUMBER_HEADER, "目標番号", "No", "No.", "NO", "NO.", "№"},
    "category": {CATEGORY_HEADER},
    "text": {GOAL_HEADER, "目標及び取組内容", "目標", "取組内容", "具体的な取組内容"},
    "result": {RESULT_HEADER, "実施結果及び達成度", "実施結果"},
    "achievement": {"達成度", "目標の達成度"},
}
