"""Schemathesis against the app's own OpenAPI description: every operation it describes (ours
and Flask-AppBuilder's security, menu and description endpoints), with valid and invalid
inputs, answers without a server error, and nothing is written when a request is refused."""
import io
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from backoffice.extensions import db
from backoffice.models import Agency, AgencyUser, Camera, Case, EvidenceItem, FootageRequest, Owner, Registration
from tests import factories
from tests.auth import api_token

MODELS = (Agency, Owner, Registration, Camera, Case, FootageRequest, EvidenceItem, AgencyUser)
METHODS = {"get", "put", "post", "delete", "patch"}
# Examples per operation: valid inputs, then inputs that break the description (ids beyond
# their range, wrong types, missing fields).
EXAMPLES = {GenerationMode.POSITIVE: 8, GenerationMode.NEGATIVE: 4}


@pytest.fixture(scope="session")
def description(app):
    """The OpenAPI document the app serves."""
    with app.app_context():
        client = app.test_client()
        return client.get("/api/v1/_openapi", headers=api_token(client, "admin")).json


def _operations(raw: dict) -> list[tuple[str, str]]:
    return sorted((method, path) for path, item in raw["paths"].items() for method in item if method in METHODS)


def test_every_path_parameter_is_declared_with_its_type(description):
    """Schemathesis cannot build a request for an operation whose path parameters are not
    declared: six of ours were skipped that way."""
    undeclared = []
    for method, path in _operations(description):
        operation = description["paths"][path][method]
        declared = {p["name"]: p for p in operation.get("parameters", []) if p.get("in") == "path"}
        for name in re.findall(r"{(\w+)}", path):
            schema = declared.get(name, {}).get("schema", {})
            if name not in declared or "type" not in schema:
                undeclared.append((method, path, name))
            elif name in ("pk", "role_id") and (schema.get("minimum"), schema.get("maximum")) != (1, 2**31 - 1):
                undeclared.append((method, path, name, "range"))
        if "responses" not in operation:
            undeclared.append((method, path, "responses"))
    assert not undeclared, undeclared


def _counts() -> tuple[int, ...]:
    """Rows of each model, in one statement."""
    return tuple(db.session.execute(
        select(*(select(func.count()).select_from(m).scalar_subquery() for m in MODELS))
    ).one())


def _request_kwargs(case, headers) -> tuple[str, dict]:
    """The case as arguments of Flask's test client (multipart parts become form data)."""
    kwargs = case.as_transport_kwargs(headers=headers)
    url = "/" + kwargs["url"].split("://", 1)[-1].split("/", 1)[-1]
    client_kwargs = {"method": kwargs["method"], "headers": kwargs.get("headers"),
                     "query_string": kwargs.get("params")}
    if "files" in kwargs:
        data = MultiDict()
        for name, (file_name, content) in kwargs["files"]:
            if file_name is None:
                data.add(name, content if isinstance(content, str) else str(content))
            else:
                data.add(name, (io.BytesIO(content if isinstance(content, bytes) else str(content).encode()),
                                file_name))
        client_kwargs.update(data=data, content_type="multipart/form-data")
    elif "json" in kwargs:
        client_kwargs["json"] = kwargs["json"]
    elif "data" in kwargs:
        client_kwargs["data"] = kwargs["data"]
    return url, client_kwargs


def test_every_operation_answers_without_server_errors_and_refusals_change_nothing(description, ctx):
    client = ctx.test_client()
    headers = api_token(client, "admin")
    request = factories.footage_request(factories.case(0))  # something for the generated ids to find
    factories.registration()
    db.session.commit()  # (to the test's savepoint: still rolled back after the test)
    assert request.id
    schema = schemathesis.openapi.from_dict(description)
    operations = [result.ok() for result in schema.get_all_operations()]
    described = _operations(description)
    assert sorted((op.method.lower(), op.path) for op in operations) == described
    connection = db.session.get_bind()
    failures, fuzzed = [], {}

    for operation in operations:
        for mode, examples in EXAMPLES.items():

            @given(case=operation.as_strategy(mode))
            @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck),
                      derandomize=True, database=None)
            def probe(case):
                url, kwargs = _request_kwargs(case, headers)
                if "{" in url:
                    failures.append((case.method, case.path, "path parameter left unfilled", url))
                    return
                # probe() runs just below, in this iteration
                fuzzed[(operation.method.lower(), operation.path)] = True  # noqa: B023
                # Each example in its own savepoint: a generated DELETE or PUT on a security
                # record (the admin's own account, its role) must not change what follows.
                db.session.rollback()  # the session's own savepoints then nest inside it
                example = connection.begin_nested()
                try:
                    before = _counts()
                    response = client.open(url, **kwargs)
                    # What the end of a real request does (the test's requests share one app
                    # context, so its teardown does not run here).
                    db.session.rollback()
                    if response.status_code >= 500:
                        failures.append((case.method, url, response.status_code,
                                         response.get_data(as_text=True)[:200]))
                    elif response.status_code >= 400 and _counts() != before:
                        failures.append((case.method, url, "refused but wrote"))
                finally:
                    db.session.rollback()
                    if example.is_active:
                        example.rollback()
                    db.session.expire_all()

            try:
                probe()
            except Unsatisfiable:  # an operation without inputs has nothing to make invalid
                if mode is GenerationMode.POSITIVE:
                    raise
    assert not failures, failures
    assert sorted(fuzzed) == described, set(described) - set(fuzzed)
