"""The API's query-argument schemas are checked and compiled once, not on every request, and
still refuse bad arguments with a 400."""
import jsonschema.validators

from tests.auth import api_token


def test_schema_is_checked_once_across_requests(client, monkeypatch):
    headers = api_token(client, "investigator")
    calls = []
    original = jsonschema.validators.Draft202012Validator.check_schema.__func__

    def counting(cls, schema, *args, **kwargs):
        calls.append(cls)
        return original(cls, schema, *args, **kwargs)

    for cls in {jsonschema.validators.validator_for({}), jsonschema.validators.Draft7Validator,
                jsonschema.validators.Draft4Validator, jsonschema.validators.Draft202012Validator}:
        monkeypatch.setattr(cls, "check_schema", classmethod(counting))
    for page in range(3):
        response = client.get(f"/api/v1/case/?q=(page:{page},page_size:5)", headers=headers)
        assert response.status_code == 200, response.json
    assert len(calls) <= 1


def test_bad_arguments_are_still_refused_with_a_message(client):
    headers = api_token(client, "investigator")
    response = client.get("/api/v1/case/?q=(page_size:'many')", headers=headers)
    assert response.status_code == 400
    assert "page_size" in str(response.json["message"]) or "many" in str(response.json["message"])
