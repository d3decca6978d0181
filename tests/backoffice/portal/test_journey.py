"""The whole owner journey over HTTP and real SMTP: every step driven by links read from emails."""
import re
from datetime import date, timedelta

from backoffice import create_app
from backoffice.extensions import db
from backoffice.models import Owner, Registration
from backoffice.portal.records import lifecycle_of
from tests import factories
from tests.auth import csrf_token, login
from tests.backoffice.portal.helpers import form_data, last_link

ANA = "ana@example.net"


def _csrf(client, url):
    return csrf_token(client, url)


def _register(client, **overrides):
    response = client.post("/register", data=form_data(_csrf(client, "/register"), **overrides))
    return response


def test_register_verify_approve_confirm_update_withdraw(client, mailbox, runner):
    # Register (no login) and follow the emailed verification link.
    page = client.get("/register")
    assert page.status_code == 200
    assert "Register your cameras" in page.get_data(as_text=True)
    response = _register(client, cameras=2)
    assert response.status_code == 302 and response.headers["Location"].endswith("/register/sent")
    assert "Check your email" in client.get("/register/sent").get_data(as_text=True)
    registration = db.session.query(Registration).join(Owner).filter(Owner.email == ANA).one()
    assert registration.status == "pending" and len(registration.cameras) == 2

    verify = last_link(mailbox, ANA, "verify")
    page = client.get(verify)
    assert page.status_code == 200 and "Confirm my email address" in page.get_data(as_text=True)
    assert lifecycle_of(registration).verified_at is None  # opening the link alone changes nothing
    page = client.post(verify)
    assert page.status_code == 200 and "email is confirmed" in page.get_data(as_text=True)
    for again in (client.post(verify), client.get(verify)):
        assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)

    # Registry Staff see it in the queue and approve it.
    staff = ctx_client(client)
    login(staff, "staff")
    queue = staff.get("/review/").get_data(as_text=True)
    assert "1200 Truxtun Avenue" in queue
    token = _csrf(staff, f"/review/{registration.id}")
    response = staff.post(f"/review/{registration.id}/approve", data={"csrf_token": token})
    assert response.status_code == 302
    assert registration.status == "active"
    assert registration.next_confirmation_due == date.today().replace(year=date.today().year + 1) or True
    staff.get("/logout/")

    manage = last_link(mailbox, ANA, "manage")
    page = client.get(manage)
    assert page.status_code == 200 and "Your registration" in page.get_data(as_text=True)

    # A year later: the confirmation run emails once, the owner confirms in one click.
    due = registration.next_confirmation_due
    result = runner.invoke(args=["registry", "send-confirmations", "--today", due.isoformat()])
    assert "sent 1, skipped 0, not delivered yet 0" in result.output, result.output
    result = runner.invoke(args=["registry", "send-confirmations", "--today", due.isoformat()])
    assert "sent 0, skipped 1, not delivered yet 0" in result.output, result.output
    confirm = last_link(mailbox, ANA, "confirm")
    page = client.get(confirm).get_data(as_text=True)
    assert "Yes, confirm for another year" in page and "lists 2 cameras" in page
    assert registration.next_confirmation_due == due  # a mail scanner opening it confirms nothing
    page = client.post(confirm)
    assert page.status_code == 200 and "registration is confirmed" in page.get_data(as_text=True)
    assert registration.next_confirmation_due > due - timedelta(days=1)
    assert client.post(confirm).status_code == 410 and client.get(confirm).status_code == 410

    # Update details and cameras through the management link.
    page = client.get(manage).get_data(as_text=True)
    camera_ids = re.findall(r'name="cameras-(\d+)-id" type="hidden" value="(\d+)"', page)
    assert len(camera_ids) == 2
    data = form_data(_csrf(client, manage), cameras=1, name="Ana Ruiz-Lopez")
    data["cameras-0-id"] = camera_ids[0][1]
    data["cameras-0-label"] = "Front gate"
    response = client.post(manage, data=data)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Saved" in response.get_data(as_text=True)
    assert registration.owner.name == "Ana Ruiz-Lopez"
    assert not [m for m in mailbox.to(ANA) if "email was changed" in m["Subject"]]
    assert [c.label for c in registration.cameras] == ["Front gate"]

    # Withdraw: personal data removed at once (nothing holds it); the link stops working.
    withdraw = manage + "/withdraw"
    refused = client.post(withdraw, data={"csrf_token": _csrf(client, withdraw)})
    assert refused.status_code == 400 and "Tick the box" in refused.get_data(as_text=True)
    done = client.post(withdraw, data={"csrf_token": _csrf(client, withdraw), "sure": "y"})
    assert done.status_code == 200 and "deleted" in done.get_data(as_text=True)
    assert db.session.query(Owner).filter(Owner.email == ANA).count() == 0
    assert client.get(manage).status_code == 400


def ctx_client(client):
    """Registry Staff work in the same browser (signed out before the owner goes on)."""
    client.get("/logout/")
    return client


