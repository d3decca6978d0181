"""The chain-of-custody report of one evidence item."""
from typing import Any, Mapping

from .render import render_pdf


def render_custody_pdf(data: Mapping[str, Any]) -> bytes:
    """Chain of custody: the item, its hash, and every custody entry in order."""
    return render_pdf("custody.html", **data)
