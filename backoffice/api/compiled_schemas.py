"""Flask-AppBuilder's `rison` decorator validates every query argument with
`jsonschema.validate(instance, schema)`, which checks the *schema itself* against the JSON
Schema meta-schema on every request before checking the instance: about half of the cost of
the cheapest authenticated API read (profiled; FAB 5.3, `flask_appbuilder/api/__init__.py`,
`rison`). The schemas are the API classes' own constants, so each is checked and compiled once
here and reused; errors are the same `jsonschema.ValidationError`, the best match first, as
`jsonschema.validate` raises them.
"""
from types import ModuleType
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for


class CompiledJsonSchema(ModuleType):
    """Stands in for the `jsonschema` module inside flask_appbuilder.api: `validate` with one
    compiled validator per schema object; every other name is jsonschema's own."""

    def __init__(self) -> None:
        super().__init__("jsonschema")
        self._validators: dict[int, tuple[dict, Any]] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(jsonschema, name)

    def validate(self, instance: Any, schema: dict, *args: Any, **kwargs: Any) -> None:
        """As jsonschema.validate; raises jsonschema.ValidationError (or SchemaError once)."""
        if args or kwargs:  # a caller choosing its own validator class: leave it to jsonschema
            return jsonschema.validate(instance, schema, *args, **kwargs)
        known = self._validators.get(id(schema))
        if known is None or known[0] is not schema:
            cls = validator_for(schema)
            cls.check_schema(schema)
            known = (schema, cls(schema))  # the schema is held, so its id is not reused
            self._validators[id(schema)] = known
        error = best_match(known[1].iter_errors(instance))
        if error is not None:
            raise error


def install() -> None:
    """Make Flask-AppBuilder's API module use the compiled schemas (idempotent)."""
    import flask_appbuilder.api as fab_api

    if not isinstance(fab_api.jsonschema, CompiledJsonSchema):
        fab_api.jsonschema = CompiledJsonSchema()
