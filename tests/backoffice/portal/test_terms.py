"""Versioned programme terms: a new version applies to new registrations; published text never changes."""
from datetime import datetime, timedelta, timezone

import pytest

from backoffice.extensions import db
from backoffice.models.validation import FieldError
from backoffice.models import Registration, TermsVersion
from backoffice.portal import services
from backoffice.portal.records import current_terms
from tests.auth import csrf_token, login
from tests.backoffice.portal.helpers import submission


def test_admin_publishes_a_new_version_that_new_registrations_accept(client, mailbox):
    login(client, "admin")
    token = csrf_token(client, "/termsversionview/add")
    response = client.post("/termsversionview/add", data={
        "csrf_token": token, "version": "2027-1", "body_en": "New terms", "body_es": "Nuevas condiciones"})
    assert response.status_code == 302, response.get_data(as_text=True)
    version = db.session.get(TermsVersion, "2027-1")
    version.published_at = datetime.now(timezone.utc) + timedelta(seconds=1)
    db.session.flush()
    assert current_terms().version == "2027-1"
    stale = submission()
    stale.terms_version = "2026-1"
    with pytest.raises(FieldError) as refused:
        services.submit_registration(stale)
    assert refused.value.field == "accept_terms"
    fresh = submission()
    assert fresh.terms_version == "2027-1"
    result = services.submit_registration(fresh)
    assert db.session.get(Registration, result.registration_id).terms_version == "2027-1"
    client.get("/logout/")
    html = client.get("/register", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Nuevas condiciones" in html


def test_published_terms_cannot_be_edited(client):
    login(client, "admin")
    token = csrf_token(client, "/termsversionview/edit/2026-1")
    client.post("/termsversionview/edit/2026-1", data={
        "csrf_token": token, "version": "2026-1", "body_en": "Changed", "body_es": "Cambiado"})
    assert "Changed" not in db.session.get(TermsVersion, "2026-1").body_en


def test_registry_staff_may_read_but_not_publish(client):
    login(client, "staff")
    assert client.get("/termsversionview/list/").status_code == 200
    assert client.get("/termsversionview/add").status_code in (302, 403)
