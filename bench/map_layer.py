"""Map layer benchmark: GET /api/v1/cameras/geojson for the whole county and a street viewport.

    python -m bench.map_layer --cameras 100000                 # SpatiaLite file in a temp dir
    DATABASE_URL=postgresql+psycopg://... python -m bench.map_layer --cameras 1000000

Also run by `python -m bench.canvass` (same database, same run). Prints, in one run:
the county view's first request in new processes (against the floor's first request in
others), the first after a change committed elsewhere, and warm, p95 against the 50 ms
target; the street
viewport against its own SQL (the very statements the request issued, re-run on a connection
held open, rows fetched, nothing else); views 0.1°, 0.2° and 0.4° wide; response sizes.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

COUNTY_TARGET_MS = 50  # every geojson answer, p95
STREET_TARGET_RATIO = 3  # the street viewport against its own SQL, p50
TOWN_WIDTHS = (0.1, 0.2, 0.4)  # degrees of longitude: views clustered from the finer grids


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


def _first_request(url: str, path: str) -> float:
    """Milliseconds of the first request to path (after signing in) in a new process."""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "bench.map_layer", "--first-request", path],
        env={**os.environ, "DATABASE_URL": url}, cwd=Path(__file__).resolve().parents[1],
        capture_output=True, text=True, check=True,
    ).stdout
    return float(out.strip().splitlines()[-1])


def _time_first_request(path: str) -> None:
    """In this new process: sign in, then print the milliseconds of the first GET path."""
    import time

    from bench.canvass import PASSWORD
    from backoffice import create_app

    app = create_app({"DATABASE_URL": os.environ["DATABASE_URL"], "MFA_REQUIRED": False,
                      "RATELIMIT_ENABLED": False})
    client = app.test_client()
    login = client.post("/api/v1/security/login", json={
        "username": "investigator", "password": PASSWORD, "provider": "db", "refresh": False})
    headers = {"Authorization": f"Bearer {(login.json or {})['access_token']}"}
    started = time.perf_counter()
    assert client.get(path, headers=headers).status_code == 200
    print((time.perf_counter() - started) * 1000)


def measure(app, client, headers, requests: int, county_box, street_box, processes: int = 5) -> None:
    """Time the map layer through client (signed in by headers) and print the figures; the
    first requests of new processes are timed in `processes` processes of their own."""
    from bench.canvass import line, pct, timed
    from backoffice.extensions import db

    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":  # a bulk load leaves a long write-ahead log behind
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
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

    from sqlalchemy import select

    from backoffice.models import Agency

    with app.app_context():
        url = engine.url.render_as_string(hide_password=False)
        agency_id = db.session.scalar(select(Agency.id).order_by(Agency.id).limit(1))
    county_path = f"/api/v1/cameras/geojson?bbox={county}"
    cold = [_first_request(url, county_path) for _ in range(processes)]
    cold_floor = [_first_request(url, f"/api/v1/agency/{agency_id}") for _ in range(processes)]
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

    town: dict[float, list[float]] = {}
    centre_lon, centre_lat = (street_box[0] + street_box[2]) / 2, (street_box[1] + street_box[3]) / 2
    for width in TOWN_WIDTHS:  # views between a street and the county, around the same centre
        box = (centre_lon - width / 2, centre_lat - width / 2.4, centre_lon + width / 2, centre_lat + width / 2.4)
        town[width] = timed(geojson(",".join(f"{v:.6f}" for v in box)), 20, warmup=2)
    every_county = cold + changed + county_ms  # the new processes' first requests included
    print("map layer (GET /api/v1/cameras/geojson):")
    size, n, clustered = sizes[county]
    kind = "clusters" if clustered else "cameras"
    line(f"county, new process ({processes})", cold, "(its first request after signing in)")
    line(f"floor, new process ({processes})", cold_floor, "(GET /api/v1/agency/<id>, the same)")
    line("county, right after a change (5)", changed, "(a status committed elsewhere)")
    line("county, warm", county_ms, f"{size / 1024:.1f} KB, {n} {kind}")
    size, n, clustered = sizes[street]
    kind = "clusters" if clustered else "cameras"
    line("street viewport", street_ms, f"{size / 1024:.1f} KB, {n} {kind}")
    line("street viewport, its SQL only", street_sql_ms, f"({len(statements)} statement(s))")
    for width, samples in town.items():
        line(f"view {width:g}° wide around the street", samples)
    print("map ratios:")
    print(f"  county p95, every request above / {COUNTY_TARGET_MS} ms target "
          f"{pct(every_county, .95) / COUNTY_TARGET_MS:8.2f}   (p95 {pct(every_county, .95):.1f} ms)")
    print(f"  county warm p95 / {COUNTY_TARGET_MS} ms target           {pct(county_ms, .95) / COUNTY_TARGET_MS:8.2f}")
    print(f"  county new process p50 − floor's     {pct(cold, .5) - pct(cold_floor, .5):+8.2f} ms")
    print(f"  street p50 / its SQL p50             {pct(street_ms, .5) / pct(street_sql_ms, .5):8.2f} ×"
          f"   (target {STREET_TARGET_RATIO} ×)")
    print(f"  street p95 / {COUNTY_TARGET_MS} ms target                {pct(street_ms, .95) / COUNTY_TARGET_MS:8.2f}")
    town_p95 = max(pct(samples, .95) for samples in town.values())
    print(f"  worst wider view p95 / {COUNTY_TARGET_MS} ms target      {town_p95 / COUNTY_TARGET_MS:8.2f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cameras", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300, help="timed calls of the street viewport (×2)")
    parser.add_argument("--processes", type=int, default=5, help="new processes timed on their first request")
    parser.add_argument("--first-request", metavar="PATH", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.first_request:
        _time_first_request(args.first_request)
        return
    from bench.canvass import CITY, COUNTY, PASSWORD, loaded_app

    app, _url, _dialect = loaded_app(args.cameras, "bench-map-", f"map layer benchmark on {{dialect}}, {args.cameras} cameras")
    client = app.test_client()
    login = client.post("/api/v1/security/login", json={
        "username": "investigator", "password": PASSWORD, "provider": "db", "refresh": False})
    headers = {"Authorization": f"Bearer {(login.json or {})['access_token']}"}
    measure(app, client, headers, args.requests, COUNTY, street_box(CITY), args.processes)


def street_box(city: tuple[float, float], d: float = 0.006) -> tuple[float, float, float, float]:
    """A street viewport around the city centre (about 1.1 km × 1.5 km)."""
    return (city[1] - d, city[0] - d / 1.2, city[1] + d, city[0] + d / 1.2)


if __name__ == "__main__":
    main()
