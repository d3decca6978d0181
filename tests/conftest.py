"""Shared fixtures: one migrated app per run, one rolled-back transaction per test.

The database is a SpatiaLite file in a temporary folder, or TEST_DATABASE_URL
(the PostGIS leg of CI). Tests run on the real migrated schema.
"""
import os
from pathlib import Path

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import create_engine
from werkzeug.security import generate_password_hash

import config
from backoffice import create_app, database
from backoffice.extensions import db
from tests import factories
from tests.mailbox import start_smtp


# Passwords hashed and checked as in production (FAB's scrypt), at a work factor a test can
# afford: the default (N=32768) costs ~0.1 s of CPU per sign-in or user made, and the suite
# does both hundreds of times. Unknown and locked accounts are checked against a hash of the
# same cost, as FAB does in production.
TEST_PASSWORD_HASH_METHOD = "scrypt:1024:8:1"


class BoundSession(FlaskSession):
    """A session that uses the test's connection (and its outer transaction)."""

    def get_bind(self, *args, **kwargs):
        return self.bind if self.bind is not None else super().get_bind(*args, **kwargs)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """TEST_DATABASE_URL, or a fresh SpatiaLite file."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return config.sqlite_url(Path(tmp_path_factory.mktemp("db")) / "test.db")


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server for the whole run; tests read `mailbox` for what arrived."""
    controller, mailbox = start_smtp()
    yield controller, mailbox
    controller.stop()


@pytest.fixture()
def mailbox(smtp_server):
    """Messages delivered during this test."""
    smtp_server[1].clear()
    return smtp_server[1]


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory, smtp_server):
    """The application on a freshly migrated database, with roles synced."""
    evidence = tmp_path_factory.mktemp("evidence")
    keys = tmp_path_factory.mktemp("keys")
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "WTF_CSRF_ENABLED": True,
            "MFA_REQUIRED": False,
            "RATELIMIT_ENABLED": False,
            "EVIDENCE_DIR": str(evidence),
            "SNAPSHOT_DIR": str(tmp_path_factory.mktemp("snapshots")),
            "AUDIT_HMAC_KEY_FILE": str(keys / "audit_hmac_key"),
            "AUDIT_SIGNING_KEY_FILE": str(keys / "audit_signing_key.pem"),
            "AUDIT_CHECKPOINT_DIR": str(tmp_path_factory.mktemp("checkpoints")),
            "SERVER_NAME": "localhost",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": smtp_server[0].port,
            "PUBLIC_BASE_URL": "http://localhost",
            "FAB_PASSWORD_HASH_METHOD": TEST_PASSWORD_HASH_METHOD,
            "AUTH_DB_FAKE_PASSWORD_HASH_CHECK": generate_password_hash(
                "password", method=TEST_PASSWORD_HASH_METHOD),
        }
    )
    with app.app_context():
        upgrade()
        app.appbuilder.sm.sync_roles()
        db.session.commit()
        factories.seed_users(password=factories.PASSWORD)
        db.session.commit()
    return app


@pytest.fixture()
def pooled_pg_engine(database_url):
    """An engine of its own on the test database, one pooled connection, set up as the app's
    (backoffice.database.configure_engine); skips on SQLite: what it tests is PostgreSQL's."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's connections and transactions (SQLite has no server)")
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    database.configure_engine(engine)
    yield engine
    engine.dispose()


@pytest.fixture()
def ctx(app):
    """An app context whose database work is rolled back after the test."""
    with app.app_context():
        connection = db.engine.connect()
        connection.name = db.engine.name  # FAB asks the bind for .name, as an Engine has
        outer = connection.begin()
        factory = db.session.session_factory
        saved = factory.class_, dict(factory.kw)
        factory.class_ = BoundSession
        factory.kw.update(bind=connection, join_transaction_mode="create_savepoint")
        db.session.remove()
        try:
            yield app
        finally:
            db.session.remove()
            factory.class_, factory.kw = saved[0], saved[1]
            outer.rollback()
            connection.close()


class OwnRequestClient(FlaskClient):
    """A test client whose every request starts with an empty `g`, as in production.

    The test's app context (and its transaction) is shared by all its requests, and with it
    Flask's `g`: without this, the user one request signed in as (`g.user`, Flask-Login's
    `g._login_user`) would still be there for the next request made with another's token.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            g.__dict__.clear()
        return super().open(*args, **kwargs)


@pytest.fixture()
def client(ctx):
    """A test client sharing the test's transaction."""
    ctx.test_client_class = OwnRequestClient
    try:
        return ctx.test_client()
    finally:
        ctx.test_client_class = None


@pytest.fixture()
def runner(ctx):
    """A CLI runner sharing the test's transaction."""
    return ctx.test_cli_runner()


def pytest_terminal_summary(terminalreporter):
    """Say where the browser journeys left their screenshots, for a person to look at."""
    from tests.browser import SHOTS

    if SHOTS.exists() and any(SHOTS.iterdir()):
        terminalreporter.write_line(f"browser screenshots: {SHOTS}")
