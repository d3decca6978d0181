"""Schemathesis against the app's own OpenAPI description: no 5xx, and nothing written when a
request is refused."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import Agency, Camera, Case, EvidenceItem, FootageRequest, Owner, Registration
from tests import factories
from tests.auth import api_token

# Our resources (FAB's own security and menu APIs are FAB's to test).
OURS = r"^/api/v1/(agency|owner|registration|camera|case|footage_request|evidence_item|audit_event|canvass|cameras)/"
MODELS = (Agency, Owner, Registration, Camera, Case, FootageRequest, EvidenceItem)


@pytest.fixture(scope="session")
def api_schema(app):
    """The OpenAPI document the app serves, restricted to our resources."""
    with app.app_context():
        client = app.test_client()
        raw = client.get("/api/v1/_openapi", headers=api_token(client, "admin")).json
    return schemathesis.openapi.from_dict(raw).include(path_regex=OURS)


def _counts() -> dict[str, int]:
    db.session.expire_all()
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in MODELS}


def test_api_answers_without_server_errors_and_refusals_change_nothing(api_schema, ctx):
    client = ctx.test_client()
    headers = api_token(client, "admin")
    factories.registration()  # something for the generated ids to find
    db.session.commit()  # (to the test's savepoint: still rolled back after the test)
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 20
    failures = []

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)
        def probe(case):
            before = _counts()
            kwargs = case.as_transport_kwargs(headers=headers)
            response = client.open(
                kwargs["url"].split("://", 1)[-1].split("/", 1)[-1].join(["/", ""]),
                method=kwargs["method"],
                headers=kwargs.get("headers"),
                query_string=kwargs.get("params"),
                json=kwargs.get("json"),
                data=kwargs.get("data"),
            )
            # What the end of a real request does: drop anything it left uncommitted (the
            # test's requests share one app context, so its teardown does not run here).
            db.session.rollback()
            if response.status_code >= 500:
                failures.append((case.method, case.formatted_path, response.status_code, response.get_data(as_text=True)[:200]))
            elif response.status_code >= 400 and _counts() != before:
                failures.append((case.method, case.formatted_path, "refused but wrote"))

        probe()
    assert not failures, failures
