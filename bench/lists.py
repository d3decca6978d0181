"""List screens and list APIs at scale: our page against the raw SQL it needs.

    python -m bench.lists [--registrations 100000] [--runs 200]

With DATABASE_URL set it runs on that (empty) PostgreSQL database instead of SpatiaLite.
"""
import argparse
import os
import random
import time

from sqlalchemy import insert, text

from backoffice.extensions import db
from backoffice.models import Camera, Owner, Registration
from bench.common import bench_app, report, sample


def bulk_load(count: int, seed: int = 7) -> None:
    """Insert `count` owners, registrations and two cameras each with executemany."""
    rng = random.Random(seed)
    batch = 5000
    for start in range(0, count, batch):
        ids = range(start + 1, min(start + batch, count) + 1)
        db.session.execute(
            insert(Owner),
            [{"id": i, "kind": "resident", "name": f"Owner {i}", "email": f"o{i}@example.net",
              "preferred_contact": "email", "language": "en"} for i in ids],
        )
        points = {i: (35.37 + rng.uniform(-0.1, 0.1), -119.02 + rng.uniform(-0.1, 0.1)) for i in ids}
        db.session.execute(
            insert(Registration),
            [{"id": i, "owner_id": i, "address": f"{i} Bench Street", "city": "Bakersfield",
              "state": "CA", "status": "active",
              "location": f"SRID=4326;POINT({points[i][1]} {points[i][0]})"} for i in ids],
        )
        db.session.execute(
            insert(Camera),
            [{"registration_id": i, "label": f"Camera {k}", "fov_deg": 90, "range_m": 30,
              "retention_days": 14, "recording_mode": "continuous", "system_type": "dvr_nvr",
              "location": f"SRID=4326;POINT({points[i][1]} {points[i][0]})"}
             for i in ids for k in (1, 2)],
        )
    db.session.commit()


def main() -> None:
    """Load, then time the list API and screen against the raw SQL of one page."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--registrations", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()

    app = bench_app(os.environ.get("DATABASE_URL"))
    with app.app_context():
        started = time.perf_counter()
        bulk_load(args.registrations)
        print(f"loaded {args.registrations:,} registrations on {db.engine.dialect.name} "
              f"in {time.perf_counter() - started:.1f} s")
        page_sql = text(
            "SELECT r.id, r.address, r.city, r.status, r.next_confirmation_due, o.name "
            "FROM registration r JOIN owner o ON o.id = r.owner_id ORDER BY r.id DESC LIMIT 25"
        )
        count_sql = text("SELECT count(*) FROM registration")

        def raw_page():
            with db.engine.connect() as connection:
                connection.execute(count_sql).scalar()
                connection.execute(page_sql).all()

    client = app.test_client()
    token = client.post(
        "/api/v1/security/login",
        json={"username": "staff", "password": app.config["DEMO_PASSWORD"], "provider": "db"},
    ).json["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    client.post("/login/", data={"username": "staff", "password": app.config["DEMO_PASSWORD"]})

    def api_page():
        assert client.get("/api/v1/registration/?q=(page_size:25)", headers=headers).status_code == 200

    def screen_page():
        assert client.get("/registrationview/list/").status_code == 200

    def floor():
        assert client.get("/api/v1/agency/", headers=headers).status_code == 200

    with app.app_context():
        rows = [
            ("raw SQL: count + one page of 25", sample(raw_page, args.runs)),
            ("floor: GET /api/v1/agency/ (2 rows)", sample(floor, args.runs)),
            ("GET /api/v1/registration/ page of 25", sample(api_page, args.runs)),
            ("GET /registrationview/list/ (HTML, 25)", sample(screen_page, args.runs // 4)),
        ]
    report(rows, baseline="raw SQL: count + one page of 25")


if __name__ == "__main__":
    main()
