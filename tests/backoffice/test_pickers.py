"""Finding the record a form links to by address, name or number (backoffice.pickers)."""
import pytest

from tests import factories
from tests.auth import login


def picked(client, url: str, q: str) -> list[dict]:
    response = client.get(url, query_string={"q": q})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.json


def test_staff_find_a_registration_by_address_owner_or_number(client):
    owner = factories.owner(name="Ana Ruiz Peña", email="ana.ruiz@example.net")
    reg = factories.registration(owner=owner, address="1234 Oleander Avenue")
    factories.registration(address="99 Elsewhere Road")
    login(client, "staff")
    for query in ("oleander", "OLEANDER AV", "ruiz", "ana.ruiz@", str(reg.id), f"#{reg.id}"):
        found = picked(client, "/registrationview/pick", query)
        assert found and found[0]["id"] == reg.id, query
        assert found[0]["label"] == f"#{reg.id} · 1234 Oleander Avenue, Bakersfield · Ana Ruiz Peña · Active"
    assert picked(client, "/registrationview/pick", "") == []


def test_wildcards_are_typed_letters_and_answers_are_few(client):
    for n in range(12):
        factories.registration(address=f"{n} Percent Street")
    login(client, "staff")
    assert picked(client, "/registrationview/pick", "%") == []
    assert picked(client, "/registrationview/pick", "_") == []
    assert len(picked(client, "/registrationview/pick", "Percent")) == 10
    assert picked(client, "/registrationview/pick", "x" * 5000) == []


def test_staff_find_an_owner(client):
    owner = factories.owner(name="Dmitri Volkov", organisation="Volkov Tires", email="dv@example.net")
    login(client, "staff")
    found = picked(client, "/ownerview/pick", "volkov tires")
    assert found[0] == {"id": owner.id, "label": f"#{owner.id} · Dmitri Volkov · dv@example.net"}


@pytest.mark.parametrize("username", ["investigator", "auditor"])
def test_only_registry_staff_may_search_registrations_and_owners(client, username):
    factories.registration(address="1 Secret Lane")
    login(client, username)
    for url in ("/registrationview/pick", "/ownerview/pick"):
        response = client.get(url, query_string={"q": "Secret"})
        assert response.status_code in (302, 403)
        assert "Secret Lane" not in response.get_data(as_text=True)


def test_the_forms_offer_the_search_beside_the_number(client):
    login(client, "staff")
    camera_form = client.get("/cameraview/add").get_data(as_text=True)
    assert 'data-pick-url="/registrationview/pick"' in camera_form
    registration_form = client.get("/registrationview/add").get_data(as_text=True)
    assert 'data-pick-url="/ownerview/pick"' in registration_form


def test_the_review_pages_merge_box_offers_the_search(client):
    from backoffice.models import RegistrationLifecycle
    from datetime import datetime, timezone

    waiting = factories.registration(status="pending")
    waiting.lifecycle = RegistrationLifecycle(verified_at=datetime.now(timezone.utc))
    login(client, "staff")
    page = client.get(f"/review/{waiting.id}").get_data(as_text=True)
    assert 'data-pick-url="/registrationview/pick"' in page and 'id="target_id"' in page
