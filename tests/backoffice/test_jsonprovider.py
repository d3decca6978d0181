"""Responses are encoded by orjson but read exactly as Flask's own encoder would write them."""
import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from flask.json.provider import DefaultJSONProvider
from markupsafe import Markup

from backoffice.jsonprovider import OrjsonProvider


@dataclass
class Point:
    lat: float
    lon: float


SAMPLES = [
    {"b": 1, "a": [1.25, None, True, "Peña <b>", {"z": 1, "y": [2]}]},
    {"when": datetime(2026, 5, 1, 14, 30, tzinfo=timezone.utc), "day": date(2026, 5, 1)},
    {"amount": Decimal("12.50"), "point": Point(35.37, -119.02), "markup": Markup("<i>x</i>")},
    {7: "integer key", 3: {1: [4]}},
    {"huge": 2**70},
]


@pytest.mark.parametrize("sample", SAMPLES)
def test_same_document_as_flask_encoder(app, sample):
    ours, flask_default = app.json, DefaultJSONProvider(app)
    assert isinstance(ours, OrjsonProvider)
    text = ours.dumps(sample, separators=(",", ":"))
    assert json.loads(text) == json.loads(flask_default.dumps(sample))
    assert list(json.loads(text)) == sorted(json.loads(text), key=str)


def test_indented_output_still_honoured(app):
    assert app.json.dumps({"a": [1]}, indent=2) == '{\n  "a": [\n    1\n  ]\n}'


def test_api_response_is_compact_sorted_utf8(client):
    from tests.auth import api_token

    response = client.get("/api/v1/_openapi", headers=api_token(client, "admin"))
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_data(as_text=True).startswith('{"components":{')
