"""Every PDF prints any text people type: every script, and words too long for their column.

Each report is rendered with the corpus in every free-text field and read back: the text is
there, no character is an empty box, everything lies inside the page margins, right-to-left
names read right to left, table headers repeat on every page.
"""
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from weasyprint import HTML

from reports.canvass import render_canvass_pdf
from reports.custody import render_custody_pdf
from reports.receipt import render_receipt_pdf
from reports.render import FONT_FAMILIES, LANDSCAPE, PORTRAIT, css_string, text_direction
from tests.reports import corpus, pdfcheck
from tests.reports.corpus import LONG_CASE_NUMBER, LONG_EMAIL, LONG_URL, LONG_WORD, NAMES, RTL

REPORTS = {
    "canvass": (render_canvass_pdf, corpus.canvass_data, LANDSCAPE),
    "receipt": (render_receipt_pdf, corpus.receipt_data, PORTRAIT),
    "custody": (render_custody_pdf, corpus.custody_data, PORTRAIT),
}
# PostScript names of the named families, as embedded ("Noto Sans CJK SC" -> "Noto-Sans-CJK-SC")
OUR_FONTS = {name.replace(" ", "-") for name in (*FONT_FAMILIES, "DejaVu Sans Mono")}


@pytest.fixture(scope="module", params=sorted(REPORTS))
def rendered(request):
    """(report name, PDF bytes, page setup) for each report filled with the corpus."""
    render, build, setup = REPORTS[request.param]
    return request.param, render(build()), setup


def test_every_name_and_long_text_is_printed(rendered):
    name, pdf, _ = rendered
    text, flat = pdfcheck.text(pdf), pdfcheck.flat(pdf)
    for script, value in NAMES.items():
        assert "".join(value.split()) in flat, (name, script)
    assert LONG_WORD in flat and LONG_CASE_NUMBER in flat and LONG_EMAIL in flat
    if name != "canvass":
        assert LONG_URL in flat
    assert "Page 1 of" in text or "page 1 of" in text


def test_no_character_prints_as_an_empty_box(rendered):
    name, pdf, _ = rendered
    assert pdfcheck.missing_glyphs(pdf) == [], name


def test_fonts_are_the_named_ones_subset_and_cjk_is_embedded(rendered):
    name, pdf, _ = rendered
    fonts = pdfcheck.embedded_fonts(pdf)
    assert all(subset for subset in fonts.values()), fonts  # only the glyphs used, never a whole font
    assert {font.removesuffix("-Bold") for font in fonts} <= OUR_FONTS, fonts
    chinese = [c for c in pdfcheck.chars(pdf) if c["text"] in NAMES["chinese"]]
    assert chinese and all("Noto-Sans-CJK" in c["fontname"] for c in chinese)
    assert len(pdf) < 400_000, len(pdf)  # the CJK font alone is 19 MB: subsetting works


def test_everything_lies_within_the_page_margins(rendered):
    name, pdf, setup = rendered
    assert pdfcheck.outside_margins(pdf, setup) == [], name


def test_rendering_is_byte_stable_in_any_thread():
    data = corpus.canvass_data()
    first = render_canvass_pdf(data)
    results = []
    worker = threading.Thread(target=lambda: results.append(render_canvass_pdf(data)))
    worker.start()
    worker.join()
    assert render_canvass_pdf(data) == first == results[0]


def _runs(pdf: bytes, value: str) -> list[list[dict]]:
    """Each printed occurrence of value: its characters, found by page, line and proximity."""
    letters = set(value) - {" "}
    lines: dict[tuple, list[dict]] = {}
    for char in pdfcheck.chars(pdf):
        if char["text"] in letters:
            lines.setdefault((char["page"], round(char["matrix"][5])), []).append(char)
    runs = []
    for line in lines.values():
        line.sort(key=lambda c: c["x0"])
        run = [line[0]]
        for char in line[1:]:
            if char["x0"] - run[-1]["x1"] > 5:  # more than a space apart: another cell or word
                runs.append(run)
                run = []
            run.append(char)
        runs.append(run)
    return [run for run in runs if len(run) == len(value.replace(" ", ""))]


