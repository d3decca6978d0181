"""CLI commands, one module per job."""
