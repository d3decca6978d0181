"""The supervisor's and Registry Staff's dashboards: their figures equal the same figures
computed by raw SQL, nothing of another agency is counted, each is open to its role only, and
the page's statements do not grow with the rows counted."""
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from statistics import median

import pytest
from sqlalchemy import text

from backoffice.extensions import db
from backoffice.localtime import county_today
from backoffice.models import RequestTransition
from backoffice.oversight import supervisor_figures
from backoffice.registry_figures import coverage, registry_figures
from backoffice.views.dashboards import hours_words
from tests import factories
from tests.auth import login
from tests.backoffice.test_list_queries import count_statements

NOW = datetime.now(timezone.utc).replace(microsecond=0)


def moved(item, to_state: str, at: datetime, from_state: str = "open") -> None:
    db.session.add(RequestTransition(footage_request_id=item.id, from_state=from_state,
                                     to_state=to_state, trigger="test", at=at))


def requests_with_history(agency_index: int = 0, investigator: str = "investigator") -> list:
    """Five requests of one agency at different steps, with their state history."""
    assignee = factories.user(investigator).id
    case = factories.case(agency_index=agency_index)
    start = NOW - timedelta(days=10)
    collected = factories.footage_request(case_obj=case, state="collected", assignee_id=assignee)
    moved(collected, "contacted", start)
    moved(collected, "consented", start + timedelta(hours=6), "contacted")
    moved(collected, "collected", start + timedelta(hours=30), "consented")
    slow = factories.footage_request(case_obj=case, state="released")
    moved(slow, "contacted", start)
    moved(slow, "consented", start + timedelta(hours=50), "contacted")
    moved(slow, "collected", start + timedelta(hours=54), "consented")
    moved(slow, "released", start + timedelta(hours=90), "collected")
    declined = factories.footage_request(case_obj=case, state="declined", assignee_id=assignee)
    moved(declined, "contacted", start + timedelta(hours=1))
    moved(declined, "declined", start + timedelta(hours=2), "contacted")
    due_soon = factories.footage_request(case_obj=case, state="contacted", assignee_id=assignee,
                                         deadline=NOW + timedelta(hours=20))
    moved(due_soon, "contacted", start + timedelta(hours=3))
    later = factories.footage_request(case_obj=case, state="open", deadline=NOW + timedelta(hours=60))
    overdue = factories.footage_request(case_obj=case, state="consented", assignee_id=assignee,
                                        deadline=NOW - timedelta(hours=2))
    moved(overdue, "contacted", start)
    moved(overdue, "consented", start + timedelta(hours=1), "contacted")
    db.session.flush()
    return [collected, slow, declined, due_soon, later, overdue]


def _instant(value) -> datetime:
    if isinstance(value, str):  # SQLite returns the stored text
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def raw_figures(agency_id: int) -> dict:
    """The same figures straight from the tables."""
    states = dict(db.session.execute(text(
        'SELECT fr.state, count(*) FROM footage_request fr JOIN "case" c ON c.id = fr.case_id '
        "WHERE c.agency_id = :a GROUP BY fr.state"), {"a": agency_id}).all())
    firsts: dict[int, dict[str, datetime]] = defaultdict(dict)
    for request_id, state, at in db.session.execute(text(
            "SELECT t.footage_request_id, t.to_state, min(t.at) FROM request_transition t "
            "JOIN footage_request fr ON fr.id = t.footage_request_id "
            'JOIN "case" c ON c.id = fr.case_id WHERE c.agency_id = :a '
            "GROUP BY t.footage_request_id, t.to_state"), {"a": agency_id}):
        firsts[request_id][state] = _instant(at)
    contacted = [f for f in firsts.values() if "contacted" in f]
    to_consent = [(f["consented"] - f["contacted"]).total_seconds() / 3600
                  for f in contacted if "consented" in f]
    to_collect = [(f["collected"] - f["consented"]).total_seconds() / 3600
                  for f in firsts.values() if "consented" in f and "collected" in f]
    due = lambda hours: db.session.execute(text(  # noqa: E731
        'SELECT count(*) FROM footage_request fr JOIN "case" c ON c.id = fr.case_id '
        "WHERE c.agency_id = :a AND fr.deadline IS NOT NULL AND fr.deadline <= :until "
        "AND fr.state IN ('open', 'contacted', 'consented', 'no_response')"),
        {"a": agency_id, "until": (NOW + timedelta(hours=hours)).replace(tzinfo=None)
         if db.engine.dialect.name == "sqlite" else NOW + timedelta(hours=hours)}).scalar_one()
    return {
        "states": states,
        "contacted": len(contacted),
        "collected": sum(1 for f in contacted if "collected" in f),
        "declined": sum(1 for f in contacted if "declined" in f),
        "to_consent": median(to_consent),
        "to_collect": median(to_collect),
        "due24": due(24),
        "due72": due(72),
    }


