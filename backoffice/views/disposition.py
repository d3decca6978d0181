"""Evidence retention screens: the disposition list (supervisors dispose of evidence whose
retention has ended), the legal hold on a case, and the retention rules per incident type.
The rules themselves are workflows.disposition's."""
from flask import flash, g, redirect, request, url_for
from flask_appbuilder import AppBuilder, BaseView, expose, has_access
from wtforms import IntegerField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from backoffice.datamodel import RegistryInterface
from backoffice.errors import RegistryError
from backoffice.extensions import db
from backoffice.http_errors import flash_refusals
from backoffice.models import Case, RetentionRule
from backoffice.scoping import scoped_get
from workflows import disposition
from workflows.errors import RequestNotFound

from .registry import RegistryModelView


def _back_to_list(**_kwargs) -> str:
    return url_for("DispositionView.index")


def _back_to_case(case_id: int, **_kwargs) -> str:
    return url_for("CaseView.show", pk=case_id)


class DispositionView(BaseView):
    """/footage/disposition: evidence whose retention has ended, for a supervisor to dispose of."""

    route_base = "/footage/disposition"
    class_permission_name = "EvidenceItem"
    method_permission_name = {"index": "dispose", "dispose": "dispose"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self, typed_reason: str = "", status: int = 200):
        """The list: each item's case, incident type, retention and when it became due."""
        due = disposition.disposition_list(g.user)
        return self.render_template("disposition/list.html", due=due, typed_reason=typed_reason), status

    @expose("/dispose", methods=["POST"])
    @has_access
    @flash_refusals(_back_to_list)
    def dispose(self):
        """Dispose of the ticked items, with the reason typed."""
        ids = [int(value) for value in request.form.getlist("items") if value.isdigit()]
        reason = request.form.get("reason", "")
        try:
            done = disposition.dispose(ids, g.user, reason)
        except RegistryError as error:
            flash(error.message, "danger")
            return self.index(typed_reason=reason[:2000], status=error.status)
        flash(f"Disposed of {len(done)} evidence item{'s'[:len(done) != 1]}: the stored copies are "
              "deleted, their records and custody logs kept.", "success")
        return redirect(url_for(".index"))


class LegalHoldView(BaseView):
    """POST /case/hold/<case_id>: place or lift a legal hold (supervisors)."""

    route_base = "/case/hold"
    class_permission_name = "Case"
    method_permission_name = {"hold": "legal_hold"}

    @expose("/<int:case_id>", methods=["POST"])
    @has_access
    @flash_refusals(_back_to_case)
    def hold(self, case_id: int):
        """Set the hold as the form says (hold=1 to place, hold=0 to lift), with a reason."""
        hold = request.form.get("hold") == "1"
        disposition.set_legal_hold(case_id, g.user, hold, request.form.get("reason"))
        flash("The case is on legal hold: none of its evidence will be disposed of." if hold
              else "The legal hold is lifted.", "success")
        return redirect(url_for("CaseView.show", pk=case_id))


class UniqueIncidentType:
    """Form check: one retention rule per incident type (compared as the rule stores it,
    trimmed and lower-case), so a second one is refused on the form with what was typed
    instead of by the database."""

    def __call__(self, form, field) -> None:
        typed = (field.data or "").strip().lower()
        editing = (request.view_args or {}).get("pk")
        if typed and typed != (editing or "").strip().lower() and db.session.get(RetentionRule, typed):
            raise ValidationError(f"The incident type {typed} already has a retention rule: edit that one.")


class RetentionRuleView(RegistryModelView):
    """Footage -> Retention rules: days evidence of each incident type is kept after the case's
    requests are closed (Admin edits; supervisors read)."""

    datamodel = RegistryInterface(RetentionRule)
    class_permission_name = "RetentionRule"
    list_title = "Retention rules"
    list_columns = ["incident_type", "retain_days", "note"]
    add_columns = edit_columns = show_columns = ["incident_type", "retain_days", "note"]
    label_columns = {"incident_type": "Incident type", "retain_days": "Keep evidence (days)",
                     "note": "Why (policy or law)"}
    description_columns = {
        "incident_type": "As typed on cases, e.g. burglary (case does not matter)",
        "retain_days": "Counted from the day the case's last footage request was closed or cancelled",
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "incident_type": StringField("Incident type",
                                     validators=[DataRequired(), Length(max=60), UniqueIncidentType()]),
        "retain_days": IntegerField("Keep evidence (days)",
                                    validators=[DataRequired(), NumberRange(min=1, max=36500)]),
        "note": TextAreaField("Why (policy or law)", validators=[Optional(), Length(max=2000)]),
    }


def case_retention(case_id: int) -> disposition.Retention | None:
    """A case's retention for its page (None when the signed-in user may not see the case)."""
    try:
        case = scoped_get(Case, case_id, g.user, lambda: RequestNotFound("not found"))
    except RequestNotFound:
        return None
    return disposition.retention_of(case)


def register(appbuilder: AppBuilder) -> None:
    """The disposition list and retention rules under Footage; the legal hold form's target."""
    appbuilder.app.add_template_global(case_retention, "case_retention")
    appbuilder.add_view(DispositionView, "Disposition", icon="fa-trash", category="Footage")
    appbuilder.add_view(RetentionRuleView, "Retention rules", icon="fa-calendar", category="Footage")
    appbuilder.add_view_no_menu(LegalHoldView)
