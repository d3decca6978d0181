"""Creating agencies and users (demo data, tests, first set-up)."""
from flask import current_app

from .extensions import db
from .models import Agency, AgencyUser

# (name, ORI, county-wide oversight): the District Attorney runs the portal and oversees it.
DEMO_AGENCIES = (
    ("Kern County District Attorney", "CA0150000", True),
    ("Bakersfield Police Department", "CA0150200", False),
)

# (username, role, index into DEMO_AGENCIES, first name, last name)
DEMO_USERS = (
    ("admin", "Admin", 0, "Alex", "Admin"),
    ("staff", "Registry Staff", 0, "Sam", "Staff"),
    ("investigator", "Investigator", 0, "Ivy", "Investigator"),
    ("supervisor", "Supervisor", 0, "Sol", "Supervisor"),
    ("auditor", "Auditor", 0, "Aud", "Auditor"),
    ("investigator2", "Investigator", 1, "Ian", "Second"),
    ("supervisor2", "Supervisor", 1, "Sue", "Second"),
)


def ensure_agency(name: str, ori: str, county_oversight: bool = False) -> Agency:
    """The agency with this ORI, created if missing (oversight set only on creation: an
    administrator's later choice stands)."""
    agency = db.session.query(Agency).filter_by(ori=ori).one_or_none()
    if agency is None:
        agency = Agency(name=name, ori=ori, county_oversight=county_oversight)
        db.session.add(agency)
        db.session.flush()
    return agency


def ensure_user(
    username: str, role: str, agency: Agency | None, password: str, first: str, last: str
) -> AgencyUser:
    """The user with this name and role, created if missing (password set only on creation)."""
    sm = current_app.appbuilder.sm  # type: ignore[attr-defined]  # FAB sets app.appbuilder
    user = sm.find_user(username=username)
    if user is None:
        user = sm.add_user(
            username,
            first,
            last,
            f"{username}@example.org",
            [sm.find_role(role)],
            password=password,
            commit=False,
        )
        if not user:
            raise RuntimeError(f"could not create user {username}")
    user.agency_id = agency.id if agency else None
    db.session.flush()
    return user


def ensure_demo_accounts(password: str) -> dict[str, AgencyUser]:
    """Both demo agencies and one user per role (SPEC §6)."""
    agencies = [ensure_agency(*agency) for agency in DEMO_AGENCIES]
    return {
        username: ensure_user(username, role, agencies[index], password, first, last)
        for username, role, index, first, last in DEMO_USERS
    }