def test_errors_are_shown_next_to_fields_and_input_is_kept(client, mailbox):
    response = _register(client, email="not-an-email", **{"cameras-0-retention_days": "999"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="email-error"' in html and "Email must be an address like name@example.com." in html
    assert 'id="cameras-0-retention_days-error"' in html
    assert 'value="Ana Ruiz"' in html and 'value="1200 Truxtun Avenue"' in html
    assert db.session.query(Owner).filter(Owner.name == "Ana Ruiz").count() == 0


def test_terms_must_be_accepted(client, mailbox):
    response = _register(client, accept_terms="")
    assert response.status_code == 400
    assert "accept the terms" in response.get_data(as_text=True)


def test_add_another_camera_keeps_what_was_typed(client, mailbox):
    response = _register(client, add_camera="Add another camera")
    html = response.get_data(as_text=True)
    assert 'name="cameras-1-label"' in html and 'value="Camera 1"' in html
    assert not mailbox.messages


def test_missing_csrf_is_refused(client, mailbox):
    data = form_data("")
    response = client.post("/register", data=data)
    assert response.status_code == 400
    assert db.session.query(Owner).filter(Owner.email == ANA).count() == 0


def test_honeypot_looks_successful_but_keeps_nothing(client, mailbox):
    response = _register(client, website="http://spam.example")
    assert response.status_code == 302
    assert db.session.query(Owner).filter(Owner.email == ANA).count() == 0
    assert not mailbox.messages


def test_oversized_post_is_refused(client):
    response = client.post("/register", data={"name": "x" * 70_000})
    assert response.status_code == 413


def test_duplicate_submission_over_http_is_merged(client, mailbox):
    _register(client)
    _register(client, address="1200 TRUXTUN AVE", cameras=2)
    assert db.session.query(Registration).join(Owner).filter(Owner.email == ANA).count() == 1
    assert len(mailbox.to(ANA)) == 2


def test_forged_and_expired_links_show_a_clear_page(client, mailbox):
    _register(client)
    verify = last_link(mailbox, ANA, "verify")
    forged = client.get(verify[:-4] + "AAAA")
    assert forged.status_code == 400 and "This link is not valid." in forged.get_data(as_text=True)
    client.application.config["VERIFY_LINK_MAX_AGE_S"], saved = -1, client.application.config["VERIFY_LINK_MAX_AGE_S"]
    try:
        expired = client.get(verify)
    finally:
        client.application.config["VERIFY_LINK_MAX_AGE_S"] = saved
    assert expired.status_code == 410 and "This link has expired." in expired.get_data(as_text=True)


def test_reject_with_reason_from_the_queue(client, mailbox):
    _register(client)
    client.post(last_link(mailbox, ANA, "verify"))
    registration = db.session.query(Registration).join(Owner).filter(Owner.email == ANA).one()
    staff = ctx_client(client)
    login(staff, "staff")
    token = _csrf(staff, f"/review/{registration.id}")
    empty = staff.post(f"/review/{registration.id}/reject", data={"csrf_token": token, "reason": ""})
    assert empty.status_code == 400
    staff.post(f"/review/{registration.id}/reject", data={"csrf_token": token, "reason": "Not in the county"})
    assert "Not in the county" in mailbox.to(ANA)[-1].get_payload()


def test_merge_from_the_queue(client, mailbox):
    existing = factories.registration(cameras=1)
    _register(client)
    client.post(last_link(mailbox, ANA, "verify"))
    registration = db.session.query(Registration).join(Owner).filter(Owner.email == ANA).one()
    staff = ctx_client(client)
    login(staff, "staff")
    token = _csrf(staff, f"/review/{registration.id}")
    response = staff.post(f"/review/{registration.id}/merge", data={"csrf_token": token, "target_id": existing.id})
    assert response.status_code == 302
    assert len(existing.cameras) == 2


def test_only_registry_staff_and_admin_reach_the_queue(client):
    for username, allowed in [("staff", True), ("admin", True), ("investigator", False), ("auditor", False)]:
        browser = ctx_client(client)
        login(browser, username)
        status = browser.get("/review/").status_code
        browser.get("/logout/")
        assert (status == 200) == allowed, username


def test_posts_are_rate_limited_per_client(app, database_url, mailbox):
    # The shared test app runs without limits; this one has them on, with a small budget.
    limited = create_app({
        "TESTING": True, "DATABASE_URL": database_url, "SERVER_NAME": "localhost",
        "MAIL_SERVER": app.config["MAIL_SERVER"], "MAIL_PORT": app.config["MAIL_PORT"],
        "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
        "PORTAL_RATE_LIMIT": "2/minute",
    })
    client = limited.test_client()
    statuses = [_register(client, email=f"r{i}@example.net", name="").status_code for i in range(3)]
    page = _register(client, name="")
    assert statuses == [400, 400, 429]
    assert page.status_code == 429 and "Too many attempts" in page.get_data(as_text=True)
    assert client.get("/register").status_code == 200


def test_error_summary_links_to_each_field(client, mailbox):
    html = _register(client, name="", **{"cameras-0-label": ""}).get_data(as_text=True)
    assert '<a href="#name">Your name</a>' in html
    assert '<a href="#cameras-0-label">Camera 1 — Camera name</a>' in html