def test_supervisor_figures_equal_raw_sql(ctx):
    requests_with_history()
    requests_with_history(agency_index=1, investigator="investigator2")  # not counted
    supervisor = factories.user("supervisor")
    figures = supervisor_figures(supervisor, now=NOW)
    raw = raw_figures(supervisor.agency_id)

    assert {s: n for s, n in figures.by_state.items() if n} == raw["states"]
    assert figures.overall.requests == sum(raw["states"].values()) == 6
    assert figures.overall.contacted == raw["contacted"] == 5
    assert figures.overall.collected == raw["collected"] == 2
    assert figures.overall.declined == raw["declined"] == 1
    assert figures.overall.collection_rate == pytest.approx(2 / 5)
    assert figures.overall.refusal_rate == pytest.approx(1 / 5)
    assert figures.overall.median_contact_to_consent_h == pytest.approx(raw["to_consent"]) == 6
    assert figures.overall.median_consent_to_collection_h == pytest.approx(raw["to_collect"]) == 14
    assert len(figures.at_risk[24]) == raw["due24"] == 2  # the one due in 20 h, the overdue one
    assert len(figures.at_risk[72]) == raw["due72"] == 3
    assert [entry.state for entry in figures.overdue] == ["consented"]


def test_per_investigator_and_per_month(ctx):
    requests_with_history()
    figures = supervisor_figures(factories.user("supervisor"), now=NOW)
    by_name = {group.label: group for group in figures.by_investigator}
    assert by_name["Unassigned"].requests == 2
    assigned = [group for label, group in by_name.items() if label != "Unassigned"]
    assert len(assigned) == 1 and assigned[0].requests == 4
    assert assigned[0].median_consent_to_collection_h == 24
    assert sum(group.requests for group in figures.by_month) == 6


def test_dashboard_page_shows_the_figures_to_supervisors_only(client, ctx):
    requests_with_history()
    assert login(client, "supervisor").status_code == 302
    page = client.get("/dashboard/agency")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Agency dashboard" in html
    assert "40 %" in html and "20 %" in html  # collection and refusal rates
    assert "6.0 h" in html  # median contact → consent
    assert "Footage collected" in html and "footage_request" not in html
    assert 'id="chart-states"' in html and "vendor/chartjs/chart.umd.min.js" in html
    for username in ("investigator", "staff", "auditor"):
        client.get("/logout/")
        assert login(client, username).status_code == 302
        assert client.get("/dashboard/agency").status_code in (302, 403)


def test_dashboard_statements_do_not_grow_with_requests(client, ctx):
    requests_with_history()
    assert login(client, "supervisor").status_code == 302
    client.get("/dashboard/agency")
    with count_statements() as few:
        assert client.get("/dashboard/agency").status_code == 200
    for _ in range(3):
        requests_with_history()
    with count_statements() as many:
        assert client.get("/dashboard/agency").status_code == 200
    assert len(many) == len(few)


