"""`make bench` (python -m bench) refuses a DATABASE_URL it cannot use with one line and exit
status 2, before any benchmark runs; it used to load data for minutes, then end in a long
traceback (a database not yet created), or take a postgres:// URL for SpatiaLite."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]


def bench(database_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "BENCH_PORT": "1"}
    return subprocess.run([sys.executable, "-m", "bench"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def assert_refused(result: subprocess.CompletedProcess, words: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout[-2000:], result.stderr[-2000:])
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("make bench: ") and words in lines[0], lines
    assert "== bench." not in result.stdout  # nothing ran


@pytest.mark.parametrize("url, words", [
    ("postgresql+psycopg//postgres@127.0.0.1:5432/bench", "is not a database URL"),
    ("postgresql+psycopg://postgres@127.0.0.1:5432", "names no database"),
    ("mysql://root@127.0.0.1/bench", "not mysql"),
    # A port nothing listens on: the same answer as a server that is down.
    ("postgresql+psycopg://postgres@127.0.0.1:1/bench", "cannot open database 'bench' at 127.0.0.1:1"),
    ("postgres://postgres@127.0.0.1:1/bench", "cannot open database 'bench'"),  # read as PostgreSQL
])
def test_an_unusable_database_url_is_refused_in_one_line(url, words):
    assert_refused(bench(url), words)


@pytest.fixture
def postgres_url(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("needs the PostgreSQL server of the PostGIS leg")
    return make_url(database_url)


def test_a_database_not_yet_created_is_refused_with_how_to_create_it(postgres_url):
    missing = postgres_url.set(database=f"{postgres_url.database}_not_created")
    result = bench(missing.render_as_string(hide_password=False))
    assert_refused(result, f"does not exist (create it with: createdb -h {postgres_url.host}")


def test_an_existing_lists_database_is_refused_and_kept(postgres_url):
    name = f"{postgres_url.database}_lists"
    admin = create_engine(postgres_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        assert_refused(bench(postgres_url.render_as_string(hide_password=False)),
                       f"database '{name}' already exists")
        with admin.connect() as conn:
            assert conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
