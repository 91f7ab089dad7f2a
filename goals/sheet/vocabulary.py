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

# What the sheet says about itself on every page (PDF, print view, workbook header).
DRAFT_MARK = "作成中（案）"
FINAL_MARK = "確定"


def draft_statement(phase: str, output_date: str) -> str:
    return f"{phase}の段階の作業用の写しです。確定版ではありません（{output_date}出力）"


def final_statement(closed_on: str, output_date: str) -> str:
    closed = f"{closed_on}に確定した" if closed_on else "確定した"
    return f"{closed}取組シートです（{output_date}出力）"


# The achievement level as printed in the result column, and the scale's legend.
ACHIEVEMENT_PREFIX = "達成度："
LEGEND_HEADING = "達成度の凡例"

# In the result cells of a department whose results were not handed in (未入力・入力中),
# or were handed in and returned (差戻し): a returned report is a draft again.
NOT_SUBMITTED_MARK = "未提出"
RETURNED_MARK = "未提出（差戻し中）"
# The department page shows results not yet handed in with this word.
DRAFT_RESULT_MARK = "下書き（未提出）"

# A department, or a goal too long for one page, continued on the next page.
CONTINUED_MARK = "（続き）"

# The sheet filtered to the departments 総務課 has confirmed.
CONFIRMED_ONLY_NOTE = "確認済みの部署のみ掲載"
CONFIRMED_ONLY_FILENAME = "確認済みのみ"

# The workbook's second worksheet: one row per goal, for filtering, sorting and pivoting.
FLAT_SHEET_TITLE = "一覧"
FLAT_HEADERS = (
    "区",
    "年度",
    "部署",
    "番号",
    "区分",
    "目標",
    "実施結果",
    "達成度",
    "達成度の名称",
    "提出状況",
)
