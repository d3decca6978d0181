"""`python -m bench` (`make bench`): every benchmark at its default size, one after another.

    make bench                                                   # SpatiaLite, in temporary files
    createdb -h 127.0.0.1 -U postgres bench                      # once, for PostGIS
    make bench DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench

On PostgreSQL the run is the PostGIS sizes in one go: the lists benchmark on a new database of
its own beside DATABASE_URL's (`<name>_lists`, created with PostGIS and dropped after; it needs
an empty one, and one of that name already there is refused, never dropped), and the canvass,
floor and map at 1,000,000 cameras on DATABASE_URL's database itself (loaded on the first run,
reused after; its migrations create PostGIS). The evidence ingest measures streaming to disk
and always runs on a SpatiaLite file. A DATABASE_URL that cannot be used (not a URL, no
database name, a database that does not exist or does not answer) is refused with one line
before anything runs.
"""
import contextlib
import importlib
import os
import sys

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

BENCHMARKS = ("bench.lists", "bench.canvass", "bench.evidence_ingest")
POSTGIS_CAMERAS = 1_000_000


class Refused(SystemExit):
    """A DATABASE_URL the benchmarks cannot use: one line, exit status 2."""

    def __init__(self, message: str) -> None:
        super().__init__(2)
        self.message = message


def postgis_url(raw: str) -> URL | None:
    """The PostgreSQL database to run on (driver psycopg), or None to run on SpatiaLite.

    Raises:
        Refused: raw is not a database URL, names another kind of database or no database,
            or the database does not answer (it must exist: `createdb` makes it).
    """
    if not raw:
        return None
    try:
        url = make_url(raw)
    except ArgumentError:
        raise Refused(f"DATABASE_URL is not a database URL: {raw!r}") from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        return None
    if backend not in ("postgresql", "postgres"):
        raise Refused(f"the benchmarks run on SpatiaLite or PostgreSQL + PostGIS, not {backend}")
    url = url.set(drivername="postgresql+psycopg")
    if not url.database:
        raise Refused("DATABASE_URL names no database: end it with the database's name, e.g. …/bench")
    engine = create_engine(url)
    try:
        with engine.connect():
            pass
    except DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        raise Refused(
            f"cannot open database {url.database!r} at {url.host or 'localhost'}:{url.port or 5432}: "
            f"{reason} (create it with: createdb -h {url.host or 'localhost'} -U {url.username or 'postgres'} "
            f"{url.database})") from None
    finally:
        engine.dispose()
    return url


@contextlib.contextmanager
def own_database(url: URL, suffix: str):
    """A new PostGIS database named after url's with `suffix`, as a URL string; dropped
    afterwards. One of that name already there is refused (Refused), never dropped."""
    name = f"{url.database}{suffix}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    created = False
    try:
        with admin.connect() as conn:
            if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first():
                raise Refused(f"database {name!r} already exists: the lists benchmark makes its own and "
                              f"drops it after; drop {name!r} or use another DATABASE_URL")
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            created = True
        own = url.set(database=name)
        with create_engine(own, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        yield own.render_as_string(hide_password=False)
    finally:
        if created:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(name: str, argv: list[str], database_url: str | None) -> None:
    print(f"== {name}", flush=True)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    sys.argv = [name, *argv]  # each benchmark reads its options from the command line
    importlib.import_module(name).main()


def main() -> None:
    raw = os.environ.get("DATABASE_URL") or ""
    try:
        url = postgis_url(raw)
        if url is None:
            sqlite = raw or None  # a SpatiaLite file named by DATABASE_URL, else temporary ones
            for name in BENCHMARKS:
                run(name, [], sqlite if name != "bench.evidence_ingest" else None)
            return
        print(f"PostGIS: {url.render_as_string(hide_password=True)}", flush=True)
        with own_database(url, "_lists") as lists_url:
            run("bench.lists", [], lists_url)
        run("bench.canvass", ["--cameras", str(POSTGIS_CAMERAS)], url.render_as_string(hide_password=False))
        run("bench.evidence_ingest", [], None)
    except Refused as refused:
        print(f"make bench: {refused.message}", file=sys.stderr)
        raise


if __name__ == "__main__":
    main()
