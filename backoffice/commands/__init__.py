"""CLI commands, one module per job."""
from . import audit  # noqa: F401
