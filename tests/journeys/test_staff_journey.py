"""Registry Staff at a desk (README "A tour by role"): find registrations by words and city, open
one, correct a camera (a wrong value first), and work the review queue: approve, reject with a
reason the owner receives, merge into an existing registration; the Due for confirmation list
holds only what is due or overdue. The database is checked after each step; screenshots go to
the folder the run prints."""
import re
from datetime import timedelta

import pytest

from backoffice.localtime import county_today
from backoffice.localtime import add_year
from tests.browser import click_and_answer, needs_chromium, shoot
from tests.journeys.owners_kit import (
    STREET,
    camera_row,
    email,
    mail_text,
    menu,
    owner_exists,
    registration_in_queue,
    review_queue_row,
    served,
    stored,
)

pytestmark = needs_chromium


@pytest.fixture()
def journey(app, mailbox):
    """The served app; what the journey commits is removed afterwards."""
    with served(app, addresses=False) as run:
        yield run, mailbox


def list_rows(page) -> str:
    """The text of the list's table."""
    return page.locator("table", has=page.locator("th", has_text="Address")).last.inner_text()


def add_filter(page, column: str):
    """Add a filter on a column from the list's "Search" menu, as a clerk does; its row."""
    add = page.get_by_role("button", name="Add Filter")
    if not add.is_visible():
        page.get_by_text("Search", exact=True).first.click()  # the search panel opens
    add.click()
    page.locator("#filter_form a.filter", has_text=re.compile(rf"^\s*{re.escape(column)}\s*$")).click()
    return page.locator("#filter_form table.filters tr").last


def test_staff_find_registrations_by_status_in_words_and_by_city(journey, app):
    run, _ = journey
    today = county_today()
    shafter = registration_in_queue(app, name="Sol Shafter", street_number=2201, status="lapsed",
                                    city="Shafter", next_confirmation_due=today - timedelta(days=40))
    active = registration_in_queue(app, name="Ada Active", street_number=2203, status="active",
                                   next_confirmation_due=today + timedelta(days=200))
    page = run.staff()
    menu(page, "Registry", "Registrations")
    shoot(page, "staff-01-registrations")
    add_filter(page, "Status")
    status = page.locator("select:has(option:text-is('Lapsed (confirmation overdue)'))").last
    shoot(page, "staff-02-status-filter")
    options = status.locator("option").all_inner_texts()
    assert "Lapsed (confirmation overdue)" in options and "lapsed" not in options, options
    status.select_option(label="Lapsed (confirmation overdue)")
    page.get_by_role("button", name=re.compile("Search")).click()
    page.wait_for_load_state()
    shoot(page, "staff-03-lapsed")
    rows = list_rows(page)
    assert f"2201 {STREET}" in rows and f"2203 {STREET}" not in rows
    assert "Lapsed (confirmation overdue)" in rows

    # By city: a new search, the city typed.
    menu(page, "Registry", "Registrations")
    add_filter(page, "City")
    city = page.locator("#filter_form table.filters tr").last.locator("input[type=text], input:not([type])").last
    city.click()
    page.keyboard.type("Bakersfield")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("_flt_"))
    shoot(page, "staff-04-city")
    rows = list_rows(page)
    assert f"2203 {STREET}" in rows and f"2201 {STREET}" not in rows

    # Open the registration, then its camera's edit form.
    page.locator("tr", has_text=f"2203 {STREET}").locator("a[href*='/registrationview/show/']").click()
    page.wait_for_url(re.compile(rf"/registrationview/show/{active}"))
    shoot(page, "staff-05-registration")
    shown = page.locator("body").inner_text()
    assert "Ada Active" in shown and "Bakersfield" in shown and "None" not in shown
    camera_id = stored(app, registration_id=active).cameras[0]["id"]
    assert page.locator("#CameraView_href").is_visible()  # the registration's cameras, open below its details
    page.locator(f"a[href*='/cameraview/edit/{camera_id}']").first.click()
    page.wait_for_url(re.compile(rf"/cameraview/edit/{camera_id}"))
    shoot(page, "staff-06-camera-edit")
    page.get_by_label("Facing (° from north)").fill("")
    page.get_by_label("Facing (° from north)").type("400")
    page.get_by_label("Range (m)").fill("")
    page.get_by_label("Range (m)").type("45")
    page.get_by_role("button", name="Save").click()
    page.locator(".has-error, .text-danger, .help-block").first.wait_for()
    shoot(page, "staff-07-camera-wrong-facing")
    assert "0" in page.locator("body").inner_text() and "359" in page.locator("body").inner_text()
    assert page.get_by_label("Facing (° from north)").input_value() == "400"  # kept to correct
    assert page.get_by_label("Range (m)").input_value() == "45"
    assert camera_row(app, camera_id)["direction_deg"] == 90  # nothing saved
    page.get_by_label("Facing (° from north)").fill("")
    page.get_by_label("Facing (° from north)").type("135")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Your changes are saved.").first.wait_for()
    shoot(page, "staff-08-camera-saved")
    assert camera_row(app, camera_id) == {"direction_deg": 135, "range_m": 45, "fov_deg": 90}
    del shafter


