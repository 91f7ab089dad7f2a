"""A long sheet's PDF drawn in parts of a few departments each, kept, and assembled.

A whole-ward or city PDF costs about 100 ms a page to draw, and a change in
one department would otherwise draw every page again. Here the departments
are taken in groups of PART_DEPARTMENTS (more in a document that would
otherwise have more than MAX_PARTS parts), in sheet order; each group opens a
page (pagination.py forces the break, so the whole sheet drawn in one piece
has the same pages) and is drawn on its own, its pages numbered with a
placeholder. A part is kept under a key made of everything printed on its
pages (its rows, the table header with the statement, the output date, the
title and policies for the first part, the variant, the template and the
stylesheet): a part whose key is known is not drawn again. The parts are
put together with qpdf (pikepdf), each as it comes while the drawing
processes draw the next (Assembler): pages, the structure tree (every part's
elements under one Document element, the parent tree renumbered), the first
part's outline and metadata, and at the end the page numbers ("3 / 60")
written in place of the placeholder in the font the part embedded for it.

Groups are cut by position, not by height, so that a change inside one
department changes only its own part; adding or removing a department
shifts the groups after it (a reorganization, once a year). A sheet of at
most PART_DEPARTMENTS departments (the seed ward has 15) is one part, kept
whole by the download's own store; where two cores are free it is drawn as
two halves cut at one of its planned page breaks (`halves`) and assembled
the same way, so that it has exactly the pages it has drawn in one piece.

Nothing here imports WeasyPrint: the app worker plans, looks up and
assembles; `draw` (goals/sheet/pdf.py, or the helper processes of
goals/sheet/pdf_helper.py) draws the missing parts, in parallel when there
are several.
"""

import hashlib
import io
import re
import zlib
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.cache import InvalidCacheBackendError, caches

from goals.sheet.drawing import PlanMissed
from goals.sheet.layout import SheetLayout
from goals.sheet.pagination import plan_pages

PART_DEPARTMENTS = 15
# Printed in the page-number box of a part's pages: every glyph a page number needs, so that the
# part's embedded font has them, and a text no sheet prints there otherwise.
PLACEHOLDER = "0123456789 /"
# A city's document is cut into at most this many parts, of more departments each. Every part
# opens a page, so its last page is left part empty: in 30 parts of the 30x sheet that was a tenth
# of the pages (210 against 189), while a change in one department redraws one part either way.
MAX_PARTS = 12
# Departments drawn in one WeasyPrint pass (their pages then written one part at a time): the
# stylesheets are parsed and the fonts set up once per pass, and memory stays that of about 35 pages.
BATCH_DEPARTMENTS = 80
# A document drawn in one piece is drawn as two halves on two cores from this many pages on: below
# it the second pass and the assembly cost more than they save.
HALVE_PAGES = 4
# The in-process store when the project configures no "documents" cache: about 30 MB at most.
LOCAL_ENTRIES = 96
_SOURCES = (
    "templates/goals/sheet_document.html",
    "templates/goals/_sheet.html",
    "static/css/sheet.css",
    "goals/sheet/user_agent.css",
)


@dataclass(frozen=True)
class Assembly:
    content: bytes
    parts: int  # parts the document is made of
    drawn: int  # parts drawn for this call (the others came from the store)


def split(layout: SheetLayout, size: int | None = None) -> tuple[SheetLayout, list[SheetLayout]]:
    """The layout with each group's first department marked to open a page, and the groups' layouts.

    Each group's rows are numbered from 0, so that a group's layout (and key)
    does not change when an earlier department gains or loses a goal.
    """
    size = size or part_size(len(layout.parts))
    if len(layout.parts) <= size:
        return layout, [layout]
    marked = tuple(replace(part, opens_part=i > 0 and i % size == 0) for i, part in enumerate(layout.parts))
    groups = []
    for start in range(0, len(marked), size):
        departments, index = [], 0
        for part in marked[start : start + size]:
            rows = tuple(replace(row, index=index + i) for i, row in enumerate(part.rows))
            departments.append(replace(part, rows=rows, opens_part=False))
            index += len(rows)
        groups.append(replace(layout, parts=tuple(departments), opens_sheet=start == 0))
    return replace(layout, parts=marked), groups


def join(groups: list[SheetLayout]) -> tuple[SheetLayout, list[int]]:
    """Several parts as one layout (each opening a page), and the row that opens each part."""
    departments, firsts, index = [], [], 0
    for group in groups:
        firsts.append(index)
        for number, part in enumerate(group.parts):
            rows = tuple(replace(row, index=index + i) for i, row in enumerate(part.rows))
            departments.append(replace(part, rows=rows, opens_part=number == 0 and index > 0))
            index += len(rows)
    return replace(groups[0], parts=tuple(departments)), firsts


