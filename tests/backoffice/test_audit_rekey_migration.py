"""Revision 0014 re-chains events hashed under the old plain SHA-256 rule with the chain key,
refuses to re-key a chain that does not verify, and downgrades back (scratch SpatiaLite file)."""
import hashlib
import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import insert, select, text

import config
from backoffice import create_app
from backoffice.audit import GENESIS, HASHED_FIELDS, canonical_event, walk_chain
from backoffice.extensions import db
from backoffice.localtime import utcnow
from backoffice.models import AuditEvent

MIGRATION = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0014_audit_chain_keyed.py"


def _previous_revision() -> str:
    spec = importlib.util.spec_from_file_location("audit_chain_keyed", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.down_revision


PREVIOUS = _previous_revision()


def _old_chain(connection, n: int, tamper: bool = False) -> None:
    """Events as the previous release wrote them: plain SHA-256, no key."""
    previous = GENESIS
    for i in range(1, n + 1):
        event = SimpleNamespace(
            id=i, at=utcnow(), user_id=None, username="clerk", agency_id=None, action="login",
            object_type=None, object_id=None, purpose=None, ip="10.0.0.1", detail=None,
            prev_hash=previous,
        )
        event.hash = hashlib.sha256(canonical_event(event)).hexdigest()
        if tamper and i == 2:
            event.username = "someone-else"
        connection.execute(insert(AuditEvent.__table__).values(
            {name: getattr(event, name) for name in (*HASHED_FIELDS, "hash")}
        ))
        previous = event.hash
    connection.execute(text("UPDATE audit_head SET last_event_id = :i, last_hash = :h, count = :c"
                            " WHERE id = 1"), {"i": n, "h": previous, "c": n})


def _app(tmp_path):
    return create_app({
        "DATABASE_URL": config.sqlite_url(tmp_path / "m.db"),
        "RATELIMIT_ENABLED": False,
        "AUDIT_HMAC_KEY_FILE": str(tmp_path / "key"),
        "AUDIT_SIGNING_KEY_FILE": str(tmp_path / "signing.pem"),
    })


def test_upgrade_rekeys_an_old_chain_and_downgrade_restores_it(tmp_path):
    app = _app(tmp_path)
    with app.app_context():
        upgrade(revision=PREVIOUS)
        with db.engine.begin() as connection:
            _old_chain(connection, 5)
        upgrade()
        walk = walk_chain()
        assert walk.problems == [] and walk.count == 6
        note = db.session.get(AuditEvent, 6)
        assert note.action == "audit.chain_keyed" and '"events": 5' in note.detail
        db.session.commit()
        with db.engine.begin() as connection:  # the append-only guard is back
            with pytest.raises(Exception, match="append-only"):
                connection.execute(text("UPDATE audit_event SET action = 'x' WHERE id = 1"))
        downgrade(revision=PREVIOUS)
        with db.engine.connect() as connection:
            rows = connection.execute(select(AuditEvent.__table__).order_by(text("id"))).mappings().all()
        previous = GENESIS
        for row in rows:
            event = SimpleNamespace(**row)
            assert event.prev_hash == previous
            assert hashlib.sha256(canonical_event(event)).hexdigest() == event.hash
            previous = event.hash
        db.engine.dispose()


def test_upgrade_refuses_to_rekey_a_tampered_chain(tmp_path):
    app = _app(tmp_path)
    with app.app_context():
        upgrade(revision=PREVIOUS)
        with db.engine.begin() as connection:
            _old_chain(connection, 3, tamper=True)
        with pytest.raises(SystemExit):  # Flask-Migrate logs the RuntimeError and exits
            upgrade()
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == PREVIOUS
            hashes = connection.execute(text("SELECT hash FROM audit_event ORDER BY id")).scalars().all()
        assert len(hashes) == 3 and not any(h.startswith("rechain-") for h in hashes)
        db.engine.dispose()
