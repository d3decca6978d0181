"""Registry Staff's review queue: verified registrations to approve, reject or merge."""
from flask import flash, redirect, url_for
from flask_appbuilder import AppBuilder, BaseView, expose
from flask_appbuilder.security.decorators import has_access
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

from ..datamodel import RegistryInterface
from ..extensions import db
from ..errors import NotFoundError
from ..http_errors import flash_refusals
from ..ids import get_by_id
from ..models import Registration, TermsVersion
from ..portal import services
from ..portal.forms import ApproveForm, MergeForm, RejectForm
from ..portal.records import lifecycle_of, merge_candidates, review_queue
from ..scoping import current_user
from .registry import RegistryModelView


def _registration(pk: int) -> Registration:
    registration = get_by_id(Registration, pk)
    if registration is None:
        raise NotFoundError("That registration no longer exists.")
    return registration


def _back_to_review(pk: int) -> str:
    """After a refusal: the registration's review page, or the queue when it is gone."""
    return url_for(".show", pk=pk) if get_by_id(Registration, pk) is not None else url_for(".queue")


class ReviewQueueView(BaseView):
    """Verified registrations waiting for a decision, oldest first."""

    route_base = "/review"
    default_view = "queue"
    class_permission_name = "RegistrationReview"
    method_permission_name = {
        "queue": "read",
        "show": "read",
        "approve": "write",
        "reject": "write",
        "merge": "write",
    }

    @expose("/")
    @has_access
    def queue(self):
        """The queue."""
        waiting = db.session.execute(review_queue()).scalars().all()
        return self.render_template("review/queue.html", registrations=waiting)

    def _page(self, registration: Registration, reject_form=None, merge_form=None, status=200):
        return self.render_template(
            "review/show.html",
            registration=registration,
            lifecycle=lifecycle_of(registration),
            candidates=merge_candidates(registration),
            approve_form=ApproveForm(),
            reject_form=reject_form or RejectForm(formdata=None),
            merge_form=merge_form or MergeForm(formdata=None),
        ), status

    @expose("/<int:pk>")
    @has_access
    def show(self, pk: int):
        """One registration with its owner, cameras and possible duplicates."""
        return self._page(_registration(pk))

    def _act(self, pk: int, form, form_name: str, action, done: str):
        """Validate the form, run the command (its refusals are flashed on the registration's
        page, see @flash_refusals), and report the outcome."""
        registration = _registration(pk)
        if not form.validate_on_submit():
            forms = {form_name: form} if form_name else {}
            return self._page(registration, status=400, **forms)
        action(registration)
        flash(done, "success")
        return redirect(url_for(".queue"))

    @expose("/<int:pk>/approve", methods=["POST"])
    @has_access
    @flash_refusals(_back_to_review)
    def approve(self, pk: int):
        """Approve: active for a year; the owner is emailed the management link."""
        return self._act(pk, ApproveForm(), "", lambda r: services.approve(r.id, current_user()),
                         "Approved; the owner has been emailed their management link.")

    @expose("/<int:pk>/reject", methods=["POST"])
    @has_access
    @flash_refusals(_back_to_review)
    def reject(self, pk: int):
        """Reject with the reason the owner will read."""
        form = RejectForm()
        return self._act(pk, form, "reject_form", lambda r: services.reject(
            r.id, current_user(), form.reason.data),  # type: ignore[arg-type]  # validated: required
                         "Rejected; the owner has been told why and their details deleted.")

    @expose("/<int:pk>/merge", methods=["POST"])
    @has_access
    @flash_refusals(_back_to_review)
    def merge(self, pk: int):
        """Merge into an existing registration."""
        form = MergeForm()
        return self._act(pk, form, "merge_form", lambda r: services.merge(
            r.id, form.target_id.data, current_user()),  # type: ignore[arg-type]  # validated: required
                         "Merged into the existing registration.")


class TermsVersionView(RegistryModelView):
    """Programme terms: each version is kept as published, since owners accepted exactly that text."""

    datamodel = RegistryInterface(TermsVersion)
    class_permission_name = "TermsVersion"
    list_title = "Programme terms"
    list_columns = ["version", "published_at"]
    show_columns = ["version", "published_at", "body_en", "body_es"]
    add_columns = ["version", "body_en", "body_es"]
    edit_columns = add_columns
    base_order = ("published_at", "desc")
    label_columns = {"body_en": "Terms (English)", "body_es": "Terms (Spanish)"}
    description_columns = {"version": "A new version applies to every registration submitted from now on."}
    add_form_extra_fields = {
        "version": StringField("Version", validators=[
            DataRequired(), Length(max=20), Regexp(r"^[\w.-]+$", message="Letters, digits, . - _ only")]),
        "body_en": TextAreaField("Terms (English)", validators=[DataRequired()]),
        "body_es": TextAreaField("Terms (Spanish)", validators=[DataRequired()]),
    }

    def pre_update(self, item):
        """Published terms never change: owners accepted that exact text."""
        db.session.rollback()
        raise ValueError("Published terms cannot be changed: add a new version instead.")

    def pre_delete(self, item):
        """Terms that owners accepted are kept."""
        raise ValueError("Published terms cannot be deleted: add a new version instead.")


def register(appbuilder: AppBuilder) -> None:
    """The review queue and programme terms under Registry."""
    appbuilder.add_view(
        ReviewQueueView, "Review queue", icon="fa-check-square-o", category="Registry"
    )
    appbuilder.add_view(
        TermsVersionView, "Programme terms", icon="fa-file-text-o", category="Registry"
    )
