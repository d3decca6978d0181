"""Offline geocoding: importing address points, suggestions, and the pin from a known address."""
import io
from pathlib import Path

import pytest

from backoffice.extensions import db
from backoffice.models import AddressPoint, Owner, Registration
from backoffice.portal.addresses import AddressFileError, import_points, suggest
from tests.auth import csrf_token
from tests.backoffice.portal.helpers import form_data

SAMPLE = Path(__file__).resolve().parents[3] / "samples" / "addresses.csv"


def test_import_sample_file_and_rerun_updates(ctx, runner):
    result = runner.invoke(args=["registry", "import-addresses", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    rows = sum(1 for _ in SAMPLE.open()) - 1
    added = db.session.query(AddressPoint).count()
    assert f"added {added}," in result.output and added <= rows
    again = runner.invoke(args=["registry", "import-addresses", str(SAMPLE)])
    assert "added 0," in again.output
    assert db.session.query(AddressPoint).count() == added


def test_bad_file_imports_nothing(ctx, runner, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("number,street,city,lat,lon\n1,Main St,Town,35.1,-119\n2,Main St,Town,north,-119\n")
    result = runner.invoke(args=["registry", "import-addresses", str(bad)])
    assert result.exit_code != 0 and "line 3" in result.output and "nothing was imported" in result.output
    assert db.session.query(AddressPoint).count() == 0


def test_missing_columns_are_named(ctx):
    with pytest.raises(AddressFileError, match="lat"):
        import_points(io.StringIO("number,street,city\n1,Main,Town\n"))


def test_suggestions_match_abbreviations(ctx, client):
    import_points(io.StringIO("number,street,unit,city,zip,lat,lon\n"
                              "1200,Truxtun Avenue,,Bakersfield,93301,35.3739,-119.0191\n"
                              "1210,Truxtun Avenue,,Bakersfield,93301,35.3740,-119.0195\n"
                              "1200,Chester Avenue,,Bakersfield,93301,35.38,-119.02\n"))
    assert [s["address"] for s in suggest("1200 truxtun ave")] == ["1200 Truxtun Avenue"]
    data = client.get("/register/addresses?q=120").get_json()
    assert sorted(s["address"] for s in data) == ["1200 Chester Avenue", "1200 Truxtun Avenue"]
    assert client.get("/register/addresses?q=12").get_json() == []
    item = client.get("/register/addresses?q=1210 Truxtun").get_json()[0]
    assert item["lat"] == pytest.approx(35.374) and item["postal_code"] == "93301"


def test_known_address_places_the_pin_when_the_owner_placed_none(ctx, client, mailbox):
    import_points(io.StringIO("number,street,city,zip,lat,lon\n"
                              "1200,Truxtun Avenue,Bakersfield,93301,35.3739,-119.0191\n"))
    data = form_data(csrf_token(client, "/register"), lat="", lon="")
    assert client.post("/register", data=data).status_code == 302
    reg = db.session.query(Registration).join(Owner).filter(Owner.email == "ana@example.net").one()
    assert reg.lat == pytest.approx(35.3739)


def test_unknown_address_without_pin_asks_for_one(ctx, client, mailbox):
    data = form_data(csrf_token(client, "/register"), lat="", lon="", address="9 Nowhere Road")
    response = client.post("/register", data=data)
    assert response.status_code == 400
    assert "place the pin" in response.get_data(as_text=True)