def test_registry_figures_equal_raw_sql(ctx, app):
    today = county_today()
    grace = app.config["LAPSE_AFTER_DAYS"]
    # Due `grace` days ago: lapses tomorrow; due grace+1 days ago: lapses today.
    factories.registration(next_confirmation_due=today - timedelta(days=grace))
    factories.registration(next_confirmation_due=today - timedelta(days=grace + 1))
    factories.registration(next_confirmation_due=today + timedelta(days=10))
    factories.registration(next_confirmation_due=today - timedelta(days=grace), status="withdrawn")
    db.session.flush()
    figures = registry_figures(today)
    assert figures.lapsing[today] >= 1 and figures.lapsing[today + timedelta(days=1)] >= 1
    raw_lapsing = db.session.execute(text(
        "SELECT count(*) FROM registration WHERE status = 'active' "
        "AND next_confirmation_due BETWEEN :a AND :b"),
        {"a": today - timedelta(days=grace + 1),
         "b": today - timedelta(days=grace + 1) + timedelta(days=29)}).scalar_one()
    assert sum(figures.lapsing.values()) == raw_lapsing
    overdue = db.session.execute(text(
        "SELECT count(*) FROM registration WHERE status IN ('active', 'lapsed') "
        "AND next_confirmation_due < :t"), {"t": today}).scalar_one()
    assert figures.confirmations_overdue == overdue
    month = today.strftime("%Y-%m")
    assert figures.per_month[month][0] >= 4 and figures.per_month[month][1] >= 4


def test_coverage_counts_active_cameras_per_square(ctx):
    far = (35.9012, -118.4321)  # Kern River valley: its own square
    factories.registration(lat=far[0], lon=far[1], cameras=3)
    factories.registration(lat=far[0] + 0.001, lon=far[1] + 0.001, cameras=2, status="withdrawn")
    db.session.flush()  # no recount: the database keeps the summary current
    cells, empty = coverage()
    square = [f for f in cells["features"]
              if f["geometry"]["coordinates"][0][0][0] <= far[1] < f["geometry"]["coordinates"][0][1][0]
              and f["geometry"]["coordinates"][0][0][1] <= far[0] < f["geometry"]["coordinates"][0][2][1]]
    assert len(square) == 1 and square[0]["properties"]["cameras"] == 3
    assert empty > 0  # the demo county's outline: most of the county has no camera
    assert all(f["properties"]["cameras"] >= 0 for f in cells["features"])


def test_registry_dashboard_is_for_registry_staff(client, ctx):
    factories.registration(next_confirmation_due=date.today() - timedelta(days=3))
    db.session.flush()
    assert login(client, "staff").status_code == 302
    page = client.get("/dashboard/registry")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Registry dashboard" in html and 'id="coverage-map"' in html
    client.get("/logout/")
    assert login(client, "investigator").status_code == 302
    assert client.get("/dashboard/registry").status_code in (302, 403)


def test_a_median_under_an_hour_reads_in_minutes():
    assert hours_words(25 / 60) == "25 min"
    assert hours_words(10 / 3600) == "under 1 min"
    assert hours_words(0.0) == "under 1 min"
    assert hours_words(6.0) == "6.0 h" and hours_words(72.0) == "3.0 days" and hours_words(None) == "—"


def test_the_coverage_map_counts_a_registration_committed_a_moment_ago(app):
    """No worker and no recount: the cameras of a registration committed now are on the
    dashboard at once (committed, so cleaned up)."""
    from backoffice.models import Registration

    with app.app_context():
        before = sum(f["properties"]["cameras"] for f in registry_figures().coverage["features"])
        db.session.rollback()
        reg = factories.registration(lat=35.9012, lon=-118.4321, cameras=2)
        db.session.commit()
        reg_id = reg.id
        try:
            counted = sum(f["properties"]["cameras"] for f in registry_figures().coverage["features"])
            assert counted == before + 2
        finally:
            db.session.rollback()
            registration = db.session.get(Registration, reg_id)
            owner = registration.owner
            db.session.delete(registration)  # its cameras with it
            db.session.flush()
            db.session.delete(owner)
            db.session.commit()
            db.session.remove()
