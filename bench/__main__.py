"""`python -m bench` (`make bench`): every benchmark at its default size, one after another.

    make bench                                                   # SpatiaLite, in temporary files
    make bench DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench   # PostGIS

On PostgreSQL the run is the issue's PostGIS sizes in one go: the lists benchmark on a new
database of its own beside DATABASE_URL's (`<name>_lists`, created with PostGIS and dropped
after; it needs an empty one), and the canvass, floor and map at 1,000,000 cameras on
DATABASE_URL's database itself (loaded on the first run, reused after). The evidence ingest
measures streaming to disk and always runs on a SpatiaLite file.
"""
import contextlib
import importlib
import os
import sys

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

BENCHMARKS = ("bench.lists", "bench.canvass", "bench.evidence_ingest")
POSTGIS_CAMERAS = 1_000_000


@contextlib.contextmanager
def own_database(url: str, suffix: str):
    """A new PostGIS database named after url's with `suffix`, as a URL; dropped afterwards."""
    base = make_url(url)
    name = f"{base.database}{suffix}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        own = base.set(database=name)
        with create_engine(own, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        yield own.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(name: str, argv: list[str], database_url: str | None) -> None:
    print(f"== {name}", flush=True)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    sys.argv = [name, *argv]
    module = importlib.import_module(name)
    module.main(argv) if name == "bench.canvass" else module.main()


def main() -> None:
    url = os.environ.get("DATABASE_URL") or ""
    if not url.startswith("postgresql"):
        for name in BENCHMARKS:
            run(name, [], None)
        return
    with own_database(url, "_lists") as lists_url:
        run("bench.lists", [], lists_url)
    run("bench.canvass", ["--cameras", str(POSTGIS_CAMERAS)], url)
    os.environ.pop("DATABASE_URL")
    run("bench.evidence_ingest", [], None)


main()
