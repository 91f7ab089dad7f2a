"""WeasyPrint asked where a line ends about less text than it would lay out itself
(goals/sheet/weasy.split_first_line), and its streams compressed at zlib's default level: the same
pages, byte for byte and stream for stream."""

import io
import zlib

import pikepdf
import pydyf
import pytest
from weasyprint.layout import inline

from goals.models import Goal
from goals.sheet import drawing, pdf, weasy
from goals.sheet.layout import build_layout
from goals.sheet.pagination import plan_pages
from tests.sheet_helpers import hand_in
from tests.test_sheet_markup import TYPED, drawn_anyhow, sheet_drawings, typed_department

# Text where a line's end could depend on what follows it: half-width letters and digits (more
# characters to a line than the prefix assumes), words longer than a line, soft hyphens, characters
# that may not open a line (。」、ー…) at and around the prefix's end, line breaks just before and
# after it, tabs and full-width spaces, and lengths either side of it.
EDGES = [
    "令和7年度 ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz 0123456789 " * 6,
    "https://www.city.example.lg.jp/" + "a" * 150 + " 以上です。",
    "Verwaltungs\xaddigitalisierungs\xadstrategie und Bürger\xadservice " * 6,
    "あ" * 27 + "。」、" + "い" * 40 + "ー" * 12 + "……" * 10 + "う" * 30,
    ("一" * 30 + "\n") * 4,
    ("二" * 34 + "\n" + "三" * 5) * 3,
    "\t項目　" * 30,
    "１２３４５６７８９０" * 4 + "件（前年度比１２０％）" * 5,
    *("あ" * length for length in (27, 28, 29, 35, 36, 41, 42, 43, 47, 48, 49, 60)),
    *("数字12345と英字abcde、" * count for count in (3, 4, 5, 7)),
]


def edge_drawings(sheet, variant="pdf/ua-1"):
    """The sheet whole, and a department whose goals and results are the typed and edge texts."""
    department = typed_department(sheet, [*TYPED, *EDGES, "長い目標です。" * 120])
    for goal in Goal.objects.filter(department=department):
        goal.result = goal.text[::-1]
        goal.save(update_fields=["result"])
    hand_in(sheet, department.name)
    layouts = [build_layout(sheet), build_layout(sheet, department)]
    return [
        pdf._drawing(plan_pages(layout).apply(layout), variant, numbered)
        for layout in layouts
        for numbered in (True, False)
    ]


def drawn_by_weasyprint_alone(prepared, monkeypatch):
    with monkeypatch.context() as patched:
        patched.setattr(inline, "split_first_line", weasy.WEASYPRINT_SPLIT_FIRST_LINE)
        return [drawn_anyhow(each) for each in prepared]


@pytest.mark.parametrize("variant", ["pdf/ua-1", "pdf/a-3a"])
def test_lines_end_where_weasyprints_own_lines_end(seed, monkeypatch, variant):
    prepared = edge_drawings(seed, variant)
    assert inline.split_first_line is weasy.split_first_line
    ours = [drawn_anyhow(each) for each in prepared]
    assert ours == drawn_by_weasyprint_alone(prepared, monkeypatch)


def test_every_kind_of_sheet_drawing_gives_the_same_bytes(seed, monkeypatch):
    prepared = sheet_drawings(seed, "pdf/ua-1")
    assert [drawn_anyhow(each) for each in prepared] == drawn_by_weasyprint_alone(prepared, monkeypatch)


def test_weasyprint_is_asked_about_a_line_and_a_quarter(seed, monkeypatch):
    """Most lines of the seed are found from the prefix, and few are asked again with all the text."""
    asked, theirs = [], weasy.WEASYPRINT_SPLIT_FIRST_LINE

    def recording(text, style, *args):
        asked.append((len(text), style["white_space"]))
        return theirs(text, style, *args)

    monkeypatch.setattr(weasy, "WEASYPRINT_SPLIT_FIRST_LINE", recording)
    layout = build_layout(seed)
    drawing.draw(pdf._drawing(plan_pages(layout).apply(layout), "pdf/ua-1"))
    wrapped = [length for length, white_space in asked if white_space == "pre-wrap"]
    # The result column: 43 % of the table, 9 pt text, about 36 characters to a line.
    longest_prefix = int(36.6 * 1.25) + weasy._LOOKAHEAD
    assert len(wrapped) > 150
    assert sum(length <= longest_prefix for length in wrapped) / len(wrapped) > 0.9


def test_text_with_a_soft_hyphen_is_left_to_weasyprint_whole(seed, monkeypatch):
    """WeasyPrint may hyphenate at any soft hyphen in what follows a line (its manual hyphenation
    reads the rest of the text), so such a text is never cut: WeasyPrint is asked about all of it."""
    hyphenated = "行政\xadサービスの\xad向上" * 12
    plain_text = "行政サービスの向上" * 12
    department = typed_department(seed, [hyphenated, plain_text])
    asked, theirs = [], weasy.WEASYPRINT_SPLIT_FIRST_LINE

    def recording(text, style, *args):
        asked.append(text)
        return theirs(text, style, *args)

    monkeypatch.setattr(weasy, "WEASYPRINT_SPLIT_FIRST_LINE", recording)
    layout = build_layout(seed, department)
    drawing.draw(pdf._drawing(plan_pages(layout).apply(layout), "pdf/ua-1"))
    assert hyphenated in asked
    assert plain_text not in asked and any(plain_text.startswith(text) for text in asked)


def test_a_line_ended_elsewhere_would_show(seed, monkeypatch):
    """The comparison above sees a single line that ends one character early."""
    prepared = edge_drawings(seed)[:1]
    ours = [drawn_anyhow(each) for each in prepared]

    def a_character_short(text, style, context, max_width, *args, **kwargs):
        return weasy.WEASYPRINT_SPLIT_FIRST_LINE(
            text, style, context, max_width - style["font_size"], *args, **kwargs
        )

    monkeypatch.setattr(inline, "split_first_line", a_character_short)
    assert [drawn_anyhow(each) for each in prepared] != ours


def flate_streams(content: bytes):
    """Every compressed stream's bytes as stored and decompressed, but the cross-reference stream's
    (byte offsets, which move with the other streams' sizes)."""
    with pikepdf.open(io.BytesIO(content)) as document:
        for item in document.objects:
            if (
                isinstance(item, pikepdf.Stream)
                and item.get("/Filter") == pikepdf.Name.FlateDecode
                and item.get("/Type") != pikepdf.Name.XRef
            ):
                yield item.read_raw_bytes(), item.read_bytes()


def test_streams_are_compressed_at_the_default_level_with_the_same_content(seed, monkeypatch):
    layout = build_layout(seed)
    prepared = pdf._drawing(plan_pages(layout).apply(layout), "pdf/ua-1")
    ours = drawing.draw(prepared)[0]
    monkeypatch.setattr(pydyf, "zlib", zlib)
    theirs = drawing.draw(prepared)[0]
    ours_streams, their_streams = list(flate_streams(ours)), list(flate_streams(theirs))
    assert len(ours_streams) == len(their_streams) > 10
    assert [data for _, data in ours_streams] == [data for _, data in their_streams]
    assert all(raw == zlib.compress(data, 6) for raw, data in ours_streams)
    assert all(raw == zlib.compress(data, 9) for raw, data in their_streams)
    assert len(ours) < len(theirs) * 1.03
