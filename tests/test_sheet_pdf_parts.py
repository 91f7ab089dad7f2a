"""A long sheet's PDF in parts: assembled, it has the pages of the sheet drawn in one piece (text,
count, page numbers, tags, PDF/A's catalog), and a change in one department draws only its part."""

import io
import multiprocessing
import re
import threading
import time

import pikepdf
import pytest
from pypdf import PdfReader

from goals.models import Goal
from goals.seed.synthetic import build_synthetic_sheet
from goals.sheet import drawing, parts, pdf
from goals.sheet.layout import build_layout
from goals.sheet.pagination import plan_pages
from tests.sheet_helpers import pdftotext_pages

_SPACE = re.compile(r"\s+")


def pypdf_pages(content: bytes) -> list[str]:
    return [_SPACE.sub("", page.extract_text()) for page in PdfReader(io.BytesIO(content)).pages]


def structure(content: bytes) -> tuple[dict[str, int], int]:
    """Structure elements by type under the Document, and how many point at a page not in the file."""
    document = pikepdf.open(io.BytesIO(content))
    pages = {page.obj.objgen for page in document.pages}
    counts, stray = {}, 0
    stack = [document.Root.StructTreeRoot.K[0]]
    while stack:
        element = stack.pop()
        if not isinstance(element, pikepdf.Dictionary) or "/S" not in element:
            continue
        counts[str(element.S)] = counts.get(str(element.S), 0) + 1
        if "/Pg" in element and element.Pg.objgen not in pages:
            stray += 1
        kids = element.get("/K")
        stack.extend(kids if isinstance(kids, pikepdf.Array) else [kids])
    return counts, stray


def assert_same_pages(assembled: bytes, whole: bytes) -> None:
    assert pypdf_pages(assembled) == pypdf_pages(whole)
    assert pdftotext_pages(assembled) == pdftotext_pages(whole)


@pytest.fixture
def four_per_part(monkeypatch):
    monkeypatch.setattr(parts, "PART_DEPARTMENTS", 4)


def test_the_seed_in_parts_has_the_pages_of_the_whole(seed, four_per_part):
    layout = build_layout(seed)
    made = pdf.render_parts(layout)
    assert made.parts == 4
    whole = pdf.render_whole(layout)
    assert_same_pages(made.content, whole)
    texts = pypdf_pages(made.content)
    total = len(texts)
    assert total > 4
    for number, text in enumerate(texts, 1):
        assert f"{number}/{total}" in text
        assert parts.PLACEHOLDER.replace(" ", "") not in text


def test_a_goal_that_reads_like_the_page_number_placeholder_keeps_its_text(seed, four_per_part):
    """The page numbers replace the placeholder in the page's margin box, not a goal written the same."""
    goal = Goal.objects.filter(sheet=seed).order_by("department__order", "order")[5]
    goal.text = parts.PLACEHOLDER
    goal.save()
    layout = build_layout(seed)
    made = pdf.render_parts(layout)
    assert made.parts == 4
    assert_same_pages(made.content, pdf.render_whole(layout))
    assert sum(parts.PLACEHOLDER.replace(" ", "") in text for text in pypdf_pages(made.content)) == 1


def test_a_sheet_of_one_part_is_drawn_in_two_halves_with_the_pages_of_the_whole(seed, monkeypatch):
    assembled = []
    assemble = parts.assemble
    monkeypatch.setattr(
        parts, "assemble", lambda contents: assembled.append(len(contents)) or assemble(contents)
    )
    layout = build_layout(seed)
    first, second = parts.halves(layout)
    planned = plan_pages(layout).apply(layout)
    assert [row.index for row in first.rows + second.rows] == [row.index for row in planned.rows]
    assert first.opens_sheet and not second.opens_sheet
    # Cut at one of the plan's own page breaks: each half alone has its share of the pages.
    whole = pdf.render_whole(layout)
    total = len(PdfReader(io.BytesIO(whole)).pages)
    halves = [len(PdfReader(io.BytesIO(pdf.render_half(half, "pdf/ua-1"))).pages) for half in (first, second)]
    assert sum(halves) == total and min(halves) >= 2
    content = pdf.render_pdf(layout)
    assert assembled == [2]
    assert_same_pages(content, whole)
    assert structure(content) == (structure(whole)[0], 0)
    for number, text in enumerate(pypdf_pages(content), 1):
        assert f"{number}/{total}" in text


def test_drawing_processes_started_ahead_draw_the_document_and_end_with_the_block(seed, monkeypatch):
    layout = build_layout(seed)
    whole = pdf.render_whole(layout)
    with pdf.drawing_processes():

        def not_here(*args, **kwargs):
            raise AssertionError("drawn by this process instead of the processes started ahead")

        # The processes were asked for before this: they draw with the real function, this process may not.
        monkeypatch.setattr(pdf, "render_part", not_here)
        content = pdf.render_pdf(layout)
        # Processes forked for one drawing would have ended with it; these wait for the next.
        started = multiprocessing.active_children()
        assert len(started) == pdf.MAX_WORKERS
    assert multiprocessing.active_children() == []
    assert_same_pages(content, whole)


