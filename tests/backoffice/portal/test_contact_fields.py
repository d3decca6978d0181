"""Owners' contact details on the portal: the shared field rules, in English and Spanish."""
import pytest

from backoffice.extensions import db
from backoffice.models import Owner
from backoffice.portal.notify import manage_link
from tests.auth import csrf_token
from tests.backoffice.portal.helpers import LINK_RE, form_data
from tests.mailbox import body_text


def _register(client, **overrides):
    return client.post("/register", data=form_data(csrf_token(client, "/register"), **overrides))


def test_idn_email_and_phone_extension_are_accepted_and_mail_reaches_the_owner(client, mailbox):
    response = _register(client, email="Noe@Correo.xn--80asehdb", phone="661-555-0142 ext. 23")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    owner = db.session.query(Owner).filter_by(email="noe@correo.онлайн").one()
    assert owner.phone == "+16615550142;ext=23"
    # The verification link goes out, addressed so that any SMTP server accepts it.
    [message] = mailbox.to("noe@correo.xn--80asehdb")
    assert LINK_RE.search(body_text(message))
    # The management page shows the number as people write it.
    registration = owner.registrations[0]
    registration.status = "active"  # as if reviewed
    db.session.flush()
    path = manage_link(registration).split("localhost", 1)[1]
    page = client.get(path).get_data(as_text=True)
    assert 'value="(661) 555-0142 ext. 23"' in page
    assert 'value="noe@correo.онлайн"' in page


@pytest.mark.parametrize(
    "field, value, english, spanish",
    [
        ("email", "a..b@example.com", "Email must be an address like name@example.com.",
         "El correo electrónico debe ser una dirección como nombre@ejemplo.com."),
        ("phone", "555-0142", "Phone must be a number with its area code",
         "El teléfono debe ser un número con su código de área"),
        ("phone", "661-555-0143 ext. 12345678901", "Phone: the extension may have at most 10 digits.",
         "Teléfono: la extensión puede tener como máximo 10 dígitos."),
        ("state", "ZZ", "State must be a two-letter USPS code, like CA.",
         "El estado debe ser un código de dos letras"),
        ("postal_code", "9330", "ZIP code must be 5 digits, like 93301, or ZIP+4, like 93301-1234.",
         "El código postal debe tener 5 dígitos"),
        ("cameras-0-fov_deg", "0", "Field of view must be a whole number of degrees from 1 to 360.",
         "El ángulo de visión debe ser un número entero de grados entre 1 y 360."),
        ("cameras-0-retention_days", "14.5", "Retention must be a whole number of days from 1 to 365.",
         "El tiempo de conservación debe ser un número entero de días entre 1 y 365."),
        ("cameras-0-direction_deg", "400", "Facing direction must be a whole number of degrees",
         "La dirección debe ser un número entero de grados entre 0 y 359"),
    ],
)
def test_refusals_name_the_field_in_the_owners_language(client, mailbox, field, value, english, spanish):
    response = _register(client, **{field: value})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-error"' in page and english in page
    client.get("/register?lang=es")
    page = _register(client, **{field: value}).get_data(as_text=True)
    assert spanish in page and english not in page
    assert db.session.query(Owner).count() == 0
