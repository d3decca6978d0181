"""the map's county summary (camera_map_cell, and grids as coarse as a county and as fine as a
few blocks for views between) is kept current by the database itself, in the transaction of every camera
insert, move or deletion and every registration status change, so that no request and no
worker ever recounts it (camera_map_summary, when it was last recounted, goes)

Revision ID: 0024
Revises: 0023

"""
import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

CELL_DEG = 0.01  # backoffice.spatial.SUMMARY_CELL_DEG when this was written
BLOCK_DEG = 0.04  # backoffice.spatial.SUMMARY_BLOCK_DEG: a coarser grid for whole-county views
# Finer grids for views between a street and a city: (table, cell size in degrees).
GRIDS = (("camera_map_cell", CELL_DEG), ("camera_map_block", BLOCK_DEG),
         ("camera_map_fine", 0.0025), ("camera_map_finest", 0.000625))
NEW_GRIDS = [table for table, _ in GRIDS if table != "camera_map_cell"]
SHOWN = "'active', 'lapsed', 'pending'"  # backoffice.domain.SHOWN_ON_MAP when this was written

# The cells gain (sign +1) or lose (sign -1) one camera per row of a "changes" query of
# (location, status, sign); cameras of registrations not shown on the map count nothing. Cells
# are written in (ix, iy) order, so that two writers' statements do not wait for each other's
# cells in opposite orders. A cell that comes to hold no camera keeps its row with zero sums (readers
# skip n = 0).
_APPLY_ONE = {
    "sqlite": """
INSERT INTO {table} (ix, iy, n, active, sum_lon, sum_lat)
SELECT CAST(floor(ST_X(ch.location) / {size}) AS INTEGER) AS ix,
       CAST(floor(ST_Y(ch.location) / {size}) AS INTEGER) AS iy,
       sum(ch.sign), sum(CASE WHEN ch.status = 'active' THEN ch.sign ELSE 0 END),
       sum(ch.sign * ST_X(ch.location)), sum(ch.sign * ST_Y(ch.location))
FROM ({{changes}}) AS ch
WHERE ch.location IS NOT NULL AND ch.status IN ({shown})
GROUP BY ix, iy ORDER BY ix, iy
ON CONFLICT (ix, iy) DO UPDATE SET
  n = n + excluded.n, active = active + excluded.active,
  sum_lon = CASE WHEN n + excluded.n = 0 THEN 0 ELSE sum_lon + excluded.sum_lon END,
  sum_lat = CASE WHEN n + excluded.n = 0 THEN 0 ELSE sum_lat + excluded.sum_lat END;
""",
    "postgresql": """
INSERT INTO {table} AS m (ix, iy, n, active, sum_lon, sum_lat)
SELECT floor(ST_X(ch.location) / {size})::int AS ix, floor(ST_Y(ch.location) / {size})::int AS iy,
       sum(ch.sign), sum(CASE WHEN ch.status = 'active' THEN ch.sign ELSE 0 END),
       sum(ch.sign * ST_X(ch.location)), sum(ch.sign * ST_Y(ch.location))
FROM ({{changes}}) AS ch
WHERE ch.location IS NOT NULL AND ch.status IN ({shown})
GROUP BY 1, 2 ORDER BY 1, 2
ON CONFLICT (ix, iy) DO UPDATE SET
  n = m.n + excluded.n, active = m.active + excluded.active,
  sum_lon = CASE WHEN m.n + excluded.n = 0 THEN 0 ELSE m.sum_lon + excluded.sum_lon END,
  sum_lat = CASE WHEN m.n + excluded.n = 0 THEN 0 ELSE m.sum_lat + excluded.sum_lat END;
""",
}


def _apply(dialect: str) -> str:
    """The statements that add a "changes" query's cameras to both grids (a template with
    {changes})."""
    return "".join(_APPLY_ONE[dialect].format(table=table, size=size, shown=SHOWN) for table, size in GRIDS)


def _camera_side(rows: str, sign: int) -> str:
    return (f"SELECT {rows}.location AS location, r.status AS status, {sign} AS sign"
            f" FROM {rows} JOIN registration r ON r.id = {rows}.registration_id")


