"""Public page behind the owner's emailed upload link (no login; single-use, expiring)."""
from flask import current_app, flash, request
from flask_appbuilder import AppBuilder, BaseView, expose
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from wtforms import ValidationError

from backoffice.extensions import db
from backoffice.models import FootageRequest
from backoffice.security.web import csrf
from backoffice.uploads import evidence_upload
from workflows import owner_upload
from workflows.errors import WorkflowError


class OwnerUploadView(BaseView):
    """The owner uploads the requested footage; the file is hashed as it arrives."""

    route_base = "/upload"
    default_view = "upload"

    def _page(self, token: str, error: str | None = None, done=None, status: int = 200, link=None, typed=None):
        request_ = db.session.get(FootageRequest, link.footage_request_id) if link is not None else None
        return (
            self.render_template(
                "workflow/owner_upload.html", token=token, error=error, done=done, csrf_token=generate_csrf,
                link=link, wanted=request_, typed=typed or {},
            ),
            status,
        )

    @expose("/<token>", methods=["GET", "POST"])
    def upload(self, token: str):
        """GET shows the form; POST stores the file and uses up the link."""
        try:
            link = owner_upload.check_link(token)
        except WorkflowError as error:
            return self._page(token, error=error.message, status=410)
        if request.method == "GET":
            return self._page(token, link=link)
        typed: dict = {}
        try:
            with evidence_upload() as (form, upload):
                typed = {name: form.get(name) or "" for name in ("description", "clock_offset_s")}
                try:
                    validate_csrf(form.get("csrf_token"))
                except (ValidationError, CSRFError):
                    return self._page(token, error="The form expired; reload the page.", status=400, link=link)
                if upload is None or not upload.filename:
                    return self._page(token, error="Choose the file to upload.", status=400, link=link, typed=typed)
                item = owner_upload.upload_with_link(
                    token, upload, upload.filename,
                    form.get("description") or f"Uploaded by the owner for request {link.footage_request_id}",
                    form.get("clock_offset_s"),
                )
        except WorkflowError as error:
            return self._page(token, error=error.message, status=400, link=link, typed=typed)
        flash("Thank you: your file was received.", "success")
        return self._page(token, done=item)


def register(appbuilder: AppBuilder) -> None:
    """Add the page (no menu entry), rate-limited per address."""
    view = appbuilder.add_view_no_menu(OwnerUploadView)
    # The page checks its CSRF token itself, inside the streaming parser: the app-wide check
    # would read (and buffer) the whole upload before the view could hash it as it arrives.
    csrf.exempt(view.blueprint)
    appbuilder.sm.limiter.limit(current_app.config["PUBLIC_LINK_RATE_LIMIT"])(view.blueprint)
