"""Investigators' and supervisors' case screens, scoped to their own agency."""
import os
import tempfile

from flask import g, redirect, request, session, url_for
from flask_appbuilder import AppBuilder, expose, has_access
from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget, BS3TextFieldWidget
from wtforms import StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from workflows import discovery

from ..datamodel import RegistryInterface
from ..extensions import db
from ..http_errors import flash_refusals
from ..models import Case
from ..scoping import AgencyScope, current_user
from ..downloads import send_download
from .forms import latlon_fields
from .registry import READ_WRITE, RegistryModelView
from .timefields import local_datetime_field

TYPED_RECIPIENT = "registry.typed_recipient"  # the package form's recipient, after a refusal


def _back_to_case(pk: int) -> str:
    """After a refused package: the case page, with whom it was for kept in the (signed)
    session for the form there (not in the URL, which access logs keep)."""
    typed = request.environ.get(TYPED_RECIPIENT)
    if typed:
        session[TYPED_RECIPIENT] = typed
    return url_for("CaseView.show", pk=pk)


class UniqueCaseNumber:
    """Form check: a case number is used once per agency."""

    def __call__(self, form, field) -> None:
        user = current_user()
        number = (field.data or "").strip()
        query = db.session.query(Case.id).filter(
            Case.agency_id == getattr(user, "agency_id", None), Case.case_number == number
        )
        editing = (request.view_args or {}).get("pk")
        if editing is not None:
            query = query.filter(Case.id != int(editing))
        if db.session.query(query.exists()).scalar():
            raise ValidationError(f"Your agency already has a case numbered {number}.")


class NotBefore:
    """Form check: this time is not before another field's time."""

    def __init__(self, other: str):
        self.other = other

    def __call__(self, form, field) -> None:
        start = form[self.other].data
        if start and field.data and field.data < start:
            raise ValidationError("Must not be before the start of the window.")


def _when(label: str, hint: str, *validators):
    return local_datetime_field(label, hint, [InputRequired(), *validators])


class CaseView(RegistryModelView):
    """Cases of the user's agency: where and when the incident happened."""

    datamodel = RegistryInterface(Case)
    class_permission_name = "Case"
    method_permission_name = {**READ_WRITE, "package": "package"}  # supervisors only (roles.py)
    list_title = "Cases"
    show_title = "Case"
    add_title = "Open a case"
    # A case is closed, not deleted: only Admin holds can_delete, and gives a reason.
    base_filters = [["id", AgencyScope, None]]
    base_order = ("occurred_from", "desc")
    list_columns = ["case_number", "incident_type", "address", "occurred_from", "occurred_to", "lead_investigator"]
    _form = ["case_number", "incident_type", "address", "lat", "lon", "occurred_from", "occurred_to", "summary"]
    add_columns = edit_columns = _form
    show_columns = _form + ["agency", "lead_investigator", "created_at"]
    search_columns = ["case_number", "incident_type", "address", "occurred_from"]
    order_columns = ["case_number", "incident_type", "occurred_from", "occurred_to"]
    show_template = "cases/show.html"
    add_template = "cases/add.html"
    edit_template = "cases/edit.html"
    label_columns = {
        "case_number": "Case number",
        "incident_type": "Incident type",
        "occurred_from": "Occurred from",
        "occurred_to": "Occurred to",
        "lead_investigator": "Lead investigator",
        "address": "Address",
        "lat": "Latitude",
        "lon": "Longitude",
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "case_number": StringField(
            "Case number",
            widget=BS3TextFieldWidget(),
            filters=[lambda v: v.strip() if v else v],
            validators=[DataRequired(), Length(max=40), UniqueCaseNumber()],
        ),
        "incident_type": StringField(
            "Incident type",
            description="e.g. burglary, robbery, hit and run",
            widget=BS3TextFieldWidget(),
            validators=[DataRequired(), Length(max=60)],
        ),
        "address": StringField(
            "Address",
            description="Where it happened, in words (picking an address below fills it in)",
            widget=BS3TextFieldWidget(),
            filters=[lambda v: v.strip() if v else v],
            validators=[Optional(), Length(max=300)],
        ),
        **latlon_fields(required=True),
        "occurred_from": _when("Occurred from", "Start of the time window"),
        "occurred_to": _when("Occurred to", "End of the time window", NotBefore("occurred_from")),
        "summary": TextAreaField("Summary", widget=BS3TextAreaFieldWidget(), validators=[Optional()]),
    }

    def render_template(self, template, **kwargs):
        """The case page gets what the package form held before a refusal."""
        if template == self.show_template:
            kwargs["typed_recipient"] = session.pop(TYPED_RECIPIENT, "")
        return super().render_template(template, **kwargs)

    @expose("/package/<int:pk>", methods=["POST"])
    @has_access
    @flash_refusals(_back_to_case)
    def package(self, pk: int):
        """The prosecutor's evidence package of this case, as a ZIP download."""
        request.environ[TYPED_RECIPIENT] = request.form.get("recipient", "")[:discovery.MAX_RECIPIENT]
        case = discovery.load_case(pk, g.user)
        descriptor, name = tempfile.mkstemp(suffix=".zip")
        os.close(descriptor)
        try:
            discovery.build(case.case_number, g.user, request.form.get("recipient", ""), name,
                            agency_ori=case.agency.ori)
            handle = open(name, "rb")  # send_file closes it
        finally:
            os.unlink(name)  # the open handle keeps the bytes until the download is sent
        return send_download(handle, discovery.download_name(case), mimetype="application/zip", max_age=0)

    def pre_add(self, item: Case) -> None:
        """A case belongs to the agency of the user who opens it, who leads it."""
        item.agency_id = g.user.agency_id
        if item.lead_investigator_id is None:
            item.lead_investigator_id = g.user.id

    def post_add(self, item: Case) -> None:
        g.case_added = item.id

    def post_add_redirect(self):
        """A new case opens on its own page (its map and canvass sheet are the next step), not
        on the page the form was reached from."""
        added = g.pop("case_added", None)
        if added is not None:
            return redirect(url_for(f"{type(self).__name__}.show", pk=added))
        return super().post_add_redirect()


def register(appbuilder: AppBuilder) -> None:
    """Add the case screen under Investigations."""
    appbuilder.add_view(CaseView, "Cases", icon="fa-folder-open", category="Investigations")