def test_the_sheet_is_prepared_while_the_drawing_processes_start(seed, monkeypatch):
    """The fork server answers once it has loaded WeasyPrint: the command reads the sheet and renders
    its first half meanwhile, instead of waiting for the processes first."""
    events, ready = [], threading.Event()
    new_pool, half_drawing = pdf._new_pool, pdf._half_drawing

    def slow_to_start(method, workers):
        ready.wait(timeout=10)  # as a server still loading would
        events.append("processes ready")
        return new_pool(method, workers)

    def half(*args):
        events.append("half prepared")
        ready.set()
        return half_drawing(*args)

    monkeypatch.setattr(pdf, "_new_pool", slow_to_start)
    monkeypatch.setattr(pdf, "_half_drawing", half)
    layout = build_layout(seed)
    with pdf.drawing_processes():
        content = pdf.render_pdf(layout)
    assert events == ["half prepared", "processes ready", "half prepared"]
    assert_same_pages(content, pdf.render_whole(layout))


def test_each_part_is_put_in_place_while_the_next_are_drawn(seed, four_per_part, monkeypatch):
    """The last part is drawn only once the first is in the document: the assembly goes on while
    the processes draw, instead of starting after the last part."""
    monkeypatch.setattr(parts, "BATCH_DEPARTMENTS", 1)  # a batch per part: four, two at a time
    layout = build_layout(seed)
    last = layout.parts[-1].name
    added = multiprocessing.get_context("fork").Event()
    draw, add = drawing.draw, parts.Assembler.add

    def held_back(prepared):
        # In a drawing process (forked after this patch).
        if last in prepared.html and not added.wait(timeout=10):
            raise AssertionError("the first part was not put in place while the last was drawn")
        return draw(prepared)

    def adding(self, part):
        add(self, part)
        added.set()

    monkeypatch.setattr(drawing, "draw", held_back)
    monkeypatch.setattr(parts.Assembler, "add", adding)
    made = pdf.render_parts(layout)
    assert (made.parts, made.drawn) == (4, 4)
    assert_same_pages(made.content, pdf.render_whole(layout))


def test_a_half_broken_elsewhere_than_planned_gives_the_document_drawn_whole(seed, monkeypatch):
    def missed(prepared):
        raise drawing.PlanMissed("計画と異なる位置で改ページされました。")

    def not_assembled(contents):
        raise AssertionError("halves that missed their plan are not assembled")

    # The drawing processes are forked after this: they miss too.
    monkeypatch.setattr(drawing, "draw", missed)
    monkeypatch.setattr(parts, "assemble", not_assembled)
    layout = build_layout(seed)
    assert_same_pages(pdf.render_pdf(layout), pdf.render_whole(layout))


def test_a_short_document_is_drawn_in_one_piece(seed):
    department = build_layout(seed).parts[0]
    layout = build_layout(seed, departments=[seed.ward.departments.get(pk=department.id)])
    assert parts.halves(layout) is None


def test_the_helper_processes_draw_the_halves(db, seed, settings):
    from goals.sheet import pdf_helper

    settings.PDF_HELPER_PROCESS = True
    layout = build_layout(seed)
    try:
        content = pdf_helper.render_pdf(layout)
    finally:
        pdf_helper.shutdown()
    assert_same_pages(content, pdf.render_whole(layout))


def test_a_sheet_of_many_departments_is_assembled_with_its_tags(db, seed):
    layout = build_layout(build_synthetic_sheet(scale=2))
    made = pdf.render_parts(layout)
    assert made.parts == 2
    whole = pdf.render_whole(layout)
    assert_same_pages(made.content, whole)
    assembled_tags, stray = structure(made.content)
    assert stray == 0
    assert assembled_tags == structure(whole)[0]
    assert assembled_tags["/Table"] >= len(PdfReader(io.BytesIO(whole)).pages)
    document = pikepdf.open(io.BytesIO(made.content))
    assert str(document.Root.Lang) == "ja"
    assert bool(document.Root.MarkInfo.Marked)
    parent_tree = document.Root.StructTreeRoot.ParentTree.Nums
    assert [int(page.obj.StructParents) for page in document.pages] == [
        int(parent_tree[i]) for i in range(0, len(parent_tree), 2)
    ]


def test_the_archival_variant_is_assembled_with_its_output_intent(db, seed):
    layout = build_layout(build_synthetic_sheet(scale=2))
    made = pdf.render_parts(layout, "pdf/a-3a")
    assert made.parts == 2
    document = pikepdf.open(io.BytesIO(made.content))
    assert "/OutputIntents" in document.Root
    with document.open_metadata() as xmp:
        assert xmp.get("pdfaid:part") == "3"
    assert_same_pages(made.content, pdf.render_whole(layout, "pdf/a-3a"))