@pytest.mark.parametrize("script", RTL)
@pytest.mark.parametrize("report", sorted(REPORTS))
def test_right_to_left_names_read_right_to_left(report, script):
    render, build, _ = REPORTS[report]
    value = NAMES[script]
    runs = _runs(render(build()), value)
    assert runs, (report, script)
    for run in runs:
        # drawn right to left: read from the right edge, the letters come in logical order
        from_right = sorted(run, key=lambda c: -c["x0"])
        assert "".join(c["text"] for c in from_right) == value.replace(" ", ""), (report, script)


def test_latin_text_around_a_right_to_left_name_keeps_its_order():
    data = corpus.receipt_data()
    data["collector"] = NAMES["arabic"]
    pdf = render_receipt_pdf(data)
    chars = pdfcheck.chars(pdf)
    lines: dict[tuple, list[dict]] = {}
    for char in chars:
        lines.setdefault((char["page"], round(char["matrix"][5])), []).append(char)
    printed = ["".join(c["text"] for c in sorted(line, key=lambda c: c["x0"]) if c["text"].strip())
               for line in lines.values()]
    arabic = "".join(reversed(NAMES["arabic"].replace(" ", "")))  # drawn right to left
    hebrew = "".join(reversed(NAMES["hebrew"].replace(" ", "")))
    assert any(f"Collectingofficer:{arabic},signature,date" in line for line in printed), printed
    # our own sentence quoting a name stays left to right: the consent line starts with the name
    assert any(f"Consent{hebrew},written,Sat2May2026,12:00AMPDT;scope:evidenceonly" in line
               for line in printed), printed


def _word_x(chars: list[dict], word: str) -> tuple[float, float]:
    """x0 of the first and x1 of the last character of the first printed occurrence of word."""
    for i in range(len(chars) - len(word) + 1):
        if "".join(c["text"] for c in chars[i:i + len(word)]) == word:
            return chars[i]["x0"], chars[i + len(word) - 1]["x1"]
    raise AssertionError(f"{word!r} not printed")


def test_right_to_left_cells_align_right_and_left_to_right_ones_left():
    pdf = render_canvass_pdf(corpus.canvass_data())
    chars = pdfcheck.chars(pdf)
    column_left, _ = _word_x(chars, "Owner")  # the owner contact column's header
    column_right, _ = _word_x(chars, "Visited")  # and the next column's
    vietnamese = _runs(pdf, NAMES["vietnamese"])
    arabic = _runs(pdf, NAMES["arabic"])
    (vietnamese,) = [run for run in vietnamese if column_left - 1 < run[0]["x0"] < column_right]
    (arabic,) = [run for run in arabic if column_left - 1 < run[0]["x0"] < column_right]
    assert vietnamese[0]["x0"] == pytest.approx(column_left, abs=1)  # starts at the left edge
    assert max(c["x1"] for c in arabic) == pytest.approx(column_right - 2 * 1.2 * pdfcheck.MM, abs=1.5)


def test_a_right_to_left_value_is_a_right_to_left_paragraph():
    """"فاطمة الزهراء (user4)" reads from the right: the name first, then the username to its left."""
    pdf = render_custody_pdf(corpus.custody_data())
    chars = pdfcheck.chars(pdf)
    user_left, user_right = _word_x(chars, "user4")
    line = round(next(c for c in chars if c["x0"] == user_left)["matrix"][5])
    name = [r for r in _runs(pdf, NAMES["arabic"]) if round(r[0]["matrix"][5]) == line]
    assert name and min(c["x0"] for c in name[0]) > user_right


@pytest.mark.parametrize("text, direction", [
    (NAMES["arabic"], "rtl"), (NAMES["hebrew"], "rtl"), ("12 " + NAMES["hebrew"], "rtl"),
    (NAMES["vietnamese"], "ltr"), (NAMES["chinese"], "ltr"), (f"({NAMES['chinese']})", "ltr"),
    ("2001 " + NAMES["latin"], "ltr"), ("", "ltr"), (None, "ltr"), ("  42 ", "ltr"),
])
def test_direction_is_that_of_the_first_strong_character(text, direction):
    assert text_direction(text) == direction


@pytest.mark.parametrize("report, rows, header, row_text", [
    ("canvass", 20, "Owner contact", "prefers email"),
    ("receipt", 14, "File and description", "SHA-256"),
    ("custody", 30, "When", "transferred"),
])
def test_table_headers_repeat_on_every_page(report, rows, header, row_text):
    render, build, setup = REPORTS[report]
    pdf = render(build(rows))
    pages = pdfcheck.page_texts(pdf)
    with_rows = [page for page in pages if row_text in page]
    assert len(with_rows) >= 3
    assert all(header in page for page in with_rows)
    assert pdfcheck.outside_margins(pdf, setup) == []


