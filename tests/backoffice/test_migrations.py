"""The migrations build exactly the schema the models describe, on either database."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_appbuilder import Model
from geoalchemy2 import alembic_helpers
from sqlalchemy import inspect

from backoffice.database import include_object
from backoffice.extensions import db


def test_models_and_migrations_do_not_drift(ctx):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_object": include_object,
                "compare_type": True,
                "render_item": alembic_helpers.render_item,
            },
        )
        diff = compare_metadata(context, Model.metadata)
    assert diff == []


def test_point_columns_have_spatial_indexes(ctx):
    inspector = inspect(db.engine)
    for table in ("registration", "camera", "case"):
        if db.engine.dialect.name == "sqlite":
            with db.engine.connect() as connection:
                enabled = connection.exec_driver_sql(
                    "SELECT spatial_index_enabled FROM geometry_columns "
                    f"WHERE f_table_name = '{table}' AND f_geometry_column = 'location'"
                ).scalar()
            assert enabled == 1, table
        else:
            indexes = {ix["name"] for ix in inspector.get_indexes(table)}
            assert f"idx_{table}_location" in indexes
