"""Registration files with the contact details people really have: phone extensions, e-mail
addresses with internationalised domains, names in many scripts (tests/data/)."""
from pathlib import Path

from backoffice.extensions import db
from backoffice.models import Owner
from tests.auth import login
from tests.backoffice.test_import import counts, run_import

DATA = Path(__file__).resolve().parents[1] / "data"


def owner_named(name: str) -> Owner:
    return db.session.query(Owner).filter_by(name=name).one()


def test_business_phones_with_extensions_and_an_idn_email_import(runner):
    """Field case: the rows with "ext. 23", "x7" and a .онлайн address were refused."""
    result = run_import(runner, DATA / "registrations_phone_extensions_idn_email.csv")
    assert result.exit_code == 0, result.output
    assert counts()[:3] == (4, 4, 4)
    assert owner_named("Raj Patel").phone == "+16615550142;ext=23"
    assert owner_named("Kim Nguyen").phone == "+16615550143;ext=7"
    assert owner_named("Ava Stone").email == "ava.stone+cameras@example.org"
    noe = owner_named("Noé Durán")
    assert noe.email == "noe@correo.онлайн"  # the punycode domain, normalised to Unicode
    assert noe.registrations[0].address == "16 Elm St"


def test_names_and_addresses_in_many_scripts_import_normalised(runner):
    result = run_import(runner, DATA / "registrations_contacts_many_scripts.csv")
    assert result.exit_code == 0, result.output
    assert counts()[:3] == (6, 6, 6)
    expected = {
        "陳美玲": ("chen@餐館.example.com", "+16615550150;ext=12", "CA", "93301-4410"),
        "Nguyễn Văn An": ("an.nguyen@example.com", "+16615550151;ext=4", "CA", "93301"),
        "فاطمة الزهراء": ("fatima@مثال.example.net", "+16615550152", "CA", "93305"),
        "Ольга Петрова": ("olga.petrova@пример.example.org", "+16615550153", "CA", "93305-1234"),
        "राज पटेल": (None, "+16615550154;ext=210", "CA", "93308"),
        "José Martínez": (None, "+16615550155;ext=9", "CA", "93308"),
    }
    for name, (email, phone, state, postal_code) in expected.items():
        owner = owner_named(name)
        registration = owner.registrations[0]
        assert (owner.email, owner.phone, registration.state, registration.postal_code) == (
            email, phone, state, postal_code), name
    assert owner_named("陳美玲").registrations[0].cameras[0].label == "後門"


def test_bad_contacts_are_each_reported_and_nothing_is_written(runner):
    before = counts()
    result = run_import(runner, DATA / "registrations_bad_contacts.csv")
    assert result.exit_code != 0
    for line, column, message in [
        (2, "email", "Email must be an address like name@example.com."),  # a..b@
        (3, "email", "Email must be an address like name@example.com."),
        (4, "email", "Email must be an address like name@example.com."),
        (5, "phone", "Phone must be a number with its area code"),
        (6, "state", "State must be a two-letter USPS code, like CA."),
        (7, "postal_code", "ZIP code must be 5 digits"),
        (8, "lat", "Latitude must be a number of degrees from -90 to 90."),
    ]:
        assert f"line {line}: {column}: {message}" in result.output
    assert result.output.strip().splitlines()[-1] == (
        "Error: import refused: 7 of 7 rows rejected, nothing written"
    )
    assert counts() == before


def test_staff_see_imported_phones_as_people_write_them(runner, client):
    assert run_import(runner, DATA / "registrations_phone_extensions_idn_email.csv").exit_code == 0
    login(client, "staff")
    listing = client.get("/ownerview/list/").get_data(as_text=True)
    assert "(661) 555-0142 ext. 23" in listing and "(661) 555-0143 ext. 7" in listing
    raj = owner_named("Raj Patel")
    assert "(661) 555-0142 ext. 23" in client.get(f"/ownerview/show/{raj.id}").get_data(as_text=True)
    edit = client.get(f"/ownerview/edit/{raj.id}").get_data(as_text=True)
    assert 'value="(661) 555-0142 ext. 23"' in edit
