"""Map layer benchmark: GET /api/v1/cameras/geojson for the whole county and a street viewport.

    python -m bench.map_layer --cameras 100000                 # SpatiaLite file in a temp dir
    DATABASE_URL=postgresql+psycopg://... python -m bench.map_layer --cameras 1000000

Also run by `python -m bench.canvass` (same database, same run). Prints, in one run:
the county view's first request, the first after a change committed elsewhere, and warm,
p95 against the 50 ms target; the street
viewport against its own SQL (the very statements the request issued, re-run on a connection
held open, rows fetched, nothing else); response sizes.
"""
from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

COUNTY_TARGET_MS = 50  # every geojson answer, p95
STREET_TARGET_RATIO = 3  # the street viewport against its own SQL, p50


def _map_statements(engine, call) -> list[tuple[str, object]]:
    """The statements (with parameters) call() issues for the map, not for signing in."""
    from sqlalchemy import event

    seen: list[tuple[str, object]] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        if "camera" in statement and "ab_user" not in statement:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        call(0)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return seen


def _commit_a_change(engine) -> None:
    """A registration lapses and is confirmed again, each committed: the summary changes twice."""
    from sqlalchemy import text

    with engine.begin() as conn:
        reg_id, status = conn.execute(text(
            "SELECT r.id, r.status FROM registration r JOIN camera c ON c.registration_id = r.id"
            " WHERE r.status = 'active' ORDER BY r.id DESC LIMIT 1")).one()
    for new in ("lapsed", status):
        with engine.begin() as conn:
            conn.execute(text("UPDATE registration SET status = :s WHERE id = :id"), {"s": new, "id": reg_id})


def measure(app, client, headers, requests: int, county_box, street_box) -> None:
    """Time the map layer through client (signed in by headers) and print the figures."""
    from bench.canvass import line, pct, timed
    from backoffice.extensions import db

    with app.app_context():
        engine = db.engine
    county = ",".join(str(v) for v in county_box)
    street = ",".join(str(v) for v in street_box)
    sizes: dict[str, tuple[int, int, bool]] = {}

    def geojson(bbox):
        def call(i):
            r = client.get(f"/api/v1/cameras/geojson?bbox={bbox}", headers=headers)
            assert r.status_code == 200, r.data[:200]
            body = r.json or {}
            sizes[bbox] = (len(r.data), len(body["features"]), body["clustered"])
        return call

    cold = timed(geojson(county), 1, warmup=0)  # the run's first map request
    changed: list[float] = []
    for _ in range(5):  # the first request after a change committed elsewhere
        _commit_a_change(engine)
        changed += timed(geojson(county), 1, warmup=0)
    county_ms = timed(geojson(county), max(30, requests // 5), warmup=3)

    street_call = geojson(street)
    street_call(0)
    statements = _map_statements(engine, street_call)
    raw = engine.connect()

    def street_sql(i):
        for statement, parameters in statements:
            raw.exec_driver_sql(statement, parameters).fetchall()

    from bench.canvass import interleaved

    street_ms, street_sql_ms = interleaved([street_call, street_sql], max(30, requests // 2), warmup=3)
    raw.close()

    every_county = cold + changed + county_ms
    print("map layer (GET /api/v1/cameras/geojson):")
    size, n, clustered = sizes[county]
    kind = "clusters" if clustered else "cameras"
    line("county, first map request", cold)
    line("county, right after a change (5)", changed, "(a status committed elsewhere)")
    line("county, warm", county_ms, f"{size / 1024:.1f} KB, {n} {kind}")
    size, n, clustered = sizes[street]
    kind = "clusters" if clustered else "cameras"
    line("street viewport", street_ms, f"{size / 1024:.1f} KB, {n} {kind}")
    line("street viewport, its SQL only", street_sql_ms, f"({len(statements)} statement(s))")
    print("map ratios:")
    print(f"  county p95, every request above / {COUNTY_TARGET_MS} ms target "
          f"{pct(every_county, .95) / COUNTY_TARGET_MS:8.2f}   (p95 {pct(every_county, .95):.1f} ms)")
    print(f"  county warm p95 / {COUNTY_TARGET_MS} ms target           {pct(county_ms, .95) / COUNTY_TARGET_MS:8.2f}")
    print(f"  street p50 / its SQL p50             {pct(street_ms, .5) / pct(street_sql_ms, .5):8.2f} ×"
          f"   (target {STREET_TARGET_RATIO} ×)")
    print(f"  street p95 / {COUNTY_TARGET_MS} ms target                {pct(street_ms, .95) / COUNTY_TARGET_MS:8.2f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cameras", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300, help="timed calls of the street viewport (×2)")
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL")
    if not url:
        import config

        url = config.sqlite_url(Path(tempfile.mkdtemp(prefix="bench-map-")) / "bench.db")
    os.environ.setdefault("MFA_REQUIRED", "0")

    from flask_migrate import upgrade

    from bench.canvass import CITY, COUNTY, PASSWORD, bulk_load
    from backoffice import create_app
    from backoffice.accounts import ensure_demo_accounts
    from backoffice.extensions import db

    app = create_app({"DATABASE_URL": url, "MFA_REQUIRED": False, "RATELIMIT_ENABLED": False})
    dialect = "PostGIS" if url.startswith("postgres") else "SpatiaLite"
    print(f"map layer benchmark on {dialect}, {args.cameras} cameras")
    with app.app_context():
        upgrade()
        app.appbuilder.sm.sync_roles()  # type: ignore[attr-defined]  # FAB sets app.appbuilder
        ensure_demo_accounts(PASSWORD)
        db.session.commit()
        bulk_load(db.engine, args.cameras)
    client = app.test_client()
    login = client.post("/api/v1/security/login", json={
        "username": "investigator", "password": PASSWORD, "provider": "db", "refresh": False})
    headers = {"Authorization": f"Bearer {(login.json or {})['access_token']}"}
    measure(app, client, headers, args.requests, COUNTY, street_box(CITY))


def street_box(city: tuple[float, float], d: float = 0.006) -> tuple[float, float, float, float]:
    """A street viewport around the city centre (about 1.1 km × 1.5 km)."""
    return (city[1] - d, city[0] - d / 1.2, city[1] + d, city[0] + d / 1.2)


if __name__ == "__main__":
    main()
