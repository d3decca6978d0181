"""The portal in English and Spanish: switch, browser preference, and emails in the owner's language."""
from email.header import decode_header, make_header

from backoffice.extensions import db
from backoffice.models import Owner
from tests.auth import csrf_token
from tests.backoffice.portal.helpers import form_data
from tests.mailbox import body_text


def test_english_by_default(client):
    html = client.get("/register").get_data(as_text=True)
    assert '<html lang="en">' in html and "Register your cameras" in html


def test_browser_preference_is_followed(client):
    html = client.get("/register", headers={"Accept-Language": "es-MX,es;q=0.9"}).get_data(as_text=True)
    assert '<html lang="es">' in html and "Registre sus cámaras" in html
    assert "Condiciones del programa" in html and "versión 2026-1" in html


def test_language_switch_sticks_for_the_visit(client):
    client.get("/register?lang=es")
    html = client.get("/register", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Registre sus cámaras" in html
    client.get("/register?lang=en")
    assert "Register your cameras" in client.get("/register").get_data(as_text=True)


def test_spanish_errors_and_emails(client, mailbox):
    client.get("/register?lang=es")
    bad = client.post("/register", data=form_data(csrf_token(client, "/register"), name=""))
    assert "Por favor, complete este campo." in bad.get_data(as_text=True)
    response = client.post("/register", data=form_data(csrf_token(client, "/register")))
    assert response.status_code == 302
    owner = db.session.query(Owner).filter_by(email="ana@example.net").one()
    assert owner.language == "es"
    [message] = mailbox.to("ana@example.net")
    assert str(make_header(decode_header(message["Subject"]))) == "Confirme su correo para el Registro de Cámaras"
    assert "Confirme su correo abriendo este enlace" in body_text(message)


def test_an_emailed_link_opens_in_the_owners_language_whatever_the_browser_says(client, mailbox):
    import re

    client.get("/register?lang=es")
    client.post("/register", data=form_data(csrf_token(client, "/register")))
    [message] = mailbox.to("ana@example.net")
    link = re.search(r"http://localhost(/register/verify/\S+)", body_text(message)).group(1)
    assert link.endswith("?lang=es")
    stranger = client.application.test_client()  # another device, its browser set to English
    html = stranger.get(link, headers={"Accept-Language": "en-US,en"}).get_data(as_text=True)
    assert '<html lang="es">' in html


def test_staff_screens_keep_their_own_language_setting(client):
    client.get("/register?lang=es")
    with client.session_transaction() as session:
        assert session.get("locale") in (None, "en")


def test_every_portal_string_has_a_spanish_translation():
    from pathlib import Path

    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    base = Path(__file__).resolve().parents[3] / "backoffice" / "portal" / "translations"
    def key(message):  # plural messages carry (singular, plural) ids and one text per form
        return tuple(message.id) if isinstance(message.id, (list, tuple)) else message.id

    def done(message):
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        return all(strings) and not message.fuzzy

    template = {key(m) for m in read_po((base / "messages.pot").open("rb")) if m.id}
    spanish = read_po((base / "es" / "LC_MESSAGES" / "messages.po").open("rb"))
    translated = {key(m) for m in spanish if m.id and done(m)}
    assert template <= translated, sorted(template - translated, key=str)
    compiled = {key(m) for m in read_mo((base / "es" / "LC_MESSAGES" / "messages.mo").open("rb")) if m.id}
    assert translated <= compiled, "run `make translations` to recompile messages.mo"


def test_the_catalogue_holds_every_string_the_portal_code_shows(tmp_path):
    """The template is re-extracted from the code (as `make translations` does), so a string
    added to a page without re-extracting cannot reach Spanish readers in English."""
    import os
    from pathlib import Path

    from babel.messages.frontend import CommandLineInterface
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[3]
    fresh = tmp_path / "fresh.pot"
    here = os.getcwd()
    os.chdir(root)
    try:
        CommandLineInterface().run(["pybabel", "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-k",
                                    "lazy_gettext", "--no-location", "--omit-header", "-o", str(fresh), "."])
    finally:
        os.chdir(here)
    committed = root / "backoffice" / "portal" / "translations" / "messages.pot"
    ids = [{m.id if isinstance(m.id, str) else tuple(m.id) for m in read_po(path.open("rb")) if m.id}
           for path in (fresh, committed)]
    assert ids[0] <= ids[1], f"run `make translations`: {sorted(ids[0] - ids[1], key=str)}"
