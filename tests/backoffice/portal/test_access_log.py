"""The owner's access log speaks the owner's words in the owner's language, and only of this registration."""
from datetime import timedelta

from backoffice import audit
from backoffice.extensions import db
from backoffice.models import AuditEvent
from backoffice.portal import access_log, services
from tests import factories


def _manage(registration) -> str:
    return services.notify.manage_link(registration).replace("http://localhost", "").split("?")[0]


def test_what_an_agency_did_reads_as_words_in_english_and_spanish(client):
    registration = factories.registration()
    request = factories.footage_request(reg=registration)
    investigator = factories.user("investigator")
    audit.record("owner.reveal", user=investigator, object_type="owner",
                 object_id=registration.owner_id, purpose="2026-00042")
    audit.record("footage_request.contact_owner", user=investigator, object_type="footage_request",
                 object_id=request.id, purpose="2026-00042")
    audit.record("owner.something_new", user=investigator, object_type="owner", object_id=registration.owner_id)
    english = client.get(_manage(registration) + "/access?lang=en").get_data(as_text=True)
    assert "Looked up your contact details" in english and "Noted that they contacted you" in english
    assert "Looked at your contact details" in english  # an action without words of its own
    for code in ("Owner reveal", "reveal", "contact_owner", "Contact owner", "something"):
        assert code not in english
    spanish = client.get(_manage(registration) + "/access?lang=es").get_data(as_text=True)
    assert "Consultó sus datos de contacto" in spanish and "Anotó que se puso en contacto con usted" in spanish
    assert "Looked" not in spanish and "Noted" not in spanish


def test_events_from_before_the_registration_existed_are_not_its_history(ctx):
    """A deleted registration's number can be given again (SQLite reuses the highest): what was
    recorded under that number before is another owner's history."""
    registration = factories.registration()
    investigator = factories.user("investigator")
    audit.record("owner.reveal", user=investigator, object_type="owner",
                 object_id=registration.owner_id, purpose="OLD-OWNER")
    audit.record("registration.viewed", user=investigator, object_type="registration",
                 object_id=registration.id, purpose="OLD-REGISTRATION")
    db.session.flush()
    last_old = db.session.query(AuditEvent).order_by(AuditEvent.id.desc()).first().at
    # This registration and its owner were created after those events were recorded.
    registration.created_at = registration.owner.created_at = last_old + timedelta(microseconds=1)
    db.session.flush()
    audit.record("owner.reveal", user=investigator, object_type="owner",
                 object_id=registration.owner_id, purpose="NEW")
    purposes = [e.purpose for e in access_log.entries(registration)]
    assert purposes == ["NEW"]


def test_the_management_page_speaks_to_a_registered_owner_in_their_language(client, app):
    registration = factories.registration()
    kept = registration.cameras[0]
    factories.footage_request(reg=registration)
    page = client.get(_manage(registration) + "?lang=es").get_data(as_text=True)
    assert "Este registro es de" in page and "You are registering as" not in page
    token = _manage(registration).rsplit("/", 1)[-1]
    with app.test_request_context(f"/manage/{token}?lang=es"):
        notes = services.update_registration(
            token, {"kind": "resident", "name": registration.owner.name, "email": registration.owner.email,
                    "phone": None, "preferred_contact": "email", "language": "es"},
            {"address": registration.address, "city": registration.city, "state": "CA", "postal_code": "93301"},
            registration.lat, registration.lon,
            [{"label": "Nueva cámara", "direction_deg": None, "fov_deg": 90, "range_m": 30,
              "recording_mode": "continuous", "retention_days": 14, "system_type": "dvr_nvr",
              "make_model": None, "overlooks": None}])
    assert notes == [f"«{kept.label}» forma parte de una solicitud de grabaciones y se conservó."]


def test_an_old_link_never_opens_a_later_registration_given_the_same_number(client):
    """SQLite gives a deleted registration's number to the next one: a link e-mailed about the
    first (management, verification, confirmation) must not open the second."""
    from datetime import datetime, timezone

    from backoffice.models import Registration, RegistrationLifecycle
    from backoffice.portal import notify

    first = factories.registration(address="1 First Owner Way")
    first.lifecycle = RegistrationLifecycle(submitted_at=datetime(2025, 3, 1, tzinfo=timezone.utc))
    db.session.flush()
    number = first.id
    manage = _manage(first)
    verify = notify.link_url(notify.VERIFY, {"r": number, "t": notify.link_stamp(first)}, single_use=True)
    assert client.get(manage).status_code == 200
    owner = first.owner
    db.session.delete(first)
    db.session.delete(owner)
    db.session.flush()
    second = Registration(id=number, owner=factories.owner(name="Second Owner"), address="2 Second Way",
                          city="Bakersfield", status="active")
    second.set_location(*factories.BAKERSFIELD)
    second.lifecycle = RegistrationLifecycle(submitted_at=datetime(2026, 11, 30, tzinfo=timezone.utc))
    db.session.add(second)
    db.session.flush()
    assert second.id == number
    page = client.get(manage)
    assert page.status_code != 200 and "Second Owner" not in page.get_data(as_text=True)
    second.status = "pending"
    db.session.flush()
    opened = client.get(verify.replace("http://localhost", ""))
    assert "Second Owner" not in opened.get_data(as_text=True)
    assert "not valid" in opened.get_data(as_text=True)
