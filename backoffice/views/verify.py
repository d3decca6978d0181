"""Public page behind the receipt's QR code: re-checks the stored copies against their hashes."""
from flask import current_app
from flask_appbuilder import AppBuilder, BaseView, expose

from backoffice.http_errors import register_screen_family
from workflows.documents import read_verify_token, verification


class EvidenceVerifyView(BaseView):
    """No login: the signed link identifies the request; the page shows hashes and results only."""

    route_base = "/verify"
    default_view = "evidence"

    def error_page(self, status: int, message: str, _error=None):
        """The verification page saying why it cannot check anything (a forged link: 404)."""
        return self.render_template("workflow/verify.html", error=message, items=[]), status

    @expose("/evidence/<token>")
    def evidence(self, token: str):
        """Re-hash each stored copy and say whether it still matches the receipt."""
        request_id = read_verify_token(token)
        items = verification(request_id)
        return self.render_template("workflow/verify.html", error=None, items=items, request_id=request_id)


def register(appbuilder: AppBuilder) -> None:
    """Add the page (no menu entry), rate-limited per address."""
    view = appbuilder.add_view_no_menu(EvidenceVerifyView)
    appbuilder.sm.limiter.limit(current_app.config["PUBLIC_LINK_RATE_LIMIT"])(view.blueprint)
    register_screen_family(view.blueprint.name, view.error_page)
