"""Admin screens beyond FAB's user and role management."""
from flask_appbuilder import AppBuilder
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..datamodel import RegistryInterface
from ..models import Agency
from ..models.agency import ORI_RE
from .registry import RegistryModelView


class AgencyView(RegistryModelView):
    """Agencies sharing the registry (name, 9-character ORI, county-wide oversight)."""

    datamodel = RegistryInterface(Agency)
    class_permission_name = "Agency"
    list_title = "Agencies"
    list_columns = add_columns = edit_columns = show_columns = ["name", "ori", "county_oversight"]
    search_columns = ["name", "ori"]
    label_columns = {"ori": "ORI", "county_oversight": "County-wide oversight"}
    OVERSIGHT_HINT = ("The portal operator (such as the District Attorney): this agency's auditors "
                      "read every agency's audit events, cases and footage requests. Other "
                      "agencies' auditors read their own agency's only.")
    description_columns = {"county_oversight": OVERSIGHT_HINT}
    formatters_columns = {"county_oversight": lambda value: "Yes" if value else "No"}
    add_form_extra_fields = edit_form_extra_fields = {
        "name": StringField("Name", validators=[DataRequired(), Length(max=200)]),
        "ori": StringField(
            "ORI",
            description="9 characters: state code then 7 letters or digits, e.g. CA0150000",
            validators=[DataRequired(), Regexp(ORI_RE, message="Not a valid ORI")],
            filters=[lambda v: v.strip().upper() if v else v],
        ),
        # Unticked is an answer (no), not a missing one.
        "county_oversight": BooleanField("County-wide oversight", description=OVERSIGHT_HINT,
                                         validators=[Optional()]),
    }


def register(appbuilder: AppBuilder) -> None:
    """Add the agency screen under Security."""
    appbuilder.add_view(AgencyView, "Agencies", icon="fa-building", category="Security")
