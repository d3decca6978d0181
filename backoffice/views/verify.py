"""Public page behind the receipt's QR code: re-checks the stored copies against their hashes."""
from flask import current_app
from flask_appbuilder import AppBuilder, BaseView, expose

from backoffice.tokens import TokenError
from workflows.documents import read_verify_token, verification


class EvidenceVerifyView(BaseView):
    """No login: the signed link identifies the request; the page shows hashes and results only."""

    route_base = "/verify"
    default_view = "evidence"

    @expose("/evidence/<token>")
    def evidence(self, token: str):
        """Re-hash each stored copy and say whether it still matches the receipt."""
        try:
            request_id = read_verify_token(token)
        except (TokenError, KeyError, TypeError, ValueError):
            return self.render_template("workflow/verify.html", error="This link is not valid.", items=[]), 404
        items = verification(request_id)
        return self.render_template("workflow/verify.html", error=None, items=items, request_id=request_id)


def register(appbuilder: AppBuilder) -> None:
    """Add the page (no menu entry), rate-limited per address."""
    view = appbuilder.add_view_no_menu(EvidenceVerifyView)
    appbuilder.sm.limiter.limit(current_app.config["PUBLIC_LINK_RATE_LIMIT"])(view.blueprint)
