"""CLI commands, one module per job (each module registers its commands on import)."""
from . import accounts, addresses, audit, case, confirmations, demo, evidence, importer, worker, workflow  # noqa: F401
