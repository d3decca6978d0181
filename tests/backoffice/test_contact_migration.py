"""Revision 0010 brings owners' phones and e-mails stored before the field rules to their
normal form (on the test database, and through a real upgrade on a scratch SpatiaLite file)."""
import importlib.util
from pathlib import Path

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

import config
from backoffice import create_app
from backoffice.extensions import db

MIGRATION = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0010_contact_normal_forms.py"
BEFORE = [  # (email, phone) as older code stored them
    ("ana@example.net", "661-555-0142 ext. 23"),
    ("noe@correo.xn--80asehdb", "(661) 555-0143"),
    ("a..b@example.com", "call the front desk"),  # unreadable: left as they are
    (None, "+16615550144;ext=7"),  # already in normal form
]
AFTER = [
    ("ana@example.net", "+16615550142;ext=23"),
    ("noe@correo.онлайн", "+16615550143"),
    ("a..b@example.com", "call the front desk"),
    (None, "+16615550144;ext=7"),
]


def _revision():
    spec = importlib.util.spec_from_file_location("contact_normal_forms", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _insert_raw(connection) -> list[int]:
    """Owners written with plain SQL, as older code left them (the model rules would refuse)."""
    ids = []
    for n, (email, phone) in enumerate(BEFORE):
        connection.execute(text(
            "INSERT INTO owner (kind, name, email, phone, preferred_contact, language, created_at, updated_at)"
            " VALUES ('resident', :name, :email, :phone, 'phone', 'en', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        ), {"name": f"Migrated {n}", "email": email, "phone": phone})
        ids.append(connection.execute(text("SELECT max(id) FROM owner")).scalar())
    return ids


def _contacts(connection, ids) -> list[tuple]:
    return [tuple(connection.execute(text("SELECT email, phone FROM owner WHERE id = :id"), {"id": i}).one())
            for i in ids]


def test_existing_contacts_are_normalised_on_either_database(ctx):
    connection = db.session.connection()
    ids = _insert_raw(connection)
    assert _revision().normalise_contacts(connection) == 2
    assert _contacts(connection, ids) == AFTER


def test_upgrade_normalises_and_downgrade_keeps_the_values(tmp_path):
    app = create_app({"DATABASE_URL": config.sqlite_url(tmp_path / "m.db"), "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade(revision="0009")
        with db.engine.begin() as connection:
            ids = _insert_raw(connection)
        upgrade()
        with db.engine.connect() as connection:
            assert _contacts(connection, ids) == AFTER
        downgrade(revision="0009")
        upgrade()
        with db.engine.connect() as connection:
            assert _contacts(connection, ids) == AFTER
        db.engine.dispose()
