"""Revision 0006 upgrades, downgrades and upgrades again (on a scratch SpatiaLite file)."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

import config
from backoffice import create_app
from backoffice.extensions import db


def test_revision_0006_round_trip(tmp_path):
    app = create_app({"DATABASE_URL": config.sqlite_url(tmp_path / "m.db"), "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"user_security", "mfa_recovery_code"} <= tables
        downgrade(revision="0001")
        assert "user_security" not in set(inspect(db.engine).get_table_names())
        with db.engine.connect() as connection:
            triggers = connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
            assert not [name for (name,) in triggers if name.startswith("audit_event_")]
        upgrade()
        assert "user_security" in set(inspect(db.engine).get_table_names())
        db.engine.dispose()