def part_size(departments: int) -> int:
    """Departments per part in a document of this many."""
    return max(PART_DEPARTMENTS, -(-departments // MAX_PARTS))


def batches(jobs: list, workers: int) -> list[list]:
    """The jobs (part layout, variant, numbered) in document order, in batches of at most about
    BATCH_DEPARTMENTS departments (a part at least), as many batches as a multiple of `workers`, so
    that the processes finish together."""
    workers = max(workers, 1)
    most = max(1, BATCH_DEPARTMENTS // max(len(layout.parts) for layout, _, _ in jobs))
    count = workers * -(-len(jobs) // (workers * most))
    size = -(-len(jobs) // count)
    return [jobs[i : i + size] for i in range(0, len(jobs), size)]


def halves(layout: SheetLayout) -> tuple[SheetLayout, SheetLayout] | None:
    """A document of one part as two planned halves, cut where the plan starts a page near the middle.

    Each half draws exactly the pages the whole would (the cut is one of the
    plan's own page breaks, and the second half goes on as a part drawn on
    its own does), so the halves drawn side by side and assembled are the
    document drawn in one piece. None for a document too short to gain.
    """
    planned = plan_pages(layout).apply(layout)
    starts = [i for i, part in enumerate(planned.parts) if part.starts_page]
    if len(starts) + 1 < HALVE_PAGES:
        return None
    # Drawing costs about as much as the text printed: the first page also prints the policies.
    weights = [sum(len(row.text) + len(row.result_cell) + 8 for row in part.rows) for part in planned.parts]
    total = sum(weights) + sum(len(policy.text) for policy in layout.policies)
    cut = min(starts, key=lambda start: abs(total - 2 * sum(weights[start:])))
    first = replace(planned, parts=planned.parts[:cut])
    rest = (replace(planned.parts[cut], starts_page=False), *planned.parts[cut + 1 :])
    return first, replace(planned, parts=rest, opens_sheet=False)


def draw_in_halves(layout: SheetLayout, variant: str, draw_halves, assemble_halves, draw_whole) -> bytes:
    """A whole document drawn as `halves` side by side (`draw_halves(halves, variant)` -> their PDFs)
    and put together by `assemble_halves`; drawn whole (`draw_whole()`) when too short to gain, when
    the renderer broke a half elsewhere than planned, or when the halves cannot be assembled."""
    pieces = halves(layout)
    if pieces:
        try:
            return assemble_halves(draw_halves(pieces, variant))
        except (PlanMissed, AssemblyFailed):
            pass
    return draw_whole()


def render(layout: SheetLayout, variant: str, draw, assemble_parts=None) -> Assembly:
    """The PDF of `layout`, its parts from the store or drawn by `draw`.

    `draw(jobs)` takes a list of (part layout, variant, numbered) and returns
    their PDFs in order, as a list or as they are drawn (an iterator);
    `numbered` is False for parts of a larger document (their page numbers
    are the placeholder). Each part is put in place here as it comes, while
    the drawing processes draw the next ones, unless `assemble_parts(parts)`
    assembles them all at once elsewhere.
    """
    marked, groups = split(layout)
    whole = len(groups) == 1
    if whole:
        # A document of one part is the document: the download's own store keeps it, once.
        return Assembly(next(iter(draw([(groups[0], variant, True)]))), 1, 1)
    keys = [part_key(group, variant, whole) for group in groups]
    store = part_store()
    found = store.get_many(keys)
    missing = [i for i, key in enumerate(keys) if key not in found]
    drawn = iter(draw([(groups[i], variant, whole) for i in missing]) if missing else ())
    assembler = Assembler() if assemble_parts is None else _AssembledElsewhere(assemble_parts)
    failed, new = False, {}
    for key in keys:
        if key in found:
            content = found[key]
        else:
            content = new[key] = next(drawn)
        if not failed:
            try:
                assembler.add(content)
            except AssemblyFailed:
                failed = True  # the rest are still drawn, and kept
    if new:
        store.set_many(new)
    if not failed:
        try:
            return Assembly(assembler.finish(), len(groups), len(missing))
        except AssemblyFailed:
            pass
    # Something the assembly does not renumber (a link, a form field): the sheet in one piece.
    return Assembly(next(iter(draw([(marked, variant, True)]))), len(groups), len(missing) + 1)


class _AssembledElsewhere:
    """The parts collected as they come and handed to `assemble_parts` at the end (the web's helper
    processes assemble in a helper)."""

    def __init__(self, assemble_parts):
        self._assemble, self._parts = assemble_parts, []

    def add(self, part: bytes) -> None:
        self._parts.append(part)

    def finish(self) -> bytes:
        return self._assemble(self._parts)


def part_key(group: SheetLayout, variant: str, numbered: bool) -> str:
    """Everything printed on the part's pages, and what draws it."""
    digest = hashlib.sha256(repr((group, variant, numbered, _drawing_version())).encode())
    return f"sheet-pdf-part:{digest.hexdigest()}"


@lru_cache(maxsize=1)
def _drawing_version() -> str:
    """The template and stylesheets the parts were drawn with, and the renderer's version."""
    from importlib.metadata import version

    root = Path(settings.BASE_DIR)
    sources = b"".join((root / name).read_bytes() for name in _SOURCES if (root / name).exists())
    return hashlib.sha256(sources).hexdigest() + version("weasyprint")


_local = None


def part_store():
    """Where parts are kept: the shared "documents" cache where the project defines one, else a
    bounded cache in this process."""
    global _local
    try:
        return caches["documents"]
    except InvalidCacheBackendError:
        pass
    if _local is None:
        from django.core.cache.backends.locmem import LocMemCache

        _local = LocMemCache("sheet-pdf-parts", {"OPTIONS": {"MAX_ENTRIES": LOCAL_ENTRIES}})
    return _local


# --- assembly ---------------------------------------------------------------------------------

_TEXT_RUN = re.compile(
    rb"1 0 0 -1 (?P<x>-?[\d.]+) (?P<y>-?[\d.]+) Tm\n/(?P<font>[^\s/]+) (?P<size>[\d.]+) Tf\n"
    rb"\[(?P<glyphs>[^\]]*)\] TJ"
)
_HEX = re.compile(rb"<([0-9a-fA-F]*)>")


class AssemblyFailed(RuntimeError):
    pass


def load_assembler() -> None:
    """Load qpdf (pikepdf, about 20 ms) ahead of `assemble`, at a moment the process would wait anyway."""
    import pikepdf  # noqa: F401


def assemble(parts: list[bytes]) -> bytes:
    """One tagged PDF of the parts' pages in order, numbered "n / total" (see Assembler)."""
    assembler = Assembler()
    for part in parts:
        assembler.add(part)
    return assembler.finish()


class Assembler:
    """One tagged PDF put together part by part, in order, as the parts come; numbered and written
    by `finish`.

    qpdf (pikepdf) copies each later part's pages and, through the same
    copier, its structure elements, so that they point at the copied pages;
    the first part's catalog (language, outline, metadata, output intent)
    is the document's.
    """

    def __init__(self):
        self._out = None

    def add(self, part: bytes) -> None:
        import pikepdf

        if self._out is None:
            self._out = out = pikepdf.open(io.BytesIO(part))
            self._tree = out.Root.StructTreeRoot
            self._document = self._tree.K[0] if isinstance(self._tree.K, pikepdf.Array) else self._tree.K
            self._nums = self._tree.ParentTree.Nums
            self._offset = len(out.pages)
            _check_pages_only(self._nums, self._offset)
            return
        out, document, nums, offset = self._out, self._document, self._nums, self._offset
        source = pikepdf.open(io.BytesIO(part))
        count = len(source.pages)
        out.pages.extend(source.pages)
        copied_tree = out.copy_foreign(source.Root.StructTreeRoot)
        old_document = copied_tree.K[0] if isinstance(copied_tree.K, pikepdf.Array) else copied_tree.K
        for kid in old_document.K:
            if isinstance(kid, pikepdf.Dictionary):
                kid.P = document
            document.K.append(kid)
        old_nums = copied_tree.ParentTree.Nums
        _check_pages_only(old_nums, count)
        for i in range(0, len(old_nums), 2):
            key, elements = int(old_nums[i]), old_nums[i + 1]
            for element in elements:
                if element.get("/P") is not None and element.P.objgen == old_document.objgen:
                    element.P = document
            nums.append(offset + key)
            nums.append(elements)
            out.pages[offset + key].obj.StructParents = offset + key
        # The copies read their stream data from the part until saved: take it now and let the
        # part go, so that memory holds one part at a time beside the document.
        _own_streams([out.pages[offset + i].obj for i in range(count)], set())
        source.close()
        self._offset = offset + count

    def finish(self) -> bytes:
        import pikepdf

        out, fonts_seen = self._out, {}
        total = len(out.pages)
        self._tree.ParentTreeNextKey = total
        for number, page in enumerate(out.pages, 1):
            _number_page(page, number, total, fonts_seen, out)
        output = io.BytesIO()
        # The file's /ID from its content, not the clock: the same parts give the same bytes.
        out.save(output, object_stream_mode=pikepdf.ObjectStreamMode.generate, deterministic_id=True)
        return output.getvalue()


def _own_streams(objects, seen: set) -> None:
    import pikepdf

    while objects:
        item = objects.pop()
        if isinstance(item, pikepdf.Stream) or isinstance(item, pikepdf.Dictionary):
            if item.is_indirect:
                if item.objgen in seen:
                    continue
                seen.add(item.objgen)
            if isinstance(item, pikepdf.Stream):
                item.write(
                    item.read_raw_bytes(), filter=item.get("/Filter"), decode_parms=item.get("/DecodeParms")
                )
            objects.extend(value for key, value in item.items() if key not in ("/Parent", "/P"))
        elif isinstance(item, pikepdf.Array):
            objects.extend(item)


def _check_pages_only(nums, pages: int) -> None:
    """Links and form fields (structure parents past the pages) are not renumbered here."""
    if any(int(nums[i]) >= pages for i in range(0, len(nums), 2)):
        raise AssemblyFailed("リンクや注釈のある部分は組み立てられません。")


def _number_page(page, number: int, total: int, fonts_seen: dict, pdf) -> None:
    """Write "number / total" where the part printed the placeholder, centred as it was."""
    import pikepdf

    contents = page.obj.Contents
    data = contents.read_bytes()
    fonts = page.obj.Resources.Font
    # WeasyPrint paints a page's margin boxes after its content: the last run printing the placeholder
    # is the page number, even where a goal's text reads the same.
    for match in reversed(list(_TEXT_RUN.finditer(data))):
        name = "/" + match["font"].decode()
        if name not in fonts:
            continue
        font = fonts[name]
        key = font.objgen
        if key not in fonts_seen:
            fonts_seen[key] = _font_numbers(font)
        glyphs, widths, wanted = fonts_seen[key]
        if wanted is None or b"".join(_HEX.findall(match["glyphs"])).lower() != wanted:
            continue
        label = f"{number} / {total}"
        size = float(match["size"])
        old = sum(widths.get(int(glyphs[c], 16), 1000) for c in PLACEHOLDER) * size / 1000
        new = sum(widths.get(int(glyphs[c], 16), 1000) for c in label) * size / 1000
        x = float(match["x"]) + (old - new) / 2
        run = b"".join(b"<" + glyphs[char] + b">" for char in label)
        replacement = b"1 0 0 -1 %.6f %s Tm\n/%s %s Tf\n[%s] TJ" % (
            x,
            match["y"],
            match["font"],
            match["size"],
            run,
        )
        data = data[: match.start()] + replacement + data[match.end() :]
        contents.write(zlib.compress(data), filter=pikepdf.Name.FlateDecode)
        return
    raise AssemblyFailed("部分のページ番号の位置が見つかりません。")


def _font_numbers(font):
    """The font's glyph codes and widths for the placeholder's characters, and the placeholder's run."""
    if "/ToUnicode" not in font or "/DescendantFonts" not in font:
        return {}, {}, None
    glyphs = _glyph_codes(font)
    if any(char not in glyphs for char in PLACEHOLDER):
        return glyphs, {}, None
    return glyphs, _widths(font), b"".join(glyphs[char] for char in PLACEHOLDER)


def _glyph_codes(font) -> dict[str, bytes]:
    """Character → the hex glyph code the font's ToUnicode map gives it (the placeholder's chars)."""
    cmap = font.ToUnicode.read_bytes()
    targets = {char.encode("utf-16-be").hex().encode(): char for char in PLACEHOLDER}
    codes = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, text in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            char = targets.get(text.lower())
            if char:
                codes.setdefault(char, code.lower())
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, text in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            base = int.from_bytes(bytes.fromhex(text.decode()), "big")
            for offset in range(int(low, 16), int(high, 16) + 1):
                char = chr(base + offset - int(low, 16))
                if char in PLACEHOLDER:
                    codes.setdefault(char, b"%0*x" % (len(low), offset))
    return codes


def _widths(font) -> dict[int, float]:
    import pikepdf

    descendant = font.DescendantFonts[0]
    widths, items, i = {}, list(descendant.get("/W", [])), 0
    while i < len(items):
        first = int(items[i])
        following = items[i + 1] if i + 1 < len(items) else None
        if isinstance(following, pikepdf.Array):
            for offset, width in enumerate(following):
                widths[first + offset] = float(width)
            i += 2
        else:
            for code in range(first, int(following) + 1):
                widths[code] = float(items[i + 2])
            i += 3
    return widths
