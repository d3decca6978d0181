"""`flask registry demo-data`: a believable county around Bakersfield and the demo accounts."""
import math
import re
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import delete, event
from werkzeug.security import check_password_hash

from backoffice import geodesy
from backoffice.accounts import DEMO_AGENCIES
from backoffice.extensions import db
from backoffice.models import (
    AddressKey,
    AddressPoint,
    Agency,
    AgencyUser,
    Camera,
    Case,
    Owner,
    Registration,
    RegistrationLifecycle,
)
from tests.factories import BAKERSFIELD

ROOT = Path(__file__).resolve().parents[2]

# SPEC §6: one user per role, five in the first agency and two in the second.
DEMO_USERS = {
    "admin": ("Admin", 0),
    "staff": ("Registry Staff", 0),
    "investigator": ("Investigator", 0),
    "supervisor": ("Supervisor", 0),
    "auditor": ("Auditor", 0),
    "investigator2": ("Investigator", 1),
    "supervisor2": ("Supervisor", 1),
}


def demo(runner, *args: str, cameras: int = 200):
    """Run demo-data and insist that it succeeded."""
    result = runner.invoke(args=["registry", "demo-data", "--cameras", str(cameras), *args])
    assert result.exit_code == 0, result.output
    return result


def counts() -> tuple[int, int, int]:
    """How many owners, registrations and cameras exist."""
    return tuple(db.session.query(model).count() for model in (Owner, Registration, Camera))


def distance_m(lat: float, lon: float) -> float:
    """Geodesic distance from downtown Bakersfield in metres."""
    return geodesy.distance_m(*BAKERSFIELD, lat, lon)


def snapshot() -> list[tuple]:
    """Everything the generator decides (dates aside, which follow the calendar), in order."""
    cameras = db.session.query(Camera).join(Camera.registration).order_by(Camera.id).all()
    return [
        (
            c.registration.owner.kind, c.registration.owner.name, c.registration.owner.email,
            c.registration.owner.phone, c.registration.address, c.registration.city,
            c.registration.postal_code, c.registration.status, c.label, c.direction_deg,
            c.fov_deg, c.range_m, c.retention_days, c.recording_mode, c.system_type,
            c.make_model, round(c.lat, 7), round(c.lon, 7),
        )
        for c in cameras
    ]


def clear_registry() -> None:
    """Remove every owner, registration and camera (inside the test's transaction)."""
    for model in (Camera, Registration, Owner):
        db.session.execute(delete(model))
    db.session.expunge_all()


def test_creates_exactly_the_requested_number_of_cameras(runner):
    result = demo(runner)
    assert db.session.query(Camera).count() == 200
    owners, registrations, _ = counts()
    assert 0 < owners <= registrations < 200  # 1–4 cameras a home, more at businesses
    assert result.output.strip().splitlines()[-1].startswith("demo-data: ")
    assert "200 cameras" in result.output


def test_creates_both_agencies_and_the_demo_users(tmp_path):
    # An empty database of its own, so that the command, not the test seed, creates the
    # accounts (the shared one's users are referenced by the append-only audit log).
    import config
    from flask_migrate import upgrade

    from backoffice import create_app

    fresh = create_app({"DATABASE_URL": config.sqlite_url(tmp_path / "demo.db"),
                        "RATELIMIT_ENABLED": False, "TESTING": True})
    with fresh.app_context():
        upgrade()
        fresh.appbuilder.sm.sync_roles()
        db.session.commit()
        result = fresh.test_cli_runner().invoke(args=["registry", "demo-data", "--cameras", "5"])
        assert result.exit_code == 0, result.output
        agencies = db.session.query(Agency).order_by(Agency.id).all()
        assert len(agencies) == 2
        users = {user.username: user for user in db.session.query(AgencyUser)}
        assert set(users) == set(DEMO_USERS)
        for username, (role, agency_index) in DEMO_USERS.items():
            user = users[username]
            assert [r.name for r in user.roles] == [role]
            assert user.agency_id == agencies[agency_index].id
            assert check_password_hash(user.password, fresh.config["DEMO_PASSWORD"])
        db.session.remove()


def test_status_mix_includes_every_status_with_consistent_dates(runner):
    demo(runner)
    registrations = db.session.query(Registration).all()
    statuses = [r.status for r in registrations]
    assert set(statuses) == {"active", "pending", "lapsed", "withdrawn"}
    assert statuses.count("active") > len(statuses) * 0.75
    today = date.today()
    for r in registrations:
        assert r.registered_at is not None
        if r.status == "active":
            assert r.next_confirmation_due >= today
        elif r.status == "lapsed":
            assert r.next_confirmation_due < today - timedelta(days=30)
        elif r.status == "pending":
            assert r.last_confirmed_at is None
        if r.last_confirmed_at is not None:
            assert r.registered_at <= r.last_confirmed_at


def test_cameras_are_dated_with_their_premises_registration(runner):
    """The Registry dashboard counts new cameras per month: in the demo they arrive over the
    years their premises were registered, not all on the day the demo was made."""
    demo(runner)
    registrations = db.session.query(Registration).all()
    for r in registrations:
        assert all(camera.created_at == r.registered_at for camera in r.cameras)
    months = {camera.created_at.strftime("%Y-%m") for r in registrations for camera in r.cameras}
    assert len(months) > 12


def test_every_location_is_within_15_km_of_bakersfield(runner):
    demo(runner)
    located = db.session.query(Registration).all() + db.session.query(Camera).all()
    assert max(distance_m(item.lat, item.lon) for item in located) < 15_000


