"""Address suggestions as people type, and the pin from a known address (offline geocoding)."""
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event, text

from backoffice.extensions import db
from backoffice.geocoding import import_points, read_text
from backoffice.models import Owner, Registration
from backoffice.portal.addresses import _points_starting_with, suggest
from tests.auth import csrf_token
from tests.backoffice.portal.helpers import form_data

DATA = Path(__file__).resolve().parents[2] / "data"
POINTS = (
    "number,street,unit,city,state,zip,lat,lon\n"
    "1200,Truxtun Avenue,,Bakersfield,CA,93301,35.3739,-119.0191\n"
    "1210,Truxtun Avenue,,Bakersfield,CA,93301,35.3740,-119.0195\n"
    "1200,Chester Avenue,,Bakersfield,CA,93301,35.38,-119.02\n"
    "1300,North Chester Avenue,,Bakersfield,CA,93301,35.381,-119.0192\n"
    "77,Calle Peña,,Bakersfield,CA,93307,35.3301,-118.9902\n"
    "9,Saint Marys Road,,Arvin,CA,93203,35.21,-118.83\n"
    "40,Sunset Boulevard,2,Arvin,CA,93203,35.2091,-118.8291\n"
    "512,O'Neil Street,,Taft,CA,93268,35.14,-119.45\n"
    "1200,Truxtun Avenue,101,,CA,93302,35.3741,-119.0190\n"
    "3,Lake Street,,Taft,CA,93268,35.141,-119.451\n"
    "5,Park Avenue,,Taft,CA,93268,35.142,-119.452\n"
)


def load(text_: str = POINTS) -> None:
    """Import address points from CSV text."""
    import_points(read_text(text_, "points.csv"))
    db.session.flush()


def addresses(query: str) -> list[str]:
    return [s["address"] for s in suggest(query)]


@contextmanager
def count_statements():
    """The SQL statements run inside the block (with their parameters in .parameters)."""
    seen = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)
        count_statements.parameters.append(parameters)

    count_statements.parameters = []
    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("Pena", ["77 Calle Peña"]),
        ("PEÑA", ["77 Calle Peña"]),
        ("77 calle pena", ["77 Calle Peña"]),
        ("calle PENA", ["77 Calle Peña"]),
        ("1200 truxtun ave", ["1200 Truxtun Avenue #101", "1200 Truxtun Avenue"]),
        ("1200 Truxtun Av.", ["1200 Truxtun Avenue #101", "1200 Truxtun Avenue"]),
        ("1200 TRUXTUN AVENUE apt 1", ["1200 Truxtun Avenue #101"]),
        ("1300 N Chester", ["1300 North Chester Avenue"]),
        ("1300 nor", ["1300 North Chester Avenue"]),
        ("9 St. Marys Rd", ["9 Saint Marys Road"]),
        ("40 sunset blvd", ["40 Sunset Boulevard #2"]),
        ("40 Sunset Bou", ["40 Sunset Boulevard #2"]),
        ("512 oneil st", ["512 O'Neil Street"]),
        ("512 O’Neil", ["512 O'Neil Street"]),
        ("chester", ["1200 Chester Avenue", "1300 North Chester Avenue"]),
        ("Truxtun Avenue", ["1200 Truxtun Avenue #101", "1200 Truxtun Avenue", "1210 Truxtun Avenue"]),
        ("lake", ["3 Lake Street"]),
        ("Park Av", ["5 Park Avenue"]),
        ("12", []),
        ("Apt ", []),
        ("Ave", []),  # no key starts at a suffix
        ("%_%", []),
    ],
)
def test_suggestions_match_the_way_people_type(ctx, typed, expected):
    load()
    assert addresses(typed) == expected


def test_suggestion_fields_and_a_label_without_city(ctx, client):
    load()
    items = client.get("/register/addresses?q=1200 Truxtun Ave 101").get_json()
    assert items == [{
        "label": "1200 Truxtun Avenue #101, 93302", "address": "1200 Truxtun Avenue #101",
        "city": "", "state": "CA", "postal_code": "93302", "lat": 35.3741, "lon": -119.019,
    }]
    item = client.get("/register/addresses?q=1210 Truxtun").get_json()[0]
    assert item["label"] == "1210 Truxtun Avenue, Bakersfield 93301"
    assert item["lat"] == pytest.approx(35.374)


