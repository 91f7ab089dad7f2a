"""The sheet's markup as WeasyPrint receives it: parsed by expat where it is well-formed, to the tree
WeasyPrint's own HTML5 parser builds, and by that parser where it is not."""

from pathlib import Path

import pytest
import tinyhtml5

from departments.models import Department
from goals.lib.text import plain
from goals.models import DepartmentReport, Goal, Sheet
from goals.sheet import drawing, parts, pdf, weasy
from goals.sheet.layout import build_layout
from goals.sheet.pagination import plan_pages
from tests.sheet_helpers import pypdf_text

# Text a person could type or paste, all of it characters XML allows.
TYPED = [
    '<img src="https://example.invalid/x.png"> & "quoted" \'single\' ]]> <!-- --> <?xml ?> {{ x }}',
    "一行目\r\n二行目\n\n\t字下げ　全角空白",
    "   ",
    "  前後に空白  ",
    "絵文字🏢と結合文字か\u3099と右横書き\u200fの印と行区切り\u2028まで",
    "&amp; &lt;b&gt; &#x27; &nbsp;",
]


def canonical(element, top=False):
    """Tag, attributes, text and children with their tails. Whitespace between the document's
    top-level elements (around <head> and <body>, after <main>) is left out: HTML5 moves or drops
    it, and it lays out to nothing."""

    def text(value, blank_ignored):
        return "" if value is None or (blank_ignored and not value.strip()) else value

    return (
        element.tag,
        sorted(element.attrib.items()),
        text(element.text, top),
        [(canonical(child, child.tag in ("head", "body")), text(child.tail, top)) for child in element],
    )


def typed_department(sheet, texts):
    department = Department.objects.create(ward=sheet.ward, name="試験課", order=99)
    DepartmentReport.objects.create(sheet=sheet, department=department)
    for number, text in enumerate(texts, 1):
        Goal.objects.create(sheet=sheet, department=department, number=str(number), order=number, text=text)
    return department


def drawings(sheet, department):
    layout = build_layout(sheet, department)
    return [pdf._drawing(layout, "pdf/ua-1", numbered) for numbered in (True, False)]


def test_the_sheet_is_read_as_xml_into_the_tree_html5_builds(seed):
    department = typed_department(seed, TYPED)
    for prepared in drawings(seed, department):
        tree = weasy._well_formed(prepared.html)
        assert tree is not None, "the template's markup is no longer well-formed: every PDF is parsed slowly"
        html5 = tinyhtml5.parse(prepared.html, namespace_html_elements=False)
        assert canonical(tree, top=True) == canonical(html5, top=True)
        texts = [cell.text or "" for cell in tree.iter("td") if cell.get("class") == "goal-text"]
        # Read back as printed (goals.lib.text.plain), a line break as HTML reads it (CR LF as LF).
        assert [plain(text).replace("\r\n", "\n") for text in TYPED if text.strip()] == [
            text for text in texts if text
        ]


def test_either_parser_gives_the_same_pdf(seed, monkeypatch):
    prepared = drawings(seed, typed_department(seed, TYPED))[0]
    assert weasy._well_formed(prepared.html) is not None
    with_expat = drawing.draw(prepared)
    monkeypatch.setattr(weasy, "_well_formed", lambda html: None)
    assert drawing.draw(prepared) == with_expat


def test_markup_xml_cannot_read_is_drawn_by_weasyprints_own_parser():
    html = '<!doctype html><html lang="ja"><body><p hidden>隠す</p><p>改行しない&nbsp;空白</p></body></html>'
    assert weasy._well_formed(html) is None
    content = drawing.write(drawing.lay_out(drawing.Drawing(html, pdf.BASE_URL, ())), (), "pdf/ua-1")
    text = pypdf_text(content)
    assert "改行しない" in text and "隠す" not in text


def test_a_noncharacter_in_a_goal_is_dropped_and_the_text_stays_readable(seed):
    department = typed_department(seed, ["非文字\ufffe入り", "次も\uffff読める"])
    prepared = pdf._drawing(build_layout(seed, department), "pdf/ua-1")
    assert "\ufffe" not in prepared.html and weasy._well_formed(prepared.html) is not None
    content = drawing.draw(prepared)[0]
    text = pypdf_text(content)
    assert "非文字入り" in text.replace("\n", "") and "次も読める" in text.replace("\n", "")


@pytest.mark.parametrize(
    "html",
    [
        '<!doctype html><html><head><base href="https://example.invalid/"></head><body><p>x</p></body></html>',
        "<!doctype html><html><body><p hidden>x</p></body></html>",
        "<!doctype html><html><body><p>a&nbsp;b</p></body></html>",
        '<!doctype html><html xmlns:x="urn:x"><body><p x:y="1">x</p></body></html>',
        '<!doctype html><html><body><p xml:lang="en">x</p></body></html>',
        "<!doctype html><html><body><p>unclosed</body></html>",
        "<svg><p>not html</p></svg>",
        '<!DOCTYPE html [<!ENTITY a "aaaaaaaa">]><html><body><p>&a;&a;</p></body></html>',
        '<!doctype html><!DOCTYPE x SYSTEM "file:///etc/passwd"><html><body><p>x</p></body></html>',
    ],
)
def test_what_xml_would_read_otherwise_is_left_to_html5(html):
    assert weasy._well_formed(html) is None


