"""Text as people and workbooks hand it to us, made safe to print and to write to spreadsheets."""

import re

# Control characters other than tab and line breaks (C0, DEL, C1). They arrive by pasting from
# other systems or in imported files: they print as nothing on screen, as a missing-glyph box in
# the PDF, are not allowed in HTML and cannot be written to Excel (XML).
#
# With them go the invisible bidirectional formatting characters: the embeddings and overrides
# U+202A–U+202E (U+202E, RIGHT-TO-LEFT OVERRIDE, prints 「円000,01」 for what is stored as
# 「10,000円」), the isolates U+2066–U+2069, and the marks U+200E, U+200F and U+061C. The marks
# cannot nest, but each is a strong right-to-left (or left-to-right) letter that reorders the
# numbers and punctuation around it; the sheet's Japanese text never needs one, so nothing is
# lost by dropping them and no printed figure can be disguised.
#
# And the noncharacters (U+FFFE, U+FFFF and the like, never text): a font has no glyph for them,
# and one U+FFFE in a goal left the PDF's whole text layer unreadable to text extraction.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    chr(plane + 0xFFFE) + chr(plane + 0xFFFF) for plane in range(0, 0x110000, 0x10000)
)
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + BIDI_CONTROLS + NONCHARACTERS + "]")

# What XML 1.0 cannot hold: openpyxl's ILLEGAL_CHARACTERS_RE (C0 controls but
# tab and line breaks) plus lone surrogates and U+FFFE/U+FFFF.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# A cell starting with one of these is a formula to a spreadsheet program.
FORMULA_PREFIXES = ("=", "+", "-", "@")

# What a CSV cell must not start with to stay text when Excel opens the file (OWASP's list: the
# formula starts, and tab or carriage return before one); the apostrophe is the escape itself.
_NEUTRALISED_STARTS = (*FORMULA_PREFIXES, "\t", "\r", "'")


def plain(text: str) -> str:
    return CONTROL_CHARACTERS.sub("", text)


def xml_safe(text: str) -> str:
    return XML_ILLEGAL.sub("", text)


def spreadsheet_text(text: str) -> str:
    """Text for a CSV cell that no spreadsheet program evaluates: 「=1+1」 → 「'=1+1」.

    A text that already begins with an apostrophe gets a second one, so from_spreadsheet_text()
    gives back exactly what was stored, for every text.
    """
    return "'" + text if text.startswith(_NEUTRALISED_STARTS) else text


def from_spreadsheet_text(text: str) -> str:
    """The stored text of a cell written by spreadsheet_text(): one leading apostrophe removed."""
    return text[1:] if text.startswith("'") else text