def test_at_most_limit_suggestions_each_once(ctx):
    load("number,street,city,lat,lon\n" + "".join(
        f"{n},Nord Street,Taft,35.1,-119.4\n" for n in range(1, 30)))
    found = suggest("nor", limit=8)  # "nord ..." and the North/Northeast/Northwest branches
    assert len(found) == 8 and len({s["address"] for s in found}) == 8


def test_one_statement_per_suggestion_request(ctx, client):
    load()
    client.get("/register/addresses?q=warm")  # the first request may load more than data
    for query in ("1200 truxtun ave", "1300 Nor", "pena", "40 Sunset Bou"):
        with count_statements() as seen:
            assert client.get(f"/register/addresses?q={query}").status_code == 200
        assert len([s for s in seen if "address_key" in s]) == 1, seen
        assert len(seen) == 1, seen


def test_suggestion_ranges_use_the_key_index(ctx):
    load()
    # The statement suggest() runs for a last word with several readings.
    with count_statements() as seen:
        _points_starting_with(["1300 n ", "1300 nor"], 8)
    statement, params = seen[0], count_statements.parameters[0]
    connection = db.session.connection()
    if db.engine.dialect.name == "postgresql":
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(connection.exec_driver_sql("EXPLAIN " + statement, params).scalars())
        assert "Index Only Scan using address_key_pkey on address_key" in plan, plan
        assert "Seq Scan on address_key" not in plan, plan
    else:
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
        plan = "\n".join(row[-1] for row in rows)
        assert plan.count("SEARCH address_key USING COVERING INDEX sqlite_autoindex_address_key_1 (key>? AND key<?)") == 2, plan
        assert "SCAN address_key" not in plan, plan


def test_importing_the_field_cases_feeds_the_suggestions(ctx, client):
    for name in ("addresses_windows_1252.csv", "addresses_openaddresses_blank_city.csv",
                 "addresses_nena_points.csv"):
        import_points(read_text(*_decoded(DATA / name)))
    assert [s["label"] for s in suggest("pena")] == [
        "2400A Avenida de la Peña #Suite 5, Bakersfield 93307",
        "77 Calle Peña, Bakersfield 93307",
    ]
    assert addresses("1302 1/2 N Chester") == ["1302 1/2 North Chester Avenue"]


def _decoded(path: Path) -> tuple[str, str, str]:
    from backoffice.importing.text import decode_text

    text_, encoding = decode_text(path.read_bytes())
    return text_, path.name, encoding


def test_known_address_places_the_pin_when_the_owner_placed_none(ctx, client, mailbox):
    load()
    data = form_data(csrf_token(client, "/register"), lat="", lon="",
                     address="1200 TRUXTUN AVE.", city="bakersfield")
    assert client.post("/register", data=data).status_code == 302
    reg = db.session.query(Registration).join(Owner).filter(Owner.email == "ana@example.net").one()
    assert reg.lat == pytest.approx(35.3739)


def test_a_point_without_city_is_found_by_its_zip_code(ctx, client, mailbox):
    load()
    data = form_data(csrf_token(client, "/register"), lat="", lon="",
                     address="1200 Truxtun Avenue Apt 101", city="Bakersfield", postal_code="93302")
    assert client.post("/register", data=data).status_code == 302
    reg = db.session.query(Registration).join(Owner).filter(Owner.email == "ana@example.net").one()
    assert reg.lat == pytest.approx(35.3741)


def test_unknown_address_without_pin_asks_for_one(ctx, client, mailbox):
    load()
    data = form_data(csrf_token(client, "/register"), lat="", lon="", address="9 Nowhere Road")
    response = client.post("/register", data=data)
    assert response.status_code == 400
    assert "place the pin" in response.get_data(as_text=True)