def _registration_side(rows: str, sign: int, where: str) -> str:
    return (f"SELECT c.location AS location, {rows}.status AS status, {sign} AS sign"
            f" FROM camera c JOIN {rows} ON c.registration_id = {rows}.id{where}")


def _sqlite_triggers() -> list[str]:
    """Row triggers: NEW and OLD stand for the row itself."""
    apply = _apply("sqlite")

    def camera(row: str, sign: int) -> str:
        return (f"SELECT {row}.location AS location, r.status AS status, {sign} AS sign"
                f" FROM registration r WHERE r.id = {row}.registration_id")

    def registration(row: str, sign: int) -> str:
        return (f"SELECT c.location AS location, {row}.status AS status, {sign} AS sign"
                f" FROM camera c WHERE c.registration_id = {row}.id")

    return [
        "CREATE TRIGGER camera_map_camera_insert AFTER INSERT ON camera BEGIN "
        + apply.format(changes=camera("NEW", 1)) + " END",
        "CREATE TRIGGER camera_map_camera_delete AFTER DELETE ON camera BEGIN "
        + apply.format(changes=camera("OLD", -1)) + " END",
        "CREATE TRIGGER camera_map_camera_update AFTER UPDATE OF location, registration_id ON camera BEGIN "
        + apply.format(changes=camera("OLD", -1) + " UNION ALL " + camera("NEW", 1)) + " END",
        "CREATE TRIGGER camera_map_registration_status AFTER UPDATE OF status ON registration"
        " WHEN OLD.status IS NOT NEW.status BEGIN "
        + apply.format(changes=registration("OLD", -1) + " UNION ALL " + registration("NEW", 1)) + " END",
        # Before: its cameras still stand (and once it is gone, they count nothing).
        "CREATE TRIGGER camera_map_registration_delete BEFORE DELETE ON registration BEGIN "
        + apply.format(changes=registration("OLD", -1)) + " END",
    ]


_PG_FUNCTION = """
CREATE FUNCTION camera_map_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'camera' AND TG_OP = 'INSERT' THEN
    {camera_insert}
  ELSIF TG_TABLE_NAME = 'camera' AND TG_OP = 'DELETE' THEN
    {camera_delete}
  ELSIF TG_TABLE_NAME = 'camera' AND TG_OP = 'UPDATE' THEN
    {camera_update}
  ELSIF TG_TABLE_NAME = 'camera' AND TG_OP = 'TRUNCATE' THEN
    {truncate}
  ELSIF TG_TABLE_NAME = 'registration' AND TG_OP = 'UPDATE' THEN
    {registration_update}
  ELSIF TG_TABLE_NAME = 'registration' AND TG_OP = 'DELETE' THEN
    {registration_delete}
    RETURN OLD;
  END IF;
  RETURN NULL;
END $$
"""


def _pg_statements() -> list[str]:
    apply = _apply("postgresql")
    moved = (" JOIN new_rows nw ON nw.id = old_rows.id WHERE old_rows.registration_id <> nw.registration_id"
             " OR old_rows.location IS DISTINCT FROM nw.location")
    moved_new = (" JOIN old_rows o ON o.id = new_rows.id WHERE o.registration_id <> new_rows.registration_id"
                 " OR o.location IS DISTINCT FROM new_rows.location")
    status_old = " JOIN new_rows nw ON nw.id = old_rows.id WHERE old_rows.status IS DISTINCT FROM nw.status"
    status_new = " JOIN old_rows o ON o.id = new_rows.id WHERE o.status IS DISTINCT FROM new_rows.status"
    body = _PG_FUNCTION.format(
        camera_insert=apply.format(changes=_camera_side("new_rows", 1)),
        camera_delete=apply.format(changes=_camera_side("old_rows", -1)),
        camera_update=apply.format(changes=_camera_side("old_rows", -1) + moved + " UNION ALL "
                                   + _camera_side("new_rows", 1) + moved_new),
        registration_update=apply.format(changes=_registration_side("old_rows", -1, status_old)
                                         + " UNION ALL " + _registration_side("new_rows", 1, status_new)),
        truncate="\n    ".join(f"UPDATE {table} SET n = 0, active = 0, sum_lon = 0, sum_lat = 0 WHERE n <> 0;"
                               for table, _ in GRIDS),
        registration_delete=apply.format(
            changes="SELECT c.location AS location, OLD.status AS status, -1 AS sign"
                    " FROM camera c WHERE c.registration_id = OLD.id"),
    )
    return [
        body,
        "CREATE TRIGGER camera_map_camera_insert AFTER INSERT ON camera REFERENCING NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION camera_map_follow()",
        "CREATE TRIGGER camera_map_camera_delete AFTER DELETE ON camera REFERENCING OLD TABLE AS old_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION camera_map_follow()",
        "CREATE TRIGGER camera_map_camera_update AFTER UPDATE ON camera"
        " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION camera_map_follow()",
        "CREATE TRIGGER camera_map_camera_truncate AFTER TRUNCATE ON camera"
        " FOR EACH STATEMENT EXECUTE FUNCTION camera_map_follow()",
        "CREATE TRIGGER camera_map_registration_status AFTER UPDATE ON registration"
        " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION camera_map_follow()",
        # Before: its cameras still stand (and once it is gone, they count nothing).
        "CREATE TRIGGER camera_map_registration_delete BEFORE DELETE ON registration"
        " FOR EACH ROW EXECUTE FUNCTION camera_map_follow()",
    ]


