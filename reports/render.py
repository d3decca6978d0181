"""Shared rendering: Jinja templates in reports/templates, WeasyPrint to PDF bytes."""
from pathlib import Path

import segno
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from weasyprint import HTML

from backoffice.labels import filesize, words

TEMPLATES = Path(__file__).resolve().parent / "templates"

_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def qr_svg(url: str) -> Markup:
    """An inline SVG QR code for url (no external image, no network)."""
    return Markup(segno.make(url, error="m").svg_inline(scale=3, border=2))


_env.filters["filesize"] = filesize
_env.filters["qr"] = qr_svg
_env.filters["words"] = words


def render_pdf(template: str, **context) -> bytes:
    """Render one template to PDF bytes (fonts embedded, same bytes for the same input)."""
    html = _env.get_template(template).render(**context)
    return HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
