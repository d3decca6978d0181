"""CLI commands, one module per job."""
from . import workflow  # noqa: F401,E402