_RECOUNT = {
    "sqlite": """
INSERT INTO {table} (ix, iy, n, active, sum_lon, sum_lat)
SELECT CAST(floor(ST_X(c.location) / {size}) AS INTEGER) AS ix,
       CAST(floor(ST_Y(c.location) / {size}) AS INTEGER) AS iy,
       count(*), sum(CASE WHEN r.status = 'active' THEN 1 ELSE 0 END),
       sum(ST_X(c.location)), sum(ST_Y(c.location))
FROM camera c JOIN registration r ON r.id = c.registration_id
WHERE c.location IS NOT NULL AND r.status IN ({shown})
GROUP BY ix, iy
""",
    "postgresql": """
INSERT INTO {table} (ix, iy, n, active, sum_lon, sum_lat)
SELECT floor(ST_X(c.location) / {size})::int, floor(ST_Y(c.location) / {size})::int,
       count(*), sum(CASE WHEN r.status = 'active' THEN 1 ELSE 0 END),
       sum(ST_X(c.location)), sum(ST_Y(c.location))
FROM camera c JOIN registration r ON r.id = c.registration_id
WHERE c.location IS NOT NULL AND r.status IN ({shown})
GROUP BY 1, 2
""",
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.drop_table("camera_map_summary")
    for table in NEW_GRIDS:
        op.create_table(
            table,
            sa.Column("ix", sa.Integer(), nullable=False, autoincrement=False),
            sa.Column("iy", sa.Integer(), nullable=False, autoincrement=False),
            sa.Column("n", sa.Integer(), nullable=False),
            sa.Column("active", sa.Integer(), nullable=False),
            sa.Column("sum_lon", sa.Float(), nullable=False),
            sa.Column("sum_lat", sa.Float(), nullable=False),
            sa.PrimaryKeyConstraint("ix", "iy"),
        )
    for table, size in GRIDS:
        op.execute(f"DELETE FROM {table}")
        op.execute(_RECOUNT[dialect].format(table=table, size=size, shown=SHOWN))
    for statement in _sqlite_triggers() if dialect == "sqlite" else _pg_statements():
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name in ("camera_map_camera_insert", "camera_map_camera_delete", "camera_map_camera_update",
                 "camera_map_registration_status", "camera_map_registration_delete"):
        table = "registration" if "registration" in name else "camera"
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + ("" if dialect == "sqlite" else f" ON {table}"))
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS camera_map_camera_truncate ON camera")
        op.execute("DROP FUNCTION IF EXISTS camera_map_follow()")
    for table in NEW_GRIDS:
        op.drop_table(table)
    op.create_table(
        "camera_map_summary",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cameras", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO camera_map_summary (id, built_at, cameras)"
               " SELECT 1, CURRENT_TIMESTAMP, coalesce(sum(n), 0) FROM camera_map_cell")
