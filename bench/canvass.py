"""Canvass benchmark: API vs the raw indexed SQL vs a scan, the camera layer, and the floor.

    python -m bench.canvass --cameras 100000                 # SpatiaLite file in a temp dir
    DATABASE_URL=postgresql+psycopg://... python -m bench.canvass --cameras 1000000

Loads N synthetic cameras (bulk insert; reused when the database already holds them), then
times, in one run and through the same app: a trivial authenticated endpoint (the framework's
floor), GET /api/v1/canvass/, the raw indexed SQL it issues, the same search with no spatial
index, GET /api/v1/canvass/route/ along synthetic escape routes against its raw SQL (and with no
spatial index), and GET /api/v1/cameras/geojson for a county and a street viewport (bench/map_layer.py).
"""
from __future__ import annotations

import argparse
import itertools
import math
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from sqlalchemy import func, select, text

COUNTY = (-119.90, 34.80, -117.60, 35.80)  # Kern County, roughly (minlon, minlat, maxlon, maxlat)
CITY = (35.3733, -119.0187)  # Bakersfield
STATUSES = ["active"] * 85 + ["lapsed"] * 8 + ["pending"] * 4 + ["withdrawn"] * 3
BENCH_DOMAIN = "bench.invalid"
PASSWORD = "bench-pass-2026-long"
CAMERAS_PER_REGISTRATION = 2


def synthetic_point(rng: random.Random) -> tuple[float, float]:
    """Half the premises around the city (σ ≈ 10 km), half anywhere in the county."""
    if rng.random() < 0.5:
        lat = rng.gauss(CITY[0], 0.09)
        lon = rng.gauss(CITY[1], 0.11)
        if COUNTY[1] <= lat <= COUNTY[3] and COUNTY[0] <= lon <= COUNTY[2]:
            return lat, lon
    return rng.uniform(COUNTY[1], COUNTY[3]), rng.uniform(COUNTY[0], COUNTY[2])


def _rows(n_cameras: int, first_owner: int, first_camera: int, seed: int = 7):
    """Owner, registration and camera tuples for n_cameras cameras."""
    rng = random.Random(seed + first_camera)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    owners, registrations, cameras = [], [], []
    camera_id = first_camera
    n_regs = math.ceil(n_cameras / CAMERAS_PER_REGISTRATION)
    for i in range(n_regs):
        rid = first_owner + i
        lat, lon = synthetic_point(rng)
        owners.append((rid, "resident", f"Bench owner {rid}", f"o{rid}@{BENCH_DOMAIN}", "email", "en", stamp, stamp))
        registrations.append(
            (rid, rid, f"{rid % 9000 + 100} Bench St", "Bakersfield", "CA", lon, lat, rng.choice(STATUSES), stamp, stamp)
        )
        for k in range(CAMERAS_PER_REGISTRATION):
            if camera_id >= first_camera + n_cameras:
                break
            clat, clon = lat + rng.uniform(-5e-5, 5e-5), lon + rng.uniform(-5e-5, 5e-5)
            direction = None if rng.random() < 0.15 else rng.randrange(360)
            fov = 360 if rng.random() < 0.1 else rng.choice([60, 90, 110, 130])
            cameras.append(
                (camera_id, rid, f"Camera {k + 1}", clon, clat, direction, fov,
                 rng.choice([15, 20, 30, 50]), rng.choice([3, 7, 14, 30]), "continuous", "dvr_nvr", stamp, stamp)
            )
            camera_id += 1
    return owners, registrations, cameras


