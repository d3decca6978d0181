"""The case journeys' browser session, for every test here that asks for `journey` (a module
that defines its own `journey` fixture uses that one)."""
from tests.journeys.cases_kit import journey  # noqa: F401  (a fixture)
