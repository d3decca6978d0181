"""Test data builders on the real models."""
from datetime import datetime, timedelta, timezone
from itertools import count

from backoffice.accounts import ensure_demo_accounts
from backoffice.extensions import db
from backoffice.models import Agency, AgencyUser, Camera, Case, FootageRequest, Owner, Registration

PASSWORD = "test-pass-2026-long"
BAKERSFIELD = (35.3733, -119.0187)
_seq = count(1)


def seed_users(password: str = PASSWORD) -> None:
    """The demo agencies and one user per role, as in SPEC §6."""
    ensure_demo_accounts(password)


def user(username: str) -> AgencyUser:
    """A seeded user by name."""
    return db.session.query(AgencyUser).filter_by(username=username).one()


def agency(index: int = 0) -> Agency:
    """One of the two seeded agencies."""
    return db.session.query(Agency).order_by(Agency.id).all()[index]


def owner(**fields) -> Owner:
    """A resident owner."""
    n = next(_seq)
    values = {"kind": "resident", "name": f"Owner {n}", "email": f"owner{n}@example.net"}
    values.update(fields)
    item = Owner(**values)
    db.session.add(item)
    db.session.flush()
    return item


def registration(lat: float = BAKERSFIELD[0], lon: float = BAKERSFIELD[1], cameras: int = 1, **fields):
    """An active registration with cameras at its premises."""
    n = next(_seq)
    values = {
        "owner": fields.pop("owner", None) or owner(),
        "address": f"{100 + n} Test Street",
        "city": "Bakersfield",
        "status": "active",
    }
    values.update(fields)
    item = Registration(**values)
    item.set_location(lat, lon)
    for i in range(cameras):
        item.cameras.append(Camera(label=f"Camera {i + 1}", direction_deg=90, fov_deg=90))
    db.session.add(item)
    db.session.flush()
    return item


def case(agency_index: int = 0, **fields) -> Case:
    """A case of one of the seeded agencies."""
    n = next(_seq)
    now = datetime.now(timezone.utc)
    values = {
        "agency_id": agency(agency_index).id,
        "case_number": f"2026-{n:05d}",
        "incident_type": "burglary",
        "occurred_from": now - timedelta(hours=3),
        "occurred_to": now - timedelta(hours=2),
    }
    values.update(fields)
    item = Case(**values)
    item.set_location(*BAKERSFIELD)
    db.session.add(item)
    db.session.flush()
    return item


def footage_request(case_obj: Case | None = None, reg: Registration | None = None, **fields):
    """An open footage request for a case and a registration."""
    case_obj = case_obj or case()
    reg = reg or registration()
    cameras = list(reg.cameras)  # loaded before the new request joins the case's collection
    values = {
        "case": case_obj,
        "registration": reg,
        "window_from": case_obj.occurred_from,
        "window_to": case_obj.occurred_to,
    }
    values.update(fields)
    item = FootageRequest(**values)
    item.cameras = cameras
    db.session.add(item)
    db.session.flush()
    return item
