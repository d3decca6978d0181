"""Reading rendered PDFs back: text, where each character lies, which fonts carry which glyphs."""
from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pdfplumber
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont
from pypdf import PdfReader

if TYPE_CHECKING:
    from reports.render import PageSetup

MM = 72 / 25.4  # PDF points per millimetre
TOLERANCE_PT = 0.5  # rounding in glyph positions


def text(pdf: bytes) -> str:
    """All text of a PDF, white space folded (cells wrap where their column ends)."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def flat(pdf: bytes) -> str:
    """All text with no white space at all: a long word or address broken over lines reads whole."""
    return "".join(text(pdf).split())


def page_texts(pdf: bytes) -> list[str]:
    """The text of each page, white space folded."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


@dataclass(frozen=True)
class Stray:
    """A character, line or box drawn outside the printable area of its page."""

    page: int
    what: str
    x0: float
    x1: float
    left: float
    right: float


def outside_margins(pdf: bytes, setup: PageSetup) -> list[Stray]:
    """Everything drawn left of the left margin or right of the right margin (points).

    Text: every glyph's x position plus its advance width (pdfplumber reads both from the
    text matrix and the font's widths). Lines and rectangles too, so a table border pushed
    off the page counts as well.
    """
    _, right_mm, _, left_mm = setup.margins_mm
    strays = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for number, page in enumerate(document.pages, start=1):
            x_min, _, x_max, _ = page.mediabox
            left, right = x_min + left_mm * MM, x_max - right_mm * MM
            shapes = [(c["text"], c["x0"], c["x1"]) for c in page.chars if c["text"].strip()]
            shapes += [("line", e["x0"], e["x1"]) for e in page.lines]
            shapes += [("rect", r["x0"], r["x1"]) for r in page.rects]
            for what, x0, x1 in shapes:
                if x0 < left - TOLERANCE_PT or x1 > right + TOLERANCE_PT:
                    strays.append(Stray(number, what, round(x0, 1), round(x1, 1), round(left, 1), round(right, 1)))
    return strays


def chars(pdf: bytes) -> list[dict]:
    """Every character drawn, with its page, x0/x1/top and font name (pdfplumber's fields)."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return [dict(c, page=number) for number, page in enumerate(document.pages, start=1) for c in page.chars]


def _fonts(pdf: bytes):
    """Every font dictionary of the document, once (pages and the forms they draw)."""
    reader = PdfReader(io.BytesIO(pdf))
    seen: set = set()
    pending = [page.get("/Resources") for page in reader.pages]
    while pending:
        resources = pending.pop()
        if resources is None:
            continue
        resources = resources.get_object()
        for ref in resources.get("/Font", {}).values():
            key = getattr(ref, "idnum", None) or id(ref)
            if key not in seen:
                seen.add(key)
                yield ref.get_object()
        for ref in resources.get("/XObject", {}).values():
            key = ("xobject", getattr(ref, "idnum", None) or id(ref))
            if key not in seen:
                seen.add(key)
                pending.append(ref.get_object().get("/Resources"))


def _picture_names(pdf: bytes) -> set[str]:
    """The names of the images every page draws (its /XObject resources)."""
    names: set[str] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources = page.get("/Resources")
        if resources is not None:
            names.update(str(key) for key in resources.get_object().get("/XObject", {}).keys())
    return names


def embedded_fonts(pdf: bytes) -> dict[str, bool]:
    """Base font name (subset tag removed) -> whether it is a subset (the tag is there)."""
    names = {}
    for font in _fonts(pdf):
        base = str(font["/BaseFont"]).lstrip("/")
        tag, _, name = base.partition("+")
        names[name or tag] = bool(name) and len(tag) == 6 and tag.isupper()
    return names


_BFCHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")


def _to_unicode(font) -> dict[int, str]:
    """Glyph id -> the text it stands for, from the font's ToUnicode map (bfchar entries)."""
    data = font["/ToUnicode"].get_object().get_data()
    mapping = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for code, text_hex in _BFCHAR.findall(block):
            mapping[int(code, 16)] = bytes.fromhex(text_hex.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for first, last, start in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            for offset in range(int(last, 16) - int(first, 16) + 1):
                mapping[int(first, 16) + offset] = chr(int(start, 16) + offset)
    return mapping


def _is_ink(text_: str) -> bool:
    """Whether text should leave marks on paper (not spaces or invisible format characters)."""
    return any(not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Zs", "Cc") for ch in text_)


def missing_glyphs(pdf: bytes) -> list[tuple[str, str]]:
    """(font, text) for every character the PDF shows with an empty or absent glyph.

    A character no named font covers is drawn as .notdef (an empty box): the glyph id it is
    given has no outline in the embedded font, or lies past the font's last glyph. Checking
    the embedded font programs catches that whatever a text extractor makes of it.
    """
    missing = []
    pictures = _picture_names(pdf)
    for font in _fonts(pdf):
        name = str(font["/BaseFont"]).lstrip("/")
        tag = name.partition("+")[0]
        # A colour emoji font's glyphs carry no outline: WeasyPrint draws each as a picture
        # named after the font's subset tag ("/iDZLENL9861"), the glyph kept for the text.
        drawn_as_pictures = "Color-Emoji" in name and any(p.startswith(f"/i{tag}") for p in pictures)
        descendant = font["/DescendantFonts"][0].get_object()
        descriptor = descendant["/FontDescriptor"].get_object()
        program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
        ttfont = TTFont(io.BytesIO(program.get_object().get_data()))
        order = ttfont.getGlyphOrder()
        glyphs = ttfont.getGlyphSet()
        for glyph_id, shown in _to_unicode(font).items():
            if not _is_ink(shown):
                continue
            if glyph_id == 0 or glyph_id >= len(order):
                missing.append((name, shown))
                continue
            pen = BoundsPen(glyphs)
            glyphs[order[glyph_id]].draw(pen)
            if pen.bounds is None and not drawn_as_pictures:
                missing.append((name, shown))
    return missing
