"""Revision 0008 re-keys the address points already loaded, on SpatiaLite and on PostGIS."""
import os
import uuid

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

import config
from backoffice import create_app
from backoffice.extensions import db


@pytest.fixture()
def scratch_url(tmp_path):
    """A new empty database of the kind the suite runs on."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield config.sqlite_url(tmp_path / "m.db")
        return
    name = f"scratch_{uuid.uuid4().hex[:12]}"
    server = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    scratch = make_url(url).set(database=name)
    with create_engine(scratch).connect() as connection:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        connection.commit()
    try:
        yield scratch.render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        server.dispose()


def test_revision_0008_keys_existing_points_and_round_trips(scratch_url):
    app = create_app({"DATABASE_URL": scratch_url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade(revision="0007")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO address_point (address, city, state, postal_code, search_key, lat, lon) "
                "VALUES ('77 Calle Peña', 'Bakersfield', 'CA', '93307', '77 calle pe a', 35.33, -118.99)"
            ))
        upgrade()
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT search_key FROM address_point")).scalar_one() == (
                "77 calle pena bakersfield 93307"
            )
            keys = connection.execute(text("SELECT key FROM address_key ORDER BY key")).scalars().all()
        assert keys == ["77 calle pena bakersfield 93307", "calle pena bakersfield 93307 77",
                        "pena bakersfield 93307 77 calle"]
        downgrade(revision="0007")
        assert "address_key" not in inspect(db.engine).get_table_names()
        upgrade()
        assert "address_key" in inspect(db.engine).get_table_names()
        db.engine.dispose()
