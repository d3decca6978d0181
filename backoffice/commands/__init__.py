"""CLI commands, one module per job."""
from . import demo, importer  # noqa: F401  (each module registers its commands)