def test_cameras_and_owners_look_real_but_are_fictional(runner):
    demo(runner)
    cameras = db.session.query(Camera).all()
    domes = [c for c in cameras if c.direction_deg is None]
    assert domes and all(c.fov_deg == 360 for c in domes)
    assert {c.system_type for c in cameras} == {"dvr_nvr", "cloud_doorbell", "standalone"}
    assert all(c.retention_days in (30, 60) for c in cameras if c.system_type == "cloud_doorbell")
    owners = db.session.query(Owner).all()
    assert {o.kind for o in owners} == {"resident", "business"}
    assert all(o.organisation for o in owners if o.kind == "business")
    for owner in owners:
        assert owner.email or owner.phone
        if owner.email:
            assert re.search(r"[@.]example\.(com|net|org)$", owner.email)
        if owner.phone:
            assert re.fullmatch(r"\+166155501\d\d", owner.phone)  # stored as E.164


def test_if_empty_leaves_an_existing_registry_alone_but_ensures_accounts(runner):
    demo(runner, "--if-empty")
    before = counts()
    assert before[2] == 200
    # Renamed, not deleted: the account may already have audit history (kept for good).
    gone = db.session.query(AgencyUser).filter_by(username="auditor").one()
    gone.username, gone.email = "auditor-retired", "auditor-retired@example.org"
    db.session.flush()
    result = demo(runner, "--if-empty")
    assert counts() == before
    assert "already exist" in result.output
    assert db.session.query(AgencyUser).filter_by(username="auditor").count() == 1


def test_same_seed_gives_the_same_county(runner):
    demo(runner, "--seed", "7")
    first = snapshot()
    clear_registry()
    demo(runner, "--seed", "7")
    assert snapshot() == first
    clear_registry()
    demo(runner, "--seed", "8")
    assert snapshot() != first


def test_default_county_is_created_quickly(runner):
    """What makes the 2,000-camera county quick to create: its rows are only inserted (at most
    one statement a row, fewer where the driver sends them in bulk), never updated, deleted or
    looked up one by one: the few reads are per batch of owners, not per premises or camera."""
    tables = (Owner, Registration, RegistrationLifecycle, Camera, AddressPoint, AddressKey, Case)
    before = [db.session.query(model).count() for model in tables]
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement.split(None, 1)[0].upper())

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        result = runner.invoke(args=["registry", "demo-data"])
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert result.exit_code == 0, result.output
    assert db.session.query(Camera).count() - before[3] == 2000
    added = sum(db.session.query(model).count() - count for model, count in zip(tables, before, strict=True))
    others = [verb for verb in statements if verb != "INSERT"]
    assert statements.count("INSERT") <= added
    assert "UPDATE" not in others and "DELETE" not in others, others
    assert len(others) <= 30, others  # a read per premises or camera would be hundreds


def test_each_agency_gets_an_open_case_to_try_the_map_with(runner):
    demo(runner, cameras=50)
    demo(runner, "--seed", "3", cameras=50)  # a second run adds no duplicate case
    cases = db.session.query(Case).order_by(Case.id).all()
    assert [c.agency.ori for c in cases] == [ori for _, ori, _ in DEMO_AGENCIES]
    for case in cases:
        assert case.occurred_from < case.occurred_to
        assert math.dist((case.lat, case.lon), BAKERSFIELD) < 0.05
        assert case.lead_investigator.agency_id == case.agency_id


def test_every_demo_premises_has_an_address_point_that_address_search_finds(runner, client):
    from backoffice.models import AddressPoint
    from backoffice.portal.addresses import suggest

    clear_registry()
    result = demo(runner, cameras=60)
    registrations = db.session.query(Registration).all()
    points = {(p.address, p.city, p.postal_code): (p.lat, p.lon) for p in db.session.query(AddressPoint)}
    for r in registrations:
        assert (r.address, r.city, r.postal_code) in points, r.address
    assert " address points, " in result.output
    premises = registrations[0]
    found = suggest(premises.address)
    assert f"{premises.address}, {premises.city} {premises.postal_code}" in [s["label"] for s in found]
    # ... and the portal's address box answers with it.
    typed = client.get("/register/addresses", query_string={"q": premises.address}).get_json()
    assert any(s["address"] == premises.address and s["city"] == premises.city for s in typed)


def test_what_make_run_loads_can_run_again_without_adding_anything(runner):
    """`make run` creates the demo county if empty, then imports the sample address points."""
    from backoffice.models import AddressPoint

    samples = str(ROOT / "samples" / "addresses.csv")
    clear_registry()
    demo(runner, "--if-empty", cameras=40)
    first = runner.invoke(args=["registry", "import-addresses", samples])
    assert first.exit_code == 0, first.output
    before = counts(), db.session.query(AddressPoint).count()
    demo(runner, "--if-empty", cameras=40)
    again = runner.invoke(args=["registry", "import-addresses", samples])
    assert again.exit_code == 0, again.output
    assert "added 0, updated 0, unchanged 52," in again.output
    assert (counts(), db.session.query(AddressPoint).count()) == before


def test_the_demo_review_queue_was_verified_in_the_past(runner):
    from backoffice.localtime import utcnow
    from backoffice.models import RegistrationLifecycle

    demo(runner, cameras=400)
    verified = [v for v, in db.session.query(RegistrationLifecycle.verified_at).filter(
        RegistrationLifecycle.verified_at.is_not(None))]
    assert verified and max(verified) <= utcnow()
