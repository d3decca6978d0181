"""Every command group says in one line, without a traceback, that the database is not
migrated or cannot be reached."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

import config

from tests.mailbox import free_port

ROOT = Path(__file__).resolve().parents[2]


def flask(*args: str, database_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "FLASK_APP": "backoffice:create_app"}
    return subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("command", [("worker", "jobs"), ("registry", "send-confirmations"),
                                     ("audit", "verify"), ("workflow", "remind"), ("evidence", "verify")])
def test_a_command_on_a_database_never_migrated_says_to_migrate(tmp_path, command):
    result = flask(*command, database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "Error: The database is at migration none, this release needs 0" in result.stderr
    assert "run `flask db upgrade`" in result.stderr


def test_a_command_on_a_database_it_cannot_reach_says_so():
    result = flask("worker", "jobs", database_url=f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "Error: The database cannot be reached (OperationalError); check DATABASE_URL." in result.stderr


@pytest.mark.parametrize("given, expected", [
    ("sqlite:///registry.db", "sqlite:///registry.db?" + config._SQLITE_OPTIONS),
    ("sqlite:////srv/r.db?timeout=5", "sqlite:////srv/r.db?timeout=5&" + config._SQLITE_OPTIONS),
    (config.sqlite_url("/srv/r.db"), config.sqlite_url("/srv/r.db")),
    ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
])
def test_a_sqlite_url_given_plainly_gets_the_fast_spatial_metadata_init(given, expected):
    """SpatiaLite's first connection to a new file writes thousands of reference-system rows;
    without GeoAlchemy2's one-transaction init each is its own commit (minutes on a busy disk,
    before a command can even say the database needs migrating)."""
    assert config.with_sqlite_options(given) == expected
