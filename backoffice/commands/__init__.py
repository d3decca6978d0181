"""CLI commands, one module per job."""
from . import confirmations  # noqa: F401
from . import addresses  # noqa: F401