def bulk_load(engine, n_cameras: int) -> None:
    """Insert cameras (with their premises and owners) until n_cameras bench cameras exist."""
    with engine.begin() as conn:
        have = conn.execute(text("SELECT count(*) FROM camera")).scalar()
        bench = conn.execute(
            text("SELECT count(*) FROM owner WHERE email LIKE :d"), {"d": f"%@{BENCH_DOMAIN}"}
        ).scalar()
        if have and not bench:
            sys.exit("this database holds real cameras; point DATABASE_URL at an empty bench database")
        if have >= n_cameras:
            print(f"reusing {have} cameras already loaded")
            return
        first_owner = (conn.execute(text("SELECT coalesce(max(id), 0) FROM owner")).scalar() or 0) + 1
        first_camera = (conn.execute(text("SELECT coalesce(max(id), 0) FROM camera")).scalar() or 0) + 1
    missing = n_cameras - have
    started = time.perf_counter()
    chunk = 100_000
    for offset in range(0, missing, chunk):
        n = min(chunk, missing - offset)
        owners, regs, cams = _rows(n, first_owner, first_camera)
        first_owner += len(owners)
        first_camera += len(cams)
        if engine.dialect.name == "sqlite":
            _load_sqlite(engine, owners, regs, cams)
        else:
            _load_postgres(engine, owners, regs, cams)
        print(f"  loaded {offset + n}/{missing} cameras ({time.perf_counter() - started:.1f} s)", flush=True)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE owner, registration, camera"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    print(f"bulk load of {missing} cameras: {time.perf_counter() - started:.1f} s")


def _load_sqlite(engine, owners, regs, cams) -> None:
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        raw.executemany(
            "INSERT INTO owner (id, kind, name, email, preferred_contact, language, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", owners)
        raw.executemany(
            "INSERT INTO registration (id, owner_id, address, city, state, location, status, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, MakePoint(?, ?, 4326), ?, ?, ?)", regs)
        raw.executemany(
            "INSERT INTO camera (id, registration_id, label, location, direction_deg, fov_deg, range_m,"
            " retention_days, recording_mode, system_type, created_at, updated_at)"
            " VALUES (?, ?, ?, MakePoint(?, ?, 4326), ?, ?, ?, ?, ?, ?, ?, ?)", cams)


def _copy(cursor, table: str, columns: str, rows) -> None:
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _load_postgres(engine, owners, regs, cams) -> None:
    with engine.begin() as conn:
        cur = conn.connection.driver_connection.cursor()
        _copy(cur, "owner", "id, kind, name, email, preferred_contact, language, created_at, updated_at", owners)
        _copy(cur, "registration", "id, owner_id, address, city, state, location, status, created_at, updated_at",
              [(r[0], r[1], r[2], r[3], r[4], f"SRID=4326;POINT({r[5]} {r[6]})", *r[7:]) for r in regs])
        _copy(cur, "camera", "id, registration_id, label, location, direction_deg, fov_deg, range_m,"
              " retention_days, recording_mode, system_type, created_at, updated_at",
              [(c[0], c[1], c[2], f"SRID=4326;POINT({c[3]} {c[4]})", *c[5:]) for c in cams])
        for table in ("owner", "registration", "camera"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def timed(fn: Callable[[int], object], n: int, warmup: int = 5) -> list[float]:
    """Milliseconds per call of fn(i) for i in range(n), after a warm-up."""
    for i in range(warmup):
        fn(i)
    samples = []
    for i in range(n):
        started = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def interleaved(fns: list[Callable[[int], object]], n: int, warmup: int = 5) -> list[list[float]]:
    """Milliseconds per call of each fn, the calls taken in turn: fn0(i), fn1(i), ..."""
    for i in range(warmup):
        for fn in fns:
            fn(i)
    samples: list[list[float]] = [[] for _ in fns]
    for i in range(n):
        for k, fn in enumerate(fns):
            started = time.perf_counter()
            fn(i)
            samples[k].append((time.perf_counter() - started) * 1000)
    return samples


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def line(name: str, samples: list[float], extra: str = "") -> None:
    print(f"  {name:<34} p50 {pct(samples, .5):8.2f} ms   p95 {pct(samples, .95):8.2f} ms  {extra}")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _http(port: int, method: str, path: str, headers=None, body=None) -> tuple[int, bytes]:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def throughput(port: int, paths: list[str], headers: dict, seconds: float, clients: int) -> float:
    """Requests per second that `clients` concurrent clients get for paths (round robin)."""
    import threading

    stop = time.perf_counter() + seconds
    done = [0] * clients

    def work(k: int) -> None:
        i = k
        while time.perf_counter() < stop:
            status, _ = _http(port, "GET", paths[i % len(paths)], headers)
            if status != 200:
                raise RuntimeError(f"{paths[i % len(paths)]}: HTTP {status}")
            done[k] += 1
            i += clients

    threads = [threading.Thread(target=work, args=(k,)) for k in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - started)


def bench_port(offset: int = 0) -> int:
    """The port a benchmark server listens on: BENCH_PORT (or --port) plus offset, else any
    free port (several people share this machine, each with their own ports)."""
    base = int(os.environ.get("BENCH_PORT") or 0)
    return base + offset if base else _free_port()


def _gunicorn(app_spec: str, workers: int, env: dict, port_offset: int = 0):
    """A gunicorn serving app_spec on bench_port(port_offset): (process, port)."""
    import subprocess

    port = bench_port(port_offset)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", app_spec],
        env=env, cwd=Path(__file__).resolve().parents[1],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return server, port


def _wait_until_up(port: int, path: str, tries: int = 120) -> None:
    """Poll GET path until it answers 200 (a starting gunicorn refuses connections first)."""
    for _ in range(tries):
        try:
            if _http(port, "GET", path)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)


