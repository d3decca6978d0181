"""Unbound extensions, bound to an app in create_app()."""
import os

from flask_appbuilder.models.sqla.base import SQLA
from flask_migrate import Migrate

# GeoAlchemy2 loads SpatiaLite from this path; Debian installs it on the loader path.
os.environ.setdefault("SPATIALITE_LIBRARY_PATH", "mod_spatialite")

db = SQLA()
migrate = Migrate()
