"""CLI commands, one module per job (each module registers its commands on import)."""
from . import addresses, confirmations, demo, importer  # noqa: F401