def test_a_change_in_one_department_draws_only_its_part(db, seed):
    sheet = build_synthetic_sheet(scale=3)
    assert pdf.render_parts(build_layout(sheet)).drawn == 3
    assert pdf.render_parts(build_layout(sheet)).drawn == 0
    goal = Goal.objects.filter(sheet=sheet).order_by("department__order", "order")[20]
    goal.text += "\n窓口の待ち時間を毎月計測し、結果を掲示します。"
    goal.save()
    layout = build_layout(sheet)
    made = pdf.render_parts(layout)
    assert (made.parts, made.drawn) == (3, 1)
    assert_same_pages(made.content, pdf.render_whole(layout))


def test_another_variant_is_drawn_apart(db, seed):
    layout = build_layout(build_synthetic_sheet(scale=2))
    assert pdf.render_parts(layout).drawn == 2
    assert pdf.render_parts(layout, "pdf/a-3a").drawn == 2


def test_the_helper_processes_draw_and_assemble_the_parts(db, seed, settings):
    from goals.sheet import pdf_helper

    settings.PDF_HELPER_PROCESS = True
    layout = build_layout(build_synthetic_sheet(scale=2))
    try:
        content = pdf_helper.render_pdf(layout)
    finally:
        pdf_helper.shutdown()
    assert_same_pages(content, pdf.render_whole(layout))
    assert pdf.render_parts(layout).drawn == 0  # the worker kept the helpers' parts


def test_parts_that_cannot_be_assembled_give_the_sheet_in_one_piece(db, seed, monkeypatch):
    def refuse(nums, pages):
        # As for a part with a link: a structure parent past its pages.
        raise parts.AssemblyFailed("リンクや注釈のある部分は組み立てられません。")

    monkeypatch.setattr(parts, "_check_pages_only", refuse)
    layout = build_layout(build_synthetic_sheet(scale=2))
    made = pdf.render_parts(layout)
    assert (made.parts, made.drawn) == (2, 3)
    assert_same_pages(made.content, pdf.render_whole(layout))


# The parts of a document are looked up in one query and kept with one delete and one insert (in a
# savepoint), then the budget (expired entries, total size): the same for two parts as for four.
PART_STORE_QUERIES = 7


@pytest.mark.parametrize(("per_part", "count"), [(8, 2), (4, 4)])
def test_the_part_store_costs_the_same_queries_for_any_number_of_parts(
    seed, monkeypatch, django_assert_num_queries, per_part, count
):
    monkeypatch.setattr(parts, "PART_DEPARTMENTS", per_part)
    layout = build_layout(seed)
    with django_assert_num_queries(PART_STORE_QUERIES):
        made = pdf.render_parts(layout)
    assert (made.parts, made.drawn) == (count, count)
    time.sleep(1.1)  # the same bytes a second later: nothing in the file comes from the clock
    with django_assert_num_queries(1):
        again = pdf.render_parts(layout)
    assert (again.parts, again.drawn) == (count, 0)
    assert again.content == made.content


def test_a_longer_document_has_at_most_max_parts_of_more_departments(seed, monkeypatch):
    """A city's sheet is cut into at most MAX_PARTS parts: each part opens a page, and its last page
    is left part empty, so more parts would mean more pages to draw. The pages are the whole's."""
    monkeypatch.setattr(parts, "PART_DEPARTMENTS", 2)
    monkeypatch.setattr(parts, "MAX_PARTS", 4)
    layout = build_layout(seed)
    assert parts.part_size(len(layout.parts)) == 4  # 15 departments: 4, 4, 4 and 3
    _, groups = parts.split(layout)
    assert [len(group.parts) for group in groups] == [4, 4, 4, 3]
    made = pdf.render_parts(layout)
    assert (made.parts, made.drawn) == (4, 4)
    assert_same_pages(made.content, pdf.render_whole(layout))


def _jobs(*departments):
    from types import SimpleNamespace

    return [(SimpleNamespace(parts=range(count)), "pdf/ua-1", False) for count in departments]


@pytest.mark.parametrize(
    ("departments", "workers", "sizes"),
    [
        ([15] * 10, 2, [5, 5]),  # 10x: one pass of 75 departments per process
        ([38] * 11 + [32], 2, [2] * 6),  # 30x in 12 parts: three passes each, about 76 departments each
        ([15] * 3, 2, [2, 1]),
        ([15] * 10, 1, [5, 5]),
        ([120], 2, [1]),  # a part larger than a batch is a batch
    ],
)
def test_batches_hold_about_the_same_departments_and_keep_both_processes_busy(departments, workers, sizes):
    jobs = _jobs(*departments)
    made = parts.batches(jobs, workers)
    assert [len(batch) for batch in made] == sizes
    assert [job for batch in made for job in batch] == jobs  # every job once, in document order


def test_a_document_of_one_part_is_not_kept_twice(seed, django_assert_num_queries):
    # The download's own store keeps it; the part store would hold the same bytes again.
    layout = build_layout(seed)
    with django_assert_num_queries(0):
        made = pdf.render_parts(layout)
    assert (made.parts, made.drawn) == (1, 1)