def test_staff_work_the_review_queue_and_the_due_list(journey, app):
    run, mailbox = journey
    today = county_today()
    kept = registration_in_queue(app, name="Kim Kept", street_number=2301, status="active",
                                 next_confirmation_due=today + timedelta(days=5))
    overdue = registration_in_queue(app, name="Olu Overdue", street_number=2303, status="lapsed",
                                    next_confirmation_due=today - timedelta(days=20))
    later = registration_in_queue(app, name="Lee Later", street_number=2305, status="active",
                                  next_confirmation_due=today + timedelta(days=300))
    gone = registration_in_queue(app, name="Gus Gone", street_number=2307, status="withdrawn",
                                 next_confirmation_due=today - timedelta(days=5))
    ring = registration_in_queue(app, name="Pat Phone", street_number=2313, status="active",
                                 next_confirmation_due=today + timedelta(days=3),
                                 owner_fields={"email": None, "phone": "+16615550177",
                                               "preferred_contact": "phone"})
    approve = registration_in_queue(app, name="Amy Approve", street_number=2309)
    reject = registration_in_queue(app, name="Rex Reject", street_number=2311, language="es")
    # Kim registers the same premises again with a second camera: the queue offers the merge.
    again = registration_in_queue(app, name="Kim Again", street_number=2301)
    page = run.staff()

    row = review_queue_row(page, run.base, approve)
    shoot(page, "staff-10-review-queue")
    queue = page.locator("table").first.inner_text()
    assert re.search(r"\b(PST|PDT)\b", queue)  # verified at, in county time
    row.get_by_role("link", name="Review").click()
    asked = []
    asked.append(click_and_answer(page, page.get_by_role("button", name="Approve")))
    page.get_by_text("Approved; the owner has been emailed").wait_for()
    assert stored(app, registration_id=approve).status == "active"
    assert mail_text(mailbox, email("amy.approve"))[0] == "Your cameras are registered"

    owner_id = stored(app, registration_id=reject).owner["id"]
    review_queue_row(page, run.base, reject).get_by_role("link", name="Review").click()
    page.get_by_role("button", name="Reject").click()  # no reason yet: the browser asks for one
    assert page.locator("#reason").evaluate("e => e.validity.valueMissing")
    shoot(page, "staff-11-reject-without-reason")
    assert stored(app, registration_id=reject).status == "pending"
    page.get_by_label("Reason (sent to the owner)").fill("")
    page.get_by_label("Reason (sent to the owner)").type("Las cámaras están fuera del condado.")
    # Changing one's mind keeps everything.
    click_and_answer(page, page.get_by_role("button", name="Reject"), accept=False)
    assert stored(app, registration_id=reject).status == "pending"
    asked.append(click_and_answer(page, page.get_by_role("button", name="Reject")))
    page.get_by_text("Rejected; the owner has been told why").wait_for()
    assert stored(app, registration_id=reject) is None and not owner_exists(app, owner_id)
    subject, text = mail_text(mailbox, email("rex.reject"))
    assert "Las cámaras están fuera del condado." in text and "Motivo" in text

    review_queue_row(page, run.base, again).get_by_role("link", name="Review").click()
    shoot(page, "staff-12-review-duplicate")
    offered = page.locator("body").inner_text()
    assert f"#{kept}" in offered  # the existing registration at the same address
    page.get_by_label(re.compile("Merge into registration")).type(str(kept))
    asked.append(click_and_answer(page, page.get_by_role("button", name="Merge")))
    page.get_by_text("Merged into the existing registration.").wait_for()
    shoot(page, "staff-13-merged")
    assert stored(app, registration_id=again) is None
    assert len(stored(app, registration_id=kept).cameras) == 2
    assert [m.split("?")[0] for m in asked] == ["Approve this registration", "Reject this registration",
                                                 "Merge into that registration"]

    menu(page, "Registry", "Due for confirmation")
    shoot(page, "staff-14-due")
    due = list_rows(page)
    assert f"2301 {STREET}" in due and f"2303 {STREET}" in due
    assert f"2305 {STREET}" not in due and f"2307 {STREET}" not in due
    assert "Lapsed (confirmation overdue)" in due

    menu(page, "Registry", "Confirmations to call")
    shoot(page, "staff-15-call-list")
    calls = list_rows(page)
    assert f"2313 {STREET}" in calls and "Pat Phone" in calls and "(661) 555-0177" in calls
    assert f"2301 {STREET}" not in calls  # Kim is reached by e-mail
    assert page.get_by_role("link", name=re.compile("Add a new record")).count() == 0  # a list to work, not to add to

    # Pat confirms on the phone: tick the row, choose the action, confirm.
    page.locator(f'input.action_check[value="{ring}"]').check()
    page.get_by_role("button", name=re.compile("Actions")).click()
    page.get_by_role("link", name=re.compile("Confirmed by phone")).click()
    page.locator("#modal-confirm-ok").click()
    page.get_by_text("Confirmed by phone: 1 registration, due again in a year.").wait_for()
    shoot(page, "staff-16-confirmed-by-phone")
    assert f"2313 {STREET}" not in page.inner_text("body")
    pat = stored(app, registration_id=ring)
    assert pat.next_due == add_year(county_today())
    del later, gone, overdue


def test_the_merge_button_stays_put_while_the_chosen_record_is_named(journey, app):
    """A clerk types the number to merge into and clicks Merge at once. The record's name comes
    in under the field; it came when the field was left (the mouse press on Merge), pushed the
    button down before the press ended, and the click was lost: no question, nothing merged."""
    run, _mailbox = journey
    kept = registration_in_queue(app, name="Kim Kept", street_number=2401, status="active")
    again = registration_in_queue(app, name="Kim Again", street_number=2401)
    page = run.staff()
    review_queue_row(page, run.base, again).get_by_role("link", name="Review").click()
    merge = page.get_by_role("button", name="Merge")
    merge.wait_for()
    page.wait_for_load_state("load")
    before = merge.bounding_box()
    field = page.get_by_label(re.compile("Merge into registration"))
    field.type(str(kept))
    field.blur()
    page.locator(".record-chosen", has_text="Chosen:").wait_for()
    assert merge.bounding_box() == before
    shoot(page, "staff-13-merge-target-named")