def test_a_custody_note_longer_than_a_page_runs_over_pages_under_the_header():
    data = corpus.custody_data(2)
    word = "BAG7_" + LONG_WORD
    data["events"][0]["note"] = "reviewed " * 1500 + word * 40
    pdf = render_custody_pdf(data)
    pages = pdfcheck.page_texts(pdf)
    assert len(pages) >= 4
    header = "When Action By Why"
    assert all(header in page for page in pages[1:])
    # read on from page to page, without the repeated header and the page footers
    body = "".join(page.replace(header, "").split(" Chain of custody, case ")[0] for page in pages)
    assert "".join(body.split()).count(word) == 40
    assert pdfcheck.outside_margins(pdf, PORTRAIT) == []


def test_the_longest_values_the_registry_stores_keep_a_canvass_row_on_one_page():
    data = corpus.canvass_data(3)
    longest = data["items"][1]
    longest["label"] = "L" * 100
    longest["address"] = ("A" * 29 + " ") * 10
    longest["contact"].update(organisation="O" * 200, email="e" * 64 + "@" + "d" * 251 + ".org")
    pdf = render_canvass_pdf(data)
    row = [i for i, page in enumerate(pdfcheck.page_texts(pdf)) if "L" * 10 in "".join(page.split())]
    assert len(row) == 1
    assert "e" * 64 + "@" in pdfcheck.flat(pdf)
    assert pdfcheck.outside_margins(pdf, LANDSCAPE) == []


def test_footer_prints_any_case_number_as_text():
    data = corpus.canvass_data()
    data["case"]["case_number"] = 'BPD "7" \\ </style> & 陳'
    text = pdfcheck.text(render_canvass_pdf(data))
    assert 'Canvass sheet BPD "7" \\ </style> & 陳 · confidential' in text
    assert css_string('a"b\\c') == '"a\\22 b\\5c c"'


# The checks themselves must catch what they look for.

def test_margin_check_catches_a_column_pushed_off_the_page():
    html = (f"<style>@page {{ size: {PORTRAIT.size}; margin: {PORTRAIT.margin_css} }}</style>"
            f"<table><tr><td>{LONG_EMAIL}</td><td>{LONG_WORD}</td></tr></table>")
    strays = pdfcheck.outside_margins(HTML(string=html).write_pdf(), PORTRAIT)
    assert strays and {s.page for s in strays} == {1}


DEJAVU_ONLY = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>{cache}</cachedir></fontconfig>
"""


def test_glyph_check_catches_empty_boxes_on_a_machine_without_cjk_fonts(tmp_path):
    """On a machine with only DejaVu (before the Noto fonts) Chinese names print as boxes."""
    config = tmp_path / "fonts.conf"
    config.write_text(DEJAVU_ONLY.format(cache=tmp_path / "cache"))
    out = tmp_path / "sheet.pdf"
    script = (
        "import sys; from reports.canvass import render_canvass_pdf; "
        "from tests.reports.corpus import canvass_data; "
        "open(sys.argv[1], 'wb').write(render_canvass_pdf(canvass_data()))"
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(config)}
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", script, str(out)], env=env, cwd=root, check=True,
                   capture_output=True, timeout=120)
    missing = pdfcheck.missing_glyphs(out.read_bytes())
    assert {text for _, text in missing} >= set(NAMES["chinese"])


def test_emoji_print_as_colour_pictures_and_digits_stay_in_the_text_font():
    """Owners type emoji into descriptions ("porch 🚗"): with Debian's Noto Color Emoji they
    print (WeasyPrint draws them as pictures), and the font is not picked for the digits
    beside them (WeasyPrint issue #2291 saw that when the emoji font was named in the stack)."""
    data = corpus.receipt_data()
    data["items"][0]["description"] = "A red car 🚗 at 10:42, camera 🎥 2"
    pdf = render_receipt_pdf(data)
    fonts = pdfcheck.embedded_fonts(pdf)
    assert "Noto-Color-Emoji" in fonts, fonts
    assert pdfcheck.missing_glyphs(pdf) == []
    digits = [c for c in pdfcheck.chars(pdf) if c["text"] in "0123456789"]
    assert digits and not [c for c in digits if "Emoji" in c["fontname"]]
