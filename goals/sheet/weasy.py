"""WeasyPrint, imported without its slow search for the system libraries.

WeasyPrint opens Pango, HarfBuzz, fontconfig and GObject through cffi, trying
several names per library (Windows and macOS spellings first). cffi resolves
each name with ctypes.util.find_library, which on Linux runs `ldconfig -p`
and, for every name it does not find there, gcc and ld as well (WeasyPrint
issue #1125): about half a second of every `export_sheet` process.

While WeasyPrint is imported, the lookup reads the ldconfig cache once and
answers from it. Should a library live outside that cache (a custom
LD_LIBRARY_PATH), the import is retried with the standard lookup.

`html_document` hands WeasyPrint our own templates' markup parsed by expat
rather than by its pure-Python HTML5 parser (tinyhtml5, 73 ms of a 32-page
batch's 1.1 to 1.7 s), for the same element tree; where the markup is the
sheet's own, with only the user-agent rules that can apply to it
(user_agent.css), for the same styles.

Two more changes of WeasyPrint's work, each for the same pages (the tests
compare the bytes, or the decompressed content, with WeasyPrint's own):

- `split_first_line` finds where a line of wrapped text ends from a shorter
  piece of the text than WeasyPrint's own (see its docstring);
- pydyf compresses the PDF's streams at zlib's default level, not at level 9.
"""

import ctypes.util
import os
import re
import subprocess
import zlib
from contextlib import contextmanager
from math import inf
from pathlib import Path
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as xml_tree


def _ldconfig_cache() -> bytes:
    try:
        return subprocess.run(
            ["/sbin/ldconfig", "-p"], capture_output=True, env={"LC_ALL": "C", "LANG": "C"}, check=False
        ).stdout
    except OSError:
        return b""


@contextmanager
def _cached_library_lookup():
    standard = ctypes.util.find_library
    cache = _ldconfig_cache()
    abi = "libc6,x86-64" if os.uname().machine == "x86_64" else "libc6"

    def find_library(name):
        # The same pattern ctypes.util uses on the same ldconfig output.
        match = re.search(os.fsencode(rf"\s+(lib{re.escape(name)}\.[^\s]+)\s+\({abi}"), cache)
        return os.fsdecode(match.group(1)) if match else None

    ctypes.util.find_library = find_library
    try:
        yield
    finally:
        ctypes.util.find_library = standard


try:
    with _cached_library_lookup():
        import weasyprint
except OSError:
    import weasyprint  # the standard, slower lookup finds libraries outside the ldconfig cache

import cssselect2  # noqa: E402  (WeasyPrint's own selector engine, loaded with it)
import pydyf  # noqa: E402  (WeasyPrint's PDF writer, loaded with it)
from weasyprint import CSS, HTML  # noqa: E402
from weasyprint.layout import inline  # noqa: E402
from weasyprint.text import line_break  # noqa: E402
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse  # noqa: E402

__all__ = [
    "CSS",
    "HTML",
    "FatalURLFetchingError",
    "URLFetcher",
    "URLFetcherResponse",
    "html_document",
    "weasyprint",
]

# HTML's void elements, which XML would need closed; the templates write them the HTML way.
_VOID = re.compile(r"<(area|br|col|embed|hr|img|input|link|meta|source|track|wbr)\b([^<>]*?)/?>")
_DOCTYPE = "<!doctype html>"
# What the sheet's templates write: markup made only of these is styled by user_agent.css.
_SHEET_ELEMENTS = frozenset(
    "article body col colgroup h1 h2 head header html li link main meta ol p section span strong"
    " table tbody td th thead title tr".split()
)
_SHEET_ATTRIBUTES = frozenset(
    "aria-labelledby charset class colspan data-row href id lang rel rowspan scope".split()
)
SHEET_USER_AGENT = CSS(filename=str(Path(__file__).with_name("user_agent.css")))


class _SheetDocument(HTML):
    """WeasyPrint's document with the user-agent rules of user_agent.css instead of all of its own
    (and none of its presentational hints, which all key on attributes the sheet does not write)."""

    def _ua_stylesheets(self, forms=False):
        return super()._ua_stylesheets(forms) if forms else [SHEET_USER_AGENT]

    def _ph_stylesheets(self):
        return []


def html_document(html: str, base_url: str, url_fetcher) -> HTML:
    """WeasyPrint's document of `html`, parsed by expat where the markup is well-formed once its
    void elements are closed (the app's templates, every character escaped), by WeasyPrint's own
    HTML5 parser otherwise (a bare attribute, an HTML entity, a character XML forbids, a <base>).

    On well-formed markup without a <base> the two parsers build the same elements, attributes and
    text inside <body> (tests/test_sheet_markup.py compares them and the PDFs), and WeasyPrint reads
    nothing else of the tree: the document is WeasyPrint's own HTML object with its tree replaced.
    Where every element and attribute is one the sheet's templates write, the document applies
    only the user-agent rules that can match them.
    """
    tree = _well_formed(html)
    if tree is None:
        return HTML(string=html, base_url=base_url, url_fetcher=url_fetcher)
    kind = _SheetDocument if _sheet_markup(tree) else HTML
    document = kind(string="<html></html>", base_url=base_url, url_fetcher=url_fetcher)
    document.wrapper_element = cssselect2.ElementWrapper.from_html_root(tree, content_language=None)
    document.etree_element = document.wrapper_element.etree_element
    return document