def gunicorn_throughput(url: str, paths: dict[str, list[str]], workers: int, clients: int, seconds: float,
                        rounds: int = 8) -> dict[str, list[float]]:
    """Requests/s per endpoint group under gunicorn, with bare Flask (bench.bare_app) under the
    same settings as group "bare": both servers run side by side and the groups take turns in
    `rounds` windows of seconds/rounds each (an idle server costs nothing), so a machine that
    speeds up or slows down meanwhile moves every group alike. Returns each group's rate per
    round, in round order."""
    import json

    env = {**os.environ, "DATABASE_URL": url, "MFA_REQUIRED": "0", "RATELIMIT_ENABLED": "0"}
    app_server, app_port = _gunicorn("backoffice:create_app()", workers, env)
    bare_server, bare_port = _gunicorn("bench.bare_app:app", workers, dict(os.environ), port_offset=1)
    try:
        _wait_until_up(app_port, "/login/")
        _wait_until_up(bare_port, "/ping")
        status, body = _http(app_port, "POST", "/api/v1/security/login", {"Content-Type": "application/json"},
                             json.dumps({"username": "investigator", "password": PASSWORD,
                                         "provider": "db", "refresh": False}))
        headers = {"Authorization": f"Bearer {json.loads(body)['access_token']}"}
        groups: dict[str, tuple[int, list[str], dict]] = {"bare": (bare_port, ["/ping"], {})}
        groups.update({name: (app_port, group, headers) for name, group in paths.items()})
        for port, group, sent in groups.values():
            throughput(port, group, sent, 1.0, clients)  # warm every worker
        results: dict[str, list[float]] = {name: [] for name in groups}
        for _ in range(rounds):
            for name, (port, group, sent) in groups.items():
                results[name].append(throughput(port, group, sent, seconds / rounds, clients))
        return results
    finally:
        for server in (app_server, bare_server):
            server.terminate()
            server.wait(timeout=30)


