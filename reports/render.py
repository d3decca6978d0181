"""Shared rendering: Jinja templates in reports/templates, WeasyPrint to PDF bytes."""
import atexit
import gc
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import segno
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from backoffice.labels import filesize, words

TEMPLATES = Path(__file__).resolve().parent / "templates"

# The fonts every report names, in fallback order (Debian's fonts-noto-core, fonts-noto-cjk
# and fonts-dejavu-core, installed by `make setup`). Pango picks, character by character, the
# first family that has a glyph: Latin and Vietnamese from Noto Sans, then Arabic, Hebrew,
# Chinese/Japanese/Korean, and DejaVu Sans last for anything the others lack. The list is
# written out, also inside @page rules. Emoji, which none of these has, come from fontconfig's
# own fallback to Noto Color Emoji (fonts-noto-color-emoji), drawn as pictures; it is not named
# here because a named emoji font can be picked for digits (WeasyPrint issue #2291).
FONT_FAMILIES = (
    "Noto Sans",
    "Noto Sans Arabic",
    "Noto Sans Hebrew",
    "Noto Sans CJK SC",
    "DejaVu Sans",
)
FONT_STACK = ", ".join(f'"{family}"' for family in FONT_FAMILIES) + ", sans-serif"
MONO_STACK = '"DejaVu Sans Mono", ' + FONT_STACK


@dataclass(frozen=True)
class PageSetup:
    """A page size (CSS `size`) and its margins in millimetres: top, right, bottom, left."""

    size: str
    margins_mm: tuple[float, float, float, float]

    @property
    def margin_css(self) -> str:
        """The margins as a CSS `margin` value."""
        return " ".join(f"{value:g}mm" for value in self.margins_mm)


# US Letter: what county offices print on.
PORTRAIT = PageSetup("Letter", (18, 16, 20, 16))
LANDSCAPE = PageSetup("Letter landscape", (14, 12, 16, 12))

_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    extensions=["jinja2.ext.i18n"],
)


def _gettext(message: str, **variables) -> str:
    """The document's words in the language it is rendered in (English outside an app)."""
    from flask import has_app_context
    from flask_babel import gettext

    return gettext(message, **variables) if has_app_context() else message % variables if variables else message


def _ngettext(singular: str, plural: str, num: int, **variables) -> str:
    from flask import has_app_context
    from flask_babel import ngettext

    if has_app_context():
        return ngettext(singular, plural, num, **variables)
    return (singular if num == 1 else plural) % {"num": num, **variables}


_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the i18n extension
    _gettext, _ngettext, newstyle=True)


def qr_svg(url: str) -> Markup:
    """An inline SVG QR code for url (no external image, no network)."""
    return Markup(segno.make(url, error="m").svg_inline(scale=3, border=2))


def text_direction(text: object) -> str:
    """"rtl" or "ltr": the direction of the first strong character of text ("ltr" when none).

    This is what HTML's dir="auto" does (HTML Living Standard, "the directionality of an
    element", after Unicode Bidirectional Algorithm rules P2-P3). WeasyPrint 70 supports
    neither dir="auto" nor unicode-bidi: plaintext, so each value that people typed gets its
    direction written out (dir="rtl"/"ltr"), which makes an Arabic or Hebrew name a
    right-to-left paragraph of its own that cannot reorder the Latin text around it.
    Sentences of our own that quote a name (the consent line) and US postal addresses stay
    left to right, with any right-to-left words inside them reordered as words.
    """
    for char in str(text or ""):
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return "ltr"


def css_string(text: object) -> Markup:
    """text as a quoted CSS string for `content:` (quotes, backslashes, markup characters and
    line breaks hex-escaped, so a case number cannot end the string or the style sheet)."""
    escaped = "".join(
        f"\\{ord(char):x} " if char in '"\\<>&\n\r\f' or ord(char) < 0x20 else char
        for char in str(text or "")
    )
    return Markup(f'"{escaped}"')


_env.filters["filesize"] = filesize
_env.filters["css_string"] = css_string
_env.filters["qr"] = qr_svg
_env.filters["words"] = words
_env.filters["direction"] = text_direction
_env.globals.update(font_stack=Markup(FONT_STACK), mono_stack=Markup(MONO_STACK))


_fonts = threading.local()


@atexit.register
def _release_fonts() -> None:
    """Release the main thread's font configuration while Pango and GLib are still loaded.

    Left to the interpreter's last clean-up (the thread state is cleared after cffi's
    libraries are gone), its font map was unreferenced through a dangling function pointer: a
    segmentation fault after the program had finished (exit status 139 after a PDF render).
    """
    if getattr(_fonts, "config", None) is not None:
        del _fonts.config
        gc.collect()


def _font_config() -> FontConfiguration:
    """This thread's font configuration, made once.

    Loading Fontconfig's list of the installed fonts costs about 17 ms with the Noto families
    installed; one configuration per thread (Pango's font maps are not thread-safe) keeps that
    and the loaded fonts out of every later render.
    """
    config = getattr(_fonts, "config", None)
    if config is None:
        config = _fonts.config = FontConfiguration()
    return config


def render_pdf(template: str, page: PageSetup = PORTRAIT, language: str = "en", **context) -> bytes:
    """Render one template to PDF bytes (fonts embedded and subset, same bytes for the same
    input), its words in `language` (documents for owners are in the owner's language)."""
    from flask import has_app_context
    from flask_babel import force_locale

    if has_app_context():
        with force_locale(language):
            html = _env.get_template(template).render(page=page, language=language, **context)
    else:
        html = _env.get_template(template).render(page=page, language=language, **context)
    return HTML(string=html, base_url=str(TEMPLATES)).write_pdf(font_config=_font_config())
