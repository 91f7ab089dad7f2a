"""Text as people and workbooks hand it to us, made safe to print."""

import re

# Control characters other than tab and line breaks (C0, DEL, C1). They arrive by pasting from
# other systems or in imported files: they print as nothing on screen, as a missing-glyph box in
# the PDF, are not allowed in HTML and cannot be written to Excel (XML).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def plain(text: str) -> str:
    return CONTROL_CHARACTERS.sub("", text)
