"""The evidence receipt handed or emailed to the owner when footage is collected."""
from typing import Any, Mapping

from .render import render_pdf


def render_receipt_pdf(data: Mapping[str, Any]) -> bytes:
    """Receipt for one footage request: owner, premises, case, agency, items, QR link."""
    return render_pdf("receipt.html", **data)  # data["language"]: the owner's
