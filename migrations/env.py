"""Alembic environment: one schema for SpatiaLite and PostGIS via GeoAlchemy2's helpers."""
import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from flask_appbuilder import Model
from geoalchemy2 import alembic_helpers

from backoffice.database import include_object

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")


def process_revision_directives(context_, revision, directives):
    """Write geospatial operations, and skip revisions that change nothing."""
    alembic_helpers.writer.process_revision_directives(context_, revision, directives)
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_online() -> None:
    """Run migrations against the app's engine."""
    db = current_app.extensions["migrate"].db
    with db.engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Model.metadata,
            include_object=include_object,
            process_revision_directives=process_revision_directives,
            render_item=alembic_helpers.render_item,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `flask db upgrade`")
run_migrations_online()
