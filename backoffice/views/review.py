"""Registry Staff's review queue: verified registrations to approve, reject or merge."""
from flask import current_app, flash, redirect, url_for
from flask_appbuilder import AppBuilder, BaseView, expose
from flask_appbuilder.security.decorators import has_access

from ..extensions import db
from ..models import Registration
from ..models.validation import FieldError
from ..portal import services
from ..portal.forms import ApproveForm, MergeForm, RejectForm
from ..portal.records import lifecycle_of, merge_candidates, review_queue
from ..portal.views import register_portal
from ..scoping import current_user


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
        registration = db.session.get(Registration, pk)
        if registration is None:
            return self.render_template("review/queue.html", registrations=[]), 404
        return self._page(registration)

    def _act(self, pk: int, form, form_name: str, action, done: str):
        """Validate the form, run the command, and report the outcome."""
        registration = db.session.get(Registration, pk)
        if registration is None:
            flash("That registration no longer exists.", "danger")
            return redirect(url_for(".queue"))
        if not form.validate_on_submit():
            forms = {form_name: form} if form_name else {}
            return self._page(registration, status=400, **forms)
        try:
            action(registration)
        except (services.PortalError, FieldError) as error:
            db.session.rollback()
            flash(getattr(error, "message", None) or str(error), "danger")
            return redirect(url_for(".show", pk=pk))
        flash(done, "success")
        return redirect(url_for(".queue"))

    @expose("/<int:pk>/approve", methods=["POST"])
    @has_access
    def approve(self, pk: int):
        """Approve: active for a year; the owner is emailed the management link."""
        return self._act(pk, ApproveForm(), "", lambda r: services.approve(r.id, current_user()),
                         "Approved; the owner has been emailed their management link.")

    @expose("/<int:pk>/reject", methods=["POST"])
    @has_access
    def reject(self, pk: int):
        """Reject with the reason the owner will read."""
        form = RejectForm()
        return self._act(pk, form, "reject_form", lambda r: services.reject(r.id, current_user(), form.reason.data),
                         "Rejected; the owner has been told why and their details deleted.")

    @expose("/<int:pk>/merge", methods=["POST"])
    @has_access
    def merge(self, pk: int):
        """Merge into an existing registration."""
        form = MergeForm()
        return self._act(pk, form, "merge_form", lambda r: services.merge(r.id, form.target_id.data, current_user()),
                         "Merged into the existing registration.")


def register(appbuilder: AppBuilder) -> None:
    """The review queue under Registry, and the public portal it serves."""
    appbuilder.add_view(
        ReviewQueueView, "Review queue", icon="fa-check-square-o", category="Registry"
    )
    register_portal(current_app)