def _well_formed(html: str):
    """The element tree of `html` as XML, or None where expat would not build what HTML5 does (or
    the markup declares anything)."""
    text = html.lstrip()
    if text[: len(_DOCTYPE)].lower() == _DOCTYPE:
        text = text[len(_DOCTYPE) :]
    try:
        # defusedxml: no DTD, no entity of any kind; our doctype is taken off above.
        tree = xml_tree(_VOID.sub(r"<\1\2/>", text), forbid_dtd=True)
    except (ParseError, DefusedXmlException):
        return None
    return tree if tree.tag == "html" and not any(map(_not_as_html5, tree.iter())) else None


def _not_as_html5(element) -> bool:
    # A <base> moves where links resolve; xmlns or xml:lang would come out of expat as {uri}names,
    # which HTML5 does not make.
    return element.tag == "base" or element.tag[0] == "{" or any(name[0] == "{" for name in element.attrib)


def _sheet_markup(tree) -> bool:
    return all(
        element.tag in _SHEET_ELEMENTS and _SHEET_ATTRIBUTES.issuperset(element.attrib)
        for element in tree.iter()
    )


# WeasyPrint's own, kept for the text it is not asked about and for the tests' comparison.
WEASYPRINT_SPLIT_FIRST_LINE = line_break.split_first_line
# Characters past the cut that must follow the line's end, for the line to end where it would in the
# longer text: the line-breaking rules look one or two characters ahead.
_LOOKAHEAD = 6


def split_first_line(
    text, style, context, max_width, justification_spacing, is_line_start=True, minimum=False
):
    """WeasyPrint's split_first_line, asked about a line and a quarter of full-width text
    where WeasyPrint would lay out four lines' worth.

    To find where a line ends, WeasyPrint has Pango lay out the text's first
    `max_width / font_size * 4` characters: four lines of Japanese, of which it
    keeps the first and lays the rest out again for every following line. The
    first line's end depends only on the text up to it and a character or two
    after it, so a shorter prefix that reaches past the line's end gives the
    same answer: a quarter less of Pango's work on a long sheet (7.7 % of a
    30x batch's instructions with the change of level below).

    Asked only where nothing else reads further: wrapped text whose spaces are
    kept (`pre-wrap`: the goal and result cells; where spaces collapse,
    WeasyPrint tries to fit the next word, which may reach past the prefix),
    no automatic hyphenation and no soft hyphen. Where the prefix ends within
    `_LOOKAHEAD` characters of the line's end, or all of it fits on the line,
    WeasyPrint's own answer is used.

    It replaces WeasyPrint's where lines are laid out (layout/inline.py, which
    imported it by name); the widths of min- and max-content
    (layout/preferred.py) keep WeasyPrint's own.
    """
    cut = _prefix_length(text, style, max_width)
    if cut is not None:
        prefix = text[:cut]
        answer = WEASYPRINT_SPLIT_FIRST_LINE(
            prefix, style, context, max_width, justification_spacing, is_line_start, minimum
        )
        resume_index = answer[2]
        if resume_index is not None and resume_index <= len(prefix[: cut - _LOOKAHEAD].encode()):
            return answer
    return WEASYPRINT_SPLIT_FIRST_LINE(
        text, style, context, max_width, justification_spacing, is_line_start, minimum
    )


def _prefix_length(text, style, max_width) -> int | None:
    """How much of `text` to lay out, or None where WeasyPrint's own length is to be kept."""
    font_size = style["font_size"]
    if (
        style["white_space"] != "pre-wrap"
        or style["hyphens"] == "auto"
        or not font_size
        or max_width is None
        or max_width == inf
        or font_size * 4 > max_width  # WeasyPrint's own rule for narrow boxes applies
    ):
        return None
    line = max_width / font_size
    cut = int(line * 1.25) + _LOOKAHEAD
    if len(text) <= cut or "\xad" in text:
        return None
    return cut


class _DefaultLevel:
    """zlib for pydyf, compressing at zlib's default level (6) where pydyf asks for 9.

    pydyf compresses every stream at level 9: 5.5 % of a 30x batch's drawing
    (2.2 % at level 6), for streams 1.5 % smaller. The assembly compresses the
    page contents again anyway, when it writes the page numbers.
    """

    def __getattr__(self, name):
        return getattr(zlib, name)

    @staticmethod
    def compressobj(level=zlib.Z_DEFAULT_COMPRESSION, *args, **kwargs):
        return zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, *args, **kwargs)


inline.split_first_line = split_first_line
pydyf.zlib = _DefaultLevel()