def loaded_app(cameras: int, prefix: str, heading: str):
    """The app on DATABASE_URL, else on a new SpatiaLite file in a temporary folder named
    `prefix`…: migrated, roles synced, the demo accounts signing in with PASSWORD, and
    `cameras` bench cameras (bulk_load). Prints `heading` ({dialect} filled in) before the
    load. Returns (app, database URL, "PostGIS" or "SpatiaLite")."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        import config

        url = config.sqlite_url(Path(tempfile.mkdtemp(prefix=prefix)) / "bench.db")
    os.environ.setdefault("MFA_REQUIRED", "0")

    from flask_migrate import upgrade

    from backoffice import create_app
    from backoffice.accounts import ensure_demo_accounts
    from backoffice.extensions import db

    app = create_app({"DATABASE_URL": url, "MFA_REQUIRED": False, "RATELIMIT_ENABLED": False})
    dialect = "PostGIS" if url.startswith("postgres") else "SpatiaLite"
    print(heading.format(dialect=dialect))
    with app.app_context():
        upgrade()
        app.appbuilder.sm.sync_roles()  # type: ignore[attr-defined]  # FAB sets app.appbuilder
        ensure_demo_accounts(PASSWORD)
        db.session.commit()
        bulk_load(db.engine, cameras)
    return app, url, dialect


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cameras", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300, help="timed calls per indexed measurement")
    parser.add_argument("--scans", type=int, default=10, help="timed calls of the unindexed search")
    parser.add_argument("--radius", type=float, default=300)
    parser.add_argument("--route-legs", type=int, default=8, help="legs of each escape route (150 m each)")
    parser.add_argument("--route-width", type=float, default=100, help="corridor width of the route search")
    parser.add_argument("--gunicorn-workers", type=int, default=2, help="0 skips the gunicorn run")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients against gunicorn")
    parser.add_argument("--seconds", type=float, default=8, help="duration of each throughput run")
    parser.add_argument("--port", type=int, default=None,
                        help="first of two ports for the gunicorns (default: BENCH_PORT, else free ports)")
    args = parser.parse_args(argv)
    if args.port:
        os.environ["BENCH_PORT"] = str(args.port)

    import json

    from backoffice import spatial
    from backoffice.canvass import query as canvass_query
    from backoffice.extensions import db
    from backoffice.models import Agency, Case

    app, url, dialect = loaded_app(args.cameras, "bench-canvass-",
                                   f"canvass benchmark on {{dialect}}, {args.cameras} cameras, radius {args.radius:g} m")
    with app.app_context():
        agency = db.session.query(Agency).order_by(Agency.id).first()
        case = db.session.query(Case).filter_by(agency_id=agency.id, case_number="BENCH-1").one_or_none()
        if case is None:
            now = datetime.now(timezone.utc)
            case = Case(agency_id=agency.id, case_number="BENCH-1", incident_type="benchmark",
                        occurred_from=now - timedelta(hours=5), occurred_to=now - timedelta(hours=4))
            case.set_location(*CITY)
            db.session.add(case)
            db.session.commit()
        case_id = case.id
        total = db.session.execute(select(func.count()).select_from(text("camera"))).scalar()
    print(f"cameras in the database: {total}")

    # Incidents happen where people (and cameras) are: search points around the city.
    rng = random.Random(11)
    points = [(rng.gauss(CITY[0], 0.05), rng.gauss(CITY[1], 0.06))
              for _ in range(max(args.requests, args.scans) + 10)]
    client = app.test_client()
    login = client.post("/api/v1/security/login", json={
        "username": "investigator", "password": PASSWORD, "provider": "db", "refresh": False})
    headers = {"Authorization": f"Bearer {(login.json or {})['access_token']}"}

    def floor(i):
        assert client.get(f"/api/v1/agency/{agency.id}", headers=headers).status_code == 200

    from bench.bare_app import app as bare_app

    bare_client = bare_app.test_client()

    def bare(i):
        assert bare_client.get("/ping").status_code == 200

    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
    statements: list[str] = []
    listener = lambda *a: statements.append(a[2])  # noqa: E731  (conn, cursor, statement, ...)
    event.listen(engine, "before_cursor_execute", listener)
    floor(0)
    statements.clear()
    floor(0)
    event.remove(engine, "before_cursor_execute", listener)
    floor_statements = [s for s in statements if s.strip().upper() != "BEGIN"]

    found = []

    def api(i):
        lat, lon = points[i % len(points)]
        r = client.get("/api/v1/canvass/", headers=headers, query_string={
            "case_id": case_id, "lat": f"{lat:.6f}", "lon": f"{lon:.6f}", "radius_m": args.radius})
        assert r.status_code == 200, r.json
        found.append(r.data)  # parsed after timing

    print("timing (in-process test client; same app, same user, same points, calls interleaved):")

    from sqlalchemy.orm import Session

    # The query function the endpoint calls, on a connection of its own held open: the
    # SQL, its round trip and turning rows into dicts, nothing of the app around it.
    with app.app_context():
        raw_session = Session(bind=db.engine.connect())

    def raw(i, use_index=True):
        lat, lon = points[i % len(points)]
        canvass_query.cameras_within(raw_session, lat, lon, args.radius, use_index=use_index)

    # The price of durability: one small row committed on a connection of its own, as the
    # canvass commits its audit event (SQLite: WAL, synchronous=FULL, one fsync; PostgreSQL:
    # synchronous_commit, one WAL flush). No request that writes durably can be cheaper.
    with app.app_context():
        durable_connection = db.engine.connect()
    durable_connection.exec_driver_sql("DROP TABLE IF EXISTS bench_commit")
    durable_connection.exec_driver_sql("CREATE TABLE bench_commit (id INTEGER PRIMARY KEY, note TEXT)")
    durable_connection.commit()
    written = itertools.count()

    def durable(i):
        durable_connection.exec_driver_sql(f"INSERT INTO bench_commit VALUES ({next(written)}, 'search {i}')")
        durable_connection.commit()

    # Interleaved so that load from elsewhere on the machine hits all of them alike.
    # No app context around the calls: each request must get its own, as in production.
    bare_ms, floor_ms, api_ms, raw_ms, commit_ms = interleaved([bare, floor, api, raw, durable], args.requests)
    durable_connection.exec_driver_sql("DROP TABLE bench_commit")
    durable_connection.commit()
    durable_connection.close()
    scan_ms = timed(lambda i: raw(i, use_index=False), args.scans, warmup=1)
    raw_session.close()
    with app.app_context():
        session = db.session
        plan = spatial.explain(session, canvass_query.cameras_within_sql(session),
                               canvass_query.cameras_within_params(*CITY, args.radius))
        session.rollback()

    # Escape routes: from each search point, route_legs legs of 150 m, each turning a little.
    from geographiclib.geodesic import Geodesic

    routes = []
    for lat, lon in points:
        heading, route = rng.uniform(0, 360), [(lon, lat)]
        for _ in range(args.route_legs):
            heading += rng.uniform(-60, 60)
            step = Geodesic.WGS84.Direct(route[-1][1], route[-1][0], heading, 150)
            route.append((step["lon2"], step["lat2"]))
        routes.append(route)
    route_found = []

    def route_api(i):
        route = routes[i % len(routes)]
        r = client.get("/api/v1/canvass/route/", headers=headers, query_string={
            "case_id": case_id, "width_m": args.route_width,
            "route": json.dumps({"type": "LineString",
                                 "coordinates": [[round(x, 6), round(y, 6)] for x, y in route]})})
        assert r.status_code == 200, r.json
        route_found.append(r.data)

    with app.app_context():
        raw_session = Session(bind=db.engine.connect())
        route_sql = {use: text(canvass_query.cameras_along_route_sql(raw_session, use_index=use))
                     for use in (True, False)}

    def route_raw(i, use_index=True):
        params = canvass_query.cameras_along_route_params(routes[i % len(routes)], args.route_width / 2)
        raw_session.execute(route_sql[use_index], params).all()

    def route_query(i):
        canvass_query.cameras_along_route(raw_session, routes[i % len(routes)], args.route_width / 2)

    route_api_ms, route_query_ms, route_raw_ms = interleaved([route_api, route_query, route_raw], args.requests)
    route_scan_ms = timed(lambda i: route_raw(i, use_index=False), args.scans, warmup=1)
    raw_session.close()
    with app.app_context():
        session = db.session
        route_plan = spatial.explain(session, canvass_query.cameras_along_route_sql(session),
                                     canvass_query.cameras_along_route_params(routes[0], args.route_width / 2))
        session.rollback()

    found = [json.loads(body)["count"] for body in found]
    route_found = [json.loads(body)["count"] for body in route_found]
    line("bare Flask: GET /ping (no database)", bare_ms)
    line("floor: GET /api/v1/agency/<id>", floor_ms, f"({len(floor_statements)} SQL statements)")
    line("GET /api/v1/canvass/", api_ms, f"(mean {statistics.mean(found):.1f} cameras found)")
    line("raw indexed SQL", raw_ms)
    line("durable commit of one row", commit_ms, "(the fsync every audited search waits for)")
    line("same search, no spatial index", scan_ms, f"({args.scans} calls)")
    line("GET /api/v1/canvass/route/", route_api_ms,
         f"({args.route_legs * 0.15:g} km routes, {args.route_width:g} m corridor, "
         f"mean {statistics.mean(route_found):.1f} cameras found)")
    line("route query function (SQL + metres)", route_query_ms)
    line("route raw indexed SQL", route_raw_ms)
    line("route search, no spatial index", route_scan_ms, f"({args.scans} calls)")
    print("ratios:")
    print(f"  floor p50 / bare Flask p50         {pct(floor_ms, .5) / pct(bare_ms, .5):8.2f} ×")
    print(f"  canvass API p50 − floor p50        {pct(api_ms, .5) - pct(floor_ms, .5):+8.2f} ms")
    print(f"  canvass API p50 / floor p50        {pct(api_ms, .5) / pct(floor_ms, .5):8.2f} ×")
    print(f"  canvass API p50 / raw SQL p50      {pct(api_ms, .5) / pct(raw_ms, .5):8.2f} ×")
    own = pct(api_ms, .5) - pct(floor_ms, .5) - pct(raw_ms, .5) - pct(commit_ms, .5)
    print(f"  canvass API p50 / (floor + raw SQL + durable commit) p50 "
          f"{pct(api_ms, .5) / (pct(floor_ms, .5) + pct(raw_ms, .5) + pct(commit_ms, .5)):8.2f} ×")
    print(f"  canvass's own work beyond those    {own:+8.2f} ms")
    print(f"  scan p50 / raw indexed SQL p50     {pct(scan_ms, .5) / pct(raw_ms, .5):8.1f} ×")
    print(f"  route API p50 / route raw SQL p50  {pct(route_api_ms, .5) / pct(route_raw_ms, .5):8.2f} ×")
    print(f"  route scan p50 / route raw SQL p50 {pct(route_scan_ms, .5) / pct(route_raw_ms, .5):8.1f} ×")
    from bench import map_layer

    map_layer.measure(app, client, headers, args.requests, COUNTY, map_layer.street_box(CITY))
    if args.gunicorn_workers:
        from urllib.parse import urlencode

        canvass_paths = [
            "/api/v1/canvass/?" + urlencode({"case_id": case_id, "lat": f"{lat:.6f}", "lon": f"{lon:.6f}",
                                             "radius_m": args.radius})
            for lat, lon in points
        ]
        rounds = gunicorn_throughput(
            url, {"floor": [f"/api/v1/agency/{agency.id}"], "canvass": canvass_paths},
            args.gunicorn_workers, args.clients, args.seconds,
        )
        rates = {name: statistics.median(per_round) for name, per_round in rounds.items()}

        def ratio(top: str, bottom: str) -> str:
            each = sorted(t / b for t, b in zip(rounds[top], rounds[bottom], strict=True))
            return f"{rates[top] / rates[bottom]:8.2f}   (rounds {each[0]:.2f}–{each[-1]:.2f})"

        print(f"throughput under gunicorn ({args.gunicorn_workers} workers, {args.clients} clients; "
              f"median of {len(rounds['bare'])} alternating rounds):")
        print(f"  bare Flask                         {rates['bare']:8.1f} req/s")
        print(f"  floor                              {rates['floor']:8.1f} req/s")
        print(f"  floor / bare Flask                 {ratio('floor', 'bare')}")
        print(f"  canvass                            {rates['canvass']:8.1f} req/s")
        print(f"  canvass / floor                    {ratio('canvass', 'floor')}")
    print("plan of the indexed search:")
    print("  " + plan.replace("\n", "\n  "))
    print("plan of the indexed route search:")
    print("  " + route_plan.replace("\n", "\n  "))


if __name__ == "__main__":
    main()
