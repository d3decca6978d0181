"""The map's county summary (camera_map_cell) is kept current by the database in the writers'
transactions: after every kind of write it equals a fresh count of the cameras."""
import math
import re

from sqlalchemy import delete, insert, text, update

from backoffice import spatial
from backoffice.camera_map import rebuild_summary
from backoffice.extensions import db
from backoffice.models import Camera, Registration
from tests import factories
from tests.backoffice.test_list_queries import count_statements

FAR = (35.7012, -118.4321)  # Kern River valley, away from the other tests' premises


def stored(table: str = "camera_map_cell") -> dict[tuple[int, int], tuple]:
    rows = db.session.execute(
        text(f"SELECT ix, iy, n, active, sum_lon, sum_lat FROM {table} WHERE n > 0"))
    return {(ix, iy): (n, active, sum_lon, sum_lat) for ix, iy, n, active, sum_lon, sum_lat in rows}


def recounted(size: float) -> dict[tuple[int, int], tuple]:
    return {(r["ix"], r["iy"]): (r["n"], r["active"], r["sum_lon"], r["sum_lat"])
            for r in spatial.camera_summary(db.session, size)}


def assert_current() -> None:
    """Both stored grids equal a fresh count of the cameras."""
    db.session.flush()
    for table, size in spatial.SUMMARY_GRIDS:
        have, fresh = stored(table), recounted(size)
        assert have.keys() == fresh.keys(), table
        for cell, (n, active, sum_lon, sum_lat) in fresh.items():
            got = have[cell]
            assert got[:2] == (n, active), (table, cell)
            assert math.isclose(got[2], sum_lon, rel_tol=1e-9, abs_tol=1e-6), (table, cell)
            assert math.isclose(got[3], sum_lat, rel_tol=1e-9, abs_tol=1e-6), (table, cell)


def test_the_summary_follows_every_write_to_cameras_and_registrations(ctx):
    assert_current()
    reg = factories.registration(*FAR, cameras=3)
    other = factories.registration(FAR[0] + 0.05, FAR[1] + 0.05, cameras=1, status="pending")
    assert_current()
    camera = reg.cameras[0]
    camera.set_location(FAR[0] + 0.02, FAR[1] - 0.03)  # moved to another cell
    assert_current()
    camera.set_location(FAR[0] + 0.02001, FAR[1] - 0.03)  # moved within its cell
    assert_current()
    reg.cameras[1].registration_id = other.id  # given to another registration
    db.session.flush()
    db.session.expire_all()
    assert_current()
    for status in ("lapsed", "withdrawn", "active", "pending", "active"):
        reg.status = status
        assert_current()
    reg.address = "1 Other Street"  # neither a camera nor a status
    assert_current()
    db.session.delete(reg.cameras[-1])
    assert_current()
    db.session.expire(reg)
    db.session.delete(reg)  # with its cameras
    assert_current()
    db.session.delete(other)
    assert_current()


def test_the_summary_follows_bulk_statements(ctx):
    regs = [factories.registration(FAR[0] + 0.003 * i, FAR[1] - 0.004 * i, cameras=2) for i in range(6)]
    ids = [r.id for r in regs]
    db.session.execute(update(Registration).where(Registration.id.in_(ids[:3])).values(status="lapsed"))
    assert_current()
    db.session.execute(update(Registration).where(Registration.id.in_(ids[2:5])).values(status="withdrawn"))
    assert_current()
    db.session.execute(
        update(Camera).where(Camera.registration_id.in_(ids[3:])).values(location=regs[0].location))
    assert_current()
    db.session.execute(
        insert(Camera),
        [{"registration_id": ids[0], "label": f"Added {i}", "location": regs[5].location} for i in range(4)],
    )
    assert_current()
    db.session.execute(delete(Camera).where(Camera.registration_id.in_(ids[1:4])))
    assert_current()
    db.session.execute(delete(Registration).where(Registration.id.in_(ids[1:4])))
    assert_current()


def test_a_recount_finds_the_summary_as_kept(ctx):
    factories.registration(*FAR, cameras=2)
    db.session.flush()
    kept = {table: stored(table) for table, _ in spatial.SUMMARY_GRIDS}
    rebuild_summary(db.session)  # the repair, never needed in operation
    for table, _ in spatial.SUMMARY_GRIDS:
        assert {cell: row[:2] for cell, row in stored(table).items()} == {
            cell: row[:2] for cell, row in kept[table].items()}


def test_a_county_view_costs_what_the_cheapest_api_read_costs(client, ctx):
    """A county view adds one statement over the stored cells to the request's authentication,
    never one over the cameras: as many statements as reading one agency."""
    from backoffice.models import Agency
    from tests.auth import api_token

    factories.registration(cameras=2)  # in Bakersfield, inside the county's box
    headers = api_token(client, "investigator")
    county = "/api/v1/cameras/geojson?bbox=-119.9,34.8,-117.6,35.8"
    client.application.config["GEOJSON_MAX_FEATURES"], saved = 1, client.application.config["GEOJSON_MAX_FEATURES"]
    try:
        assert client.get(county, headers=headers).status_code == 200
        with count_statements() as seen:
            body = client.get(county, headers=headers).json
        agency = db.session.query(Agency).order_by(Agency.id).first()
        with count_statements() as floor:
            assert client.get(f"/api/v1/agency/{agency.id}", headers=headers).status_code == 200
    finally:
        client.application.config["GEOJSON_MAX_FEATURES"] = saved
    assert body["clustered"] is True
    assert len(seen) == len(floor)
    assert len([s for s in seen if "camera_map_block" in s]) == 1  # the coarser grid fits a county
    assert not [s for s in seen if re.search(r"\b(camera|idx_camera_location)\b", s)]


def test_a_town_view_clusters_from_a_finer_stored_grid(client, ctx):
    """A view between a street and the county (0.1° wide) sums a finer stored grid, never
    the cameras, and counts what is in view."""
    from tests.auth import api_token

    for i in range(3):
        factories.registration(FAR[0] + 0.002 * i, FAR[1] + 0.002 * i, cameras=2)
    factories.registration(FAR[0], FAR[1], cameras=1, status="withdrawn")
    headers = api_token(client, "investigator")
    view = f"{FAR[1] - 0.05},{FAR[0] - 0.04},{FAR[1] + 0.05},{FAR[0] + 0.04}"
    client.application.config["GEOJSON_MAX_FEATURES"], saved = 1, client.application.config["GEOJSON_MAX_FEATURES"]
    try:
        with count_statements() as seen:
            body = client.get(f"/api/v1/cameras/geojson?bbox={view}", headers=headers).json
    finally:
        client.application.config["GEOJSON_MAX_FEATURES"] = saved
    assert body["clustered"] is True
    assert sum(f["properties"]["count"] for f in body["features"]) == 6
    assert len([s for s in seen if "camera_map_fine" in s]) == 1
    assert not [s for s in seen if re.search(r"\b(camera|idx_camera_location)\b", s)]