def test_the_document_is_weasyprints_own_with_the_tree_replaced():
    html = '<!doctype html><html lang="ja"><head><meta charset="utf-8"></head><body><p>本文</p></body></html>'
    fetcher = drawing.fetcher(())
    ours = weasy.html_document(html, pdf.BASE_URL, fetcher)
    theirs = weasy.HTML(string=html, base_url=pdf.BASE_URL, url_fetcher=fetcher)
    # A WeasyPrint that set more on its documents would need it set here too.
    assert vars(ours).keys() == vars(theirs).keys()
    assert ours.etree_element.find("body/p").text == "本文"
    assert ours.base_url == theirs.base_url and ours.url_fetcher is fetcher


def sheet_drawings(sheet, variant):
    """A drawing of every kind the sheet makes, with every element and attribute its templates
    write: whole and numbered, a part after the first (placeholder numbers, no title or policies),
    typed text, a goal continued over pages (（続き） marks), draft and final."""
    department = typed_department(sheet, [*TYPED, "長い目標です。" * 280])
    prepared = []
    for phase in (sheet.phase, Sheet.Phase.CLOSED):
        Sheet.objects.filter(pk=sheet.pk).update(phase=phase)
        sheet.refresh_from_db()
        layout = build_layout(sheet)
        _, groups = parts.split(layout, 5)
        for part, numbered in ((layout, True), (groups[1], False), (build_layout(sheet, department), False)):
            prepared.append(pdf._drawing(plan_pages(part).apply(part), variant, numbered))
    return prepared


@pytest.mark.parametrize("variant", ["pdf/ua-1", "pdf/a-3a"])
def test_the_sheets_own_user_agent_rules_give_the_same_pdf(seed, monkeypatch, variant):
    prepared = sheet_drawings(seed, variant)
    for each in prepared:
        document = weasy.html_document(each.html, each.base_url, drawing.fetcher(each.resources))
        assert isinstance(document, weasy._SheetDocument)
    drawn = [drawn_anyhow(each) for each in prepared]
    markup = "".join(each.html for each in prepared)
    assert all(
        mark in markup
        for mark in ("continued-mark", "（続き）", "sheet-statement draft", "sheet-statement final")
    )
    monkeypatch.setattr(weasy, "_sheet_markup", lambda tree: False)
    for each, pieces in zip(prepared, drawn, strict=True):
        document = weasy.html_document(each.html, each.base_url, drawing.fetcher(each.resources))
        assert type(document) is weasy.HTML
        assert drawn_anyhow(each) == pieces


def drawn_anyhow(prepared):
    """The pieces as laid out, wherever the pages broke (the plan's check is not what is tested)."""
    document = drawing.lay_out(prepared)
    return drawing.cut(document, drawing.rows_by_page(document), prepared.pieces, prepared.variant)


def test_a_user_agent_rule_left_out_would_show(seed, monkeypatch):
    prepared = drawings(seed, typed_department(seed, TYPED))[0]
    drawn = drawing.draw(prepared)
    rules = Path(weasy.__file__).with_name("user_agent.css").read_text()
    assert "strong, th { font-weight: bold }" in rules
    monkeypatch.setattr(weasy, "SHEET_USER_AGENT", weasy.CSS(string=rules.replace("strong, th {", "th {")))
    assert drawing.draw(prepared) != drawn


@pytest.mark.parametrize(
    "markup",
    [
        '<p hidden="">隠す</p>',
        '<div hidden="">隠す</div>',
        '<p dir="rtl" hidden="">隠す</p>',
        '<p style="">隠す</p>',
    ],
)
def test_markup_the_sheet_does_not_write_gets_all_of_weasyprints_rules(markup):
    html = f'<!doctype html><html lang="ja"><body><p>本文</p>{markup}</body></html>'
    document = weasy.html_document(html, pdf.BASE_URL, drawing.fetcher(()))
    assert weasy._well_formed(html) is not None and not isinstance(document, weasy._SheetDocument)
    content = drawing.write(document.render(), (), "pdf/ua-1")
    text = pypdf_text(content)
    assert "本文" in text and ("隠す" not in text) == ("hidden" in markup)


def test_without_the_check_such_markup_would_print_wrongly(monkeypatch):
    monkeypatch.setattr(weasy, "_sheet_markup", lambda tree: True)
    html = '<!doctype html><html lang="ja"><body><p>本文</p><p hidden="">隠す</p></body></html>'
    content = drawing.write(
        weasy.html_document(html, pdf.BASE_URL, drawing.fetcher(())).render(), (), "pdf/ua-1"
    )
    assert "隠す" in pypdf_text(content)
