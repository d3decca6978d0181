"""Fixtures shared by modules here, for every test that asks for them by name (a module that
defines its own fixture of that name uses that one): the served app's address, and footage
requests committed for concurrent work."""
from tests.concurrency import base_url  # noqa: F401  (a fixture)
from tests.workflows.test_concurrency import committed_requests  # noqa: F401  (a fixture)
