"""Text as people and workbooks hand it to us, made safe to print and to write to spreadsheets."""

import re

# Control characters other than tab and line breaks (C0, DEL, C1). They arrive by pasting from
# other systems or in imported files: they print as nothing on screen, as a missing-glyph box in
# the PDF, are not allowed in HTML and cannot be written to Excel (XML).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

# What XML 1.0 cannot hold: openpyxl's ILLEGAL_CHARACTERS_RE (C0 controls but
# tab and line breaks) plus lone surrogates and U+FFFE/U+FFFF.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# A cell starting with one of these is a formula to a spreadsheet program.
FORMULA_PREFIXES = ("=", "+", "-", "@")


def plain(text: str) -> str:
    return CONTROL_CHARACTERS.sub("", text)


def xml_safe(text: str) -> str:
    return XML_ILLEGAL.sub("", text)
