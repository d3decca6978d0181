"""Oversight tours (README, "A tour by role"): a supervisor approves a release an investigator
asked for, and cannot approve their own; an auditor filters the audit log and exports it as
CSV; an administrator adds a user to an agency. Each step is clicked or typed in the browser
and checked in the database."""
import csv
import io
import re
from datetime import datetime

from sqlalchemy import select

from backoffice import audit
from backoffice.extensions import db
from backoffice.localtime import county_zone
from backoffice.models import AgencyUser, FootageRequest
from tests import factories
from tests.browser import click_and_answer, needs_chromium, type_datetime
from tests.journeys.cases_kit import (
    USER_PREFIX, audit_events, download, in_db, keep, offset, unique_case_number,
)

pytestmark = needs_chromium
SCENE = (35.3410, -119.0880)


def release_of(app, request_id: int) -> dict:
    def read():
        r = db.session.get(FootageRequest, request_id)
        return {"state": r.state, "kind": r.release_kind, "basis": r.release_basis,
                "decision": r.release_decision,
                "requested_by": r.release_requested_by.username if r.release_requested_by else None,
                "decided_by": r.release_decided_by.username if r.release_decided_by else None}
    return in_db(app, read)


def ask_for_release(journey, request_id: int, basis: str) -> None:
    """On the request's page: release kind "Media or public bulletin", a legal basis, Ask to release."""
    page = journey.page
    journey.menu("Footage", "Footage requests")
    page.get_by_role("link", name=f"#{request_id}", exact=True).click()
    page.get_by_label("Release kind").select_option(label="Media or public bulletin")
    page.get_by_label("Legal basis").fill(basis)
    page.get_by_role("button", name="Ask to release").click()
    page.get_by_text("the request is now release awaiting approval").wait_for()


def test_a_supervisor_approves_an_investigators_release_but_not_their_own(journey, app):
    page = journey.page
    theirs = journey.collected_request(unique_case_number("REL"), SCENE)
    own = journey.collected_request(unique_case_number("OWN"), offset(SCENE, north_m=60))

    # The investigator asks to release stills to the media.
    journey.sign_in("investigator")
    ask_for_release(journey, theirs, "Stills for a bulletin to identify the suspect")
    journey.shoot("supervisor-01-release-asked")
    assert release_of(app, theirs) == {"state": "release_pending", "kind": "media_public",
                                       "basis": "Stills for a bulletin to identify the suspect",
                                       "decision": None, "requested_by": "investigator", "decided_by": None}

    # The supervisor asks for a release on another request, then opens the queue.
    journey.sign_in("supervisor")
    ask_for_release(journey, own, "Bulletin, second angle")
    journey.menu("Footage", "Approval queue")
    queue = page.locator("#approvals")
    row = queue.locator("tr").filter(has=page.get_by_role("link", name=f"#{theirs}", exact=True))
    mine = queue.locator("tr").filter(has=page.get_by_role("link", name=f"#{own}", exact=True))
    assert "Media or public bulletin" in row.inner_text() and "Ivy Investigator" in row.inner_text()
    assert "Evidence and media release" in row.inner_text()  # what the owner consented to
    assert "media_public" not in queue.inner_text() and "None" not in queue.inner_text()
    # Their own request: no Approve button, and the page says why.
    assert mine.get_by_role("button", name="Approve release").count() == 0
    assert "another supervisor must decide" in mine.inner_text()
    journey.shoot("supervisor-02-approval-queue")

    asked = click_and_answer(page, row.get_by_role("button", name="Approve release"))
    page.get_by_text("the request is now released").wait_for()
    assert "cannot be undone" in asked
    journey.shoot("supervisor-03-approved")
    decided = release_of(app, theirs)
    assert (decided["state"], decided["decision"], decided["decided_by"]) == ("released", "approved", "supervisor")
    assert release_of(app, own)["state"] == "release_pending"  # still waiting for another supervisor
    assert page.locator("#approvals").get_by_role("link", name=f"#{theirs}", exact=True).count() == 0


def test_an_auditor_filters_the_log_and_exports_what_the_screen_shows(journey, app):
    page = journey.page
    purpose = unique_case_number("AUD")
    with app.app_context():  # two reveals and one search for a case, now
        investigator = factories.user("investigator")
        for owner_id in (9_000_901, 9_000_902):
            audit.record("owner.reveal", user=investigator, object_type="owner", object_id=owner_id, purpose=purpose)
        audit.record("canvass.search", user=investigator, object_type="case", object_id=9_000_903, purpose=purpose)
        db.session.commit()
        db.session.remove()
    today = datetime.now(county_zone()).replace(hour=0, minute=0, second=0, microsecond=0)

    journey.sign_in("auditor")
    journey.menu("Audit", "Audit log")
    journey.shoot("auditor-01-log")
    add_filter(page, "Action", "Equal to").select_option(label="Owner contact shown")
    add_filter(page, "When", "Greater than")
    type_datetime(page, "#filter_form [name$=_at]", today.strftime("%m%d%Y"), "1200", "A")
    add_filter(page, "Purpose (case)", "Equal to").fill(purpose)
    journey.shoot("auditor-02-filters-typed")
    page.locator("#filter_form").get_by_role("button", name=re.compile("Search")).click()
    page.wait_for_load_state()
    journey.shoot("auditor-03-filtered")
    rows = page.locator("table.table-bordered tr:has(td)")
    texts = [rows.nth(i).inner_text() for i in range(rows.count())]
    assert len(texts) == 2 and all(purpose in t for t in texts), (page.url, texts)

    exports_before = {e["id"] for e in audit_events(app, "audit_log_exported")}
    name, data = download(page, page.get_by_role("link", name=re.compile("Export CSV")))
    keep("auditor-export.csv", data)
    assert name.endswith(".csv")
    table = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["action"] for r in table] == ["owner.reveal", "owner.reveal"]
    assert {r["object_id"] for r in table} == {"9000901", "9000902"} and {r["purpose"] for r in table} == {purpose}
    for r in table:
        assert re.search(r" (PST|PDT)$", r["at"]) or re.search(r"[-+]0[78]:00$", r["at"]), r["at"]
        assert r["at_utc"].endswith(("Z", "+00:00")), r["at_utc"]
    exports = [e for e in audit_events(app, "audit_log_exported") if e["id"] not in exports_before]
    assert len(exports) == 1 and exports[0]["username"] == "auditor"
    assert "owner.reveal" in (exports[0]["detail"] or "") and purpose in (exports[0]["detail"] or "")


