"""Line counts for Japanese text in a column: the base of the workbook's row heights and the PDF's page plan."""

from goals.sheet.textfit import count_lines, text_em


def test_widths_follow_east_asian_width():
    assert text_em("区役所") == 3
    assert text_em("SDGs") == 2
    assert text_em("①○×") == 3  # ambiguous width is full width in Japanese fonts
    assert text_em("ab", narrow=0.6) == 1.2


def test_empty_text_takes_no_line():
    assert count_lines("", 10) == 0


def test_japanese_breaks_between_any_two_characters():
    assert count_lines("あ" * 10, 10) == 1
    assert count_lines("あ" * 11, 10) == 2
    assert count_lines("あ" * 30, 10) == 3


def test_closing_punctuation_never_starts_a_line():
    # Ten characters fit; the 「、」 may not open line two, so 「あ」 goes down with it.
    assert count_lines("あ" * 10 + "、", 10) == 2
    assert count_lines("あ" * 9 + "、" + "い" * 9, 10) == 2
    assert count_lines("あ" * 10 + "、" + "い" * 9, 10) == 3


def test_opening_bracket_never_ends_a_line():
    assert count_lines("あ" * 9 + "「いい」", 10) == 2
    assert count_lines("あ" * 9 + "「" + "い" * 9, 10) == 2


def test_latin_words_stay_whole_and_overlong_words_break():
    assert count_lines("あ" * 8 + "SDGs", 10) == 1  # 8 + 2 em fit…
    assert count_lines("あ" * 9 + "SDGs", 10) == 2  # …9 + 2 em does not: the word moves down whole
    assert count_lines("a" * 25, 10) == 2  # 12.5 em with no break: broken where the line ends


def test_line_breaks_in_the_text_are_kept():
    assert count_lines("一行目\n二行目\n\n四行目", 10) == 4
