"""address points are found by position for the map's house-number layer

The map asks for the address points in view (a latitude and a longitude range); an index on
(lat, lon) reads the latitude band instead of every point of the county.

Revision ID: 0011
Revises: 0010

"""
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_address_point_lat_lon", "address_point", ["lat", "lon"])


def downgrade() -> None:
    op.drop_index("ix_address_point_lat_lon", table_name="address_point")