def test_an_auditor_checks_the_log_against_its_signed_checkpoints(journey, app, tmp_path):
    from backoffice.checkpoints import take

    page = journey.page
    saved = app.config["AUDIT_CHECKPOINT_DIR"]
    app.config["AUDIT_CHECKPOINT_DIR"] = str(tmp_path)
    try:
        with app.app_context():  # what the daily job does
            path, walk = take()
            db.session.remove()
        journey.sign_in("auditor")
        journey.menu("Audit", "Audit checkpoints")
        journey.shoot("auditor-04-checkpoints")
        row = page.locator("table.checkpoints tbody tr")
        assert row.count() == 1
        cells = row.first.locator("td")
        assert re.search(r"\d{1,2}:\d\d [AP]M (PST|PDT)$", cells.nth(0).inner_text()), cells.nth(0).inner_text()
        assert cells.nth(1).inner_text() == str(walk.count)
        assert "Genuine signature" in cells.nth(3).inner_text()
        page.get_by_role("link", name="Check the audit log against every checkpoint").click()
        page.wait_for_load_state()
        journey.shoot("auditor-05-checkpoints-checked")
        assert "extends every checkpoint below" in page.get_by_role("status").inner_text()
        assert "the log extends it" in cells.nth(3).inner_text()
        name, data = download(page, page.get_by_role("link", name="Download the public key"))
        assert name.endswith(".pem") and data.startswith(b"-----BEGIN PUBLIC KEY-----")
        name, data = download(page, page.get_by_role("link", name=path.name))
        assert data == path.read_bytes()
    finally:
        app.config["AUDIT_CHECKPOINT_DIR"] = saved


def add_filter(page, column: str, operation: str):
    """FAB's search panel: Add Filter, pick the column, choose the operation; the new row's value box."""
    panel = page.locator("#filter_form")
    if not panel.is_visible():
        page.get_by_role("link", name=re.compile(r"^\W*Search")).click()
    panel.get_by_role("button", name=re.compile("Add Filter")).click()
    panel.locator(".dropdown-menu").get_by_role("link", name=column, exact=True).click()
    row = panel.locator("table.filters tr").last
    row.locator(".select2-selection").click()  # select2's box over the operation
    page.locator(".select2-results__option").filter(has_text=re.compile(f"^{operation}$")).click()
    return row.locator(".filter_val")


def test_an_admin_adds_a_user_to_an_agency(journey, app):
    page = journey.page
    username = f"{USER_PREFIX}{datetime.now().strftime('%H%M%S%f')}"
    agency_name = in_db(app, lambda: factories.agency(1).name)

    journey.sign_in("admin")
    journey.menu("Security", "List Users")
    page.locator("a[href*='/users/add']").first.click()
    page.get_by_label("First Name").fill("Rosa")
    page.get_by_label("Last Name").fill("Alvarez-Ibáñez")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@kern-sheriff.example.org")
    choose(page, "agency", agency_name)
    choose(page, "roles", "Investigator")
    page.keyboard.press("Escape")
    page.locator("#password").fill("lantern-orchard-1987-quiet")
    page.locator("#conf_password").fill("lantern-orchard-1987-quiet")
    journey.shoot("admin-01-add-user")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved.").or_(page.get_by_text("Added Row")).first.wait_for()
    journey.shoot("admin-02-user-list")

    made = in_db(app, lambda: [(u.agency.name if u.agency else None, [r.name for r in u.roles], u.email)
                               for u in db.session.scalars(select(AgencyUser).where(AgencyUser.username == username))])
    assert made == [(agency_name, ["Investigator"], f"{username}@kern-sheriff.example.org")]
    listed = page.locator("table.table tbody tr").filter(has_text=username)
    assert agency_name in listed.inner_text() and "Investigator" in listed.inner_text()
    assert "<Agency" not in listed.inner_text() and "[" not in listed.inner_text()


def choose(page, field: str, text: str) -> None:
    """Pick `text` in one of FAB's select2 boxes, typing to search as a person does."""
    page.locator(f"select#{field} + .select2-container").click()
    page.keyboard.type(text[:6])
    page.locator(".select2-results__option").filter(has_text=text).first.click()
