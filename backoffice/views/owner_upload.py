"""Public page behind the owner's emailed upload link (no login; single-use, expiring).

Its refusals (a used, expired or forged link 410; a missing file 400) are shown on the same
page: the page is a screen family of its own (backoffice.http_errors).
"""
from flask import current_app, request
from flask_appbuilder import AppBuilder, BaseView, expose
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from backoffice.errors import RegistryError
from backoffice.extensions import db
from backoffice.http_errors import register_screen_family
from backoffice.localtime import page_language
from backoffice.models import FootageRequest
from backoffice.models.base import utcnow
from backoffice.models.validation import N_
from backoffice.security.web import check_form_token, csrf
from backoffice.uploads import evidence_upload
from workflows import declarations, owner_upload
from workflows.documents import owner_upload_description
from workflows.errors import InvalidInput


# What the page may refuse with, in the owner's words: the commands say these in English, and
# each is also a message of the portal's catalogue, so the owner reads it in their language.
OWNER_REFUSALS = frozenset((
    N_("This link is not valid."),
    N_("This link has already been used."),
    N_("This link has expired."),
    N_("This request no longer takes uploads."),
    N_("Choose the file to upload."),
    N_("The form expired (CSRF token missing or invalid); reload the page and try again."),
    N_("The file is empty."),
    N_("A description of the footage is required."),
    N_("The description is longer than 2,000 characters; shorten it."),
    *declarations.DECLARATION_REFUSALS,
))
# Refusals about what was typed or chosen: the form is shown again to correct them.
FORM_FIELDS = ("file", "description", *declarations.DECLARATION_FIELDS)
# A reading kept after a refusal keeps the moment it was typed (on the owner's device clock).
TYPED_FIELDS = ("description", "clock_reading", "clock_read_ms", "no_clock", "unaltered", "consent_scope")


def owner_words(message: str) -> str:
    """A refusal in the owner's language when the catalogue has it, else as it was said."""
    return _(message) if message in OWNER_REFUSALS else message


class OwnerUploadView(BaseView):
    """The owner uploads the requested footage; the file is hashed as it arrives."""

    route_base = "/upload"
    default_view = "upload"

    def _page(self, token: str, error: str | None = None, done=None, status: int = 200, link=None,
              typed=None, form_again: bool = True, error_field: str | None = None):
        request_ = db.session.get(FootageRequest, link.footage_request_id) if link is not None else None
        return (
            self.render_template(
                "workflow/owner_upload.html", token=token, error=owner_words(error) if error else None,
                done=done, csrf_token=generate_csrf, link=link, wanted=request_, typed=typed or {},
                form_again=form_again, words=declarations, error_field=error_field,
            ),
            status,
        )

    def error_page(self, status: int, message: str, _error=None):
        """The upload page with the reason it refused."""
        return self._page((request.view_args or {}).get("token", ""), error=message, status=status,
                          form_again=status == 400)  # a refused link (410) offers no form

    @expose("/<token>", methods=["GET", "POST"])
    def upload(self, token: str):
        """GET shows the form; POST stores the file with the owner's declaration and uses up the link."""
        received_at = utcnow()  # before the body is read: the moment the owner sent the form
        link = owner_upload.check_link(token)
        if request.method == "GET":
            return self._page(token, link=link)
        typed: dict = {}
        try:
            with evidence_upload() as (form, upload):
                typed = {name: form.get(name) or "" for name in TYPED_FIELDS}
                check_form_token(form)
                if upload is None or not upload.filename:
                    raise InvalidInput("Choose the file to upload.", field="file")
                item = owner_upload.upload_with_link(
                    token, upload, upload.filename,
                    form.get("description") or owner_upload_description(link.footage_request_id),
                    declarations.DeclarationForm.from_form(form), received_at=received_at,
                    language=page_language(),
                )
        except RegistryError as error:  # shown on the page, with what was typed
            return self._page(token, error=error.message, status=error.status, link=link, typed=typed,
                              form_again=error.field in FORM_FIELDS or error.status == 400,
                              error_field=error.field)
        return self._page(token, done=item)


def register(appbuilder: AppBuilder) -> None:
    """Add the page (no menu entry), rate-limited per address."""
    view = appbuilder.add_view_no_menu(OwnerUploadView)
    # The page checks its CSRF token itself, inside the streaming parser: the app-wide check
    # would read (and buffer) the whole upload before the view could hash it as it arrives.
    csrf.exempt(view.blueprint)
    appbuilder.sm.limiter.limit(current_app.config["PUBLIC_LINK_RATE_LIMIT"])(view.blueprint)
    register_screen_family(view.blueprint.name, view.error_page, unrouted="This link is not valid.")
