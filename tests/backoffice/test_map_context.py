"""The maps' context without a tile server: the county outline and the address points with
house numbers, for the backoffice's maps (by role) and the portal's pin map (public)."""
import json
import logging

import pytest
from shapely.geometry import Point, shape

from backoffice import create_app
from backoffice.extensions import db
from backoffice.geocoding.keys import lookup_keys, search_key
from backoffice.map_context import OutlineFileError, read_outline, split_house_number, tile_url
from backoffice.models import AddressKey, AddressPoint
from tests.auth import api_token, login
from tests.factories import BAKERSFIELD

OUTLINE = "/api/v1/county/outline"
POINTS = "/api/v1/address_points/"
PUBLIC_POINTS = "/register/address-points"
# A street-level view around downtown Bakersfield (about 500 m × 350 m).
STREET_BOX = "-119.0230,35.3710,-119.0170,35.3750"


def address_point(address: str, lat: float, lon: float, city: str = "Bakersfield",
                  postal_code: str = "93301") -> AddressPoint:
    """An imported address point, with its lookup keys."""
    point = AddressPoint(address=address, city=city, postal_code=postal_code, state="CA",
                         search_key=search_key(address, city, postal_code), lat=lat, lon=lon)
    point.keys = [AddressKey(key=key) for key in lookup_keys(address, city, postal_code)]
    db.session.add(point)
    db.session.flush()
    return point


@pytest.fixture()
def street(ctx):
    """Three address points in the street view, one just outside it."""
    return [
        address_point("1200 Truxtun Ave", 35.3730, -119.0200),
        address_point("1302 1/2 Chester Ave", 35.3735, -119.0190),
        address_point("17B Oak St", 35.3720, -119.0180),
        address_point("900 Outside Rd", 35.3800, -119.0200),
    ]


# --- county outline ------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["admin", "staff", "investigator", "supervisor", "investigator2"])
def test_every_role_with_a_map_reads_the_county_outline(client, username):
    response = client.get(OUTLINE, headers=api_token(client, username))
    assert response.status_code == 200
    body = response.get_json()
    assert body["type"] == "FeatureCollection"
    county = shape(body["features"][0]["geometry"])
    assert county.geom_type == "Polygon"
    assert county.contains(Point(BAKERSFIELD[1], BAKERSFIELD[0]))  # the county seat is inside
    min_lon, min_lat, max_lon, max_lat = county.bounds
    assert -120.3 < min_lon < -120.1 and -117.7 < max_lon < -117.5  # Kern's extent
    assert 34.7 < min_lat < 34.9 and 35.7 < max_lat < 35.9
    assert body["features"][0]["properties"] == {"name": "Kern County"}


def test_auditors_have_no_map_and_anonymous_visitors_sign_in(client):
    assert client.get(OUTLINE, headers=api_token(client, "auditor")).status_code == 403
    assert client.get(POINTS + "?bbox=" + STREET_BOX + "&zoom=17",
                      headers=api_token(client, "auditor")).status_code == 403
    anonymous = client.application.test_client()
    assert anonymous.get(OUTLINE).status_code == 401
    assert anonymous.get(POINTS + "?bbox=" + STREET_BOX + "&zoom=17").status_code == 401


def test_the_outline_setting_names_any_county_file(client, tmp_path, monkeypatch):
    square = {"type": "MultiPolygon", "coordinates": [[[[-100, 40], [-99, 40], [-99, 41], [-100, 41], [-100, 40]]]]}
    path = tmp_path / "county.geojson"
    path.write_text(json.dumps(square))
    monkeypatch.setitem(client.application.config, "COUNTY_OUTLINE", str(path))
    login(client, "staff")
    body = client.get(OUTLINE).get_json()
    assert [f["geometry"]["type"] for f in body["features"]] == ["MultiPolygon"]
    assert shape(body["features"][0]["geometry"]).contains(Point(-99.5, 40.5))
    monkeypatch.setitem(client.application.config, "COUNTY_OUTLINE", "")
    assert client.get(OUTLINE).get_json() == {"type": "FeatureCollection", "features": []}


def test_an_unusable_outline_file_leaves_the_maps_working(client, tmp_path, monkeypatch, caplog):
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "Polygon", "coordinates": [[[')
    monkeypatch.setitem(client.application.config, "COUNTY_OUTLINE", str(path))
    login(client, "investigator")
    with caplog.at_level(logging.ERROR, logger="backoffice.map_context"):
        response = client.get(OUTLINE)
    assert response.status_code == 200
    assert response.get_json()["features"] == []
    assert "broken.geojson: it is not GeoJSON text" in caplog.text


@pytest.mark.parametrize(("content", "reason"), [
    ({"type": "Point", "coordinates": [-119, 35]}, "feature 1 is not a Polygon or MultiPolygon"),
    ({"type": "FeatureCollection", "features": []}, "it holds no polygon"),
    ({"type": "Polygon", "coordinates": [[[6_300_000, 2_200_000], [6_400_000, 2_200_000],
                                          [6_400_000, 2_300_000], [6_300_000, 2_200_000]]]},
     "not in longitude/latitude"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}, "not a valid polygon"),
    ([1, 2], "not a GeoJSON object"),
])
def test_outline_files_are_checked(tmp_path, content, reason):
    path = tmp_path / "outline.geojson"
    path.write_text(json.dumps(content))
    with pytest.raises(OutlineFileError, match=reason):
        read_outline(path)


def test_a_missing_outline_file_says_so(tmp_path):
    with pytest.raises(OutlineFileError, match="cannot read it"):
        read_outline(tmp_path / "nowhere.geojson")


def test_the_shipped_outline_is_a_valid_counter_clockwise_polygon():
    import config

    outline = read_outline(config.COUNTY_OUTLINE)
    polygon = shape(outline["features"][0]["geometry"])
    assert polygon.is_valid and polygon.exterior.is_ccw  # RFC 7946's right-hand rule


# --- address points ------------------------------------------------------------------------


def test_address_points_in_view_with_house_numbers(client, street):
    login(client, "investigator")
    response = client.get(f"{POINTS}?bbox={STREET_BOX}&zoom=17")
    assert response.status_code == 200
    body = response.get_json()
    assert body["type"] == "FeatureCollection" and body["truncated"] is False and body["min_zoom"] == 16
    found = {(f["properties"]["number"], f["properties"]["street"]) for f in body["features"]}
    assert found == {("1200", "Truxtun Ave"), ("1302 1/2", "Chester Ave"), ("17B", "Oak St")}
    first = next(f for f in body["features"] if f["properties"]["number"] == "1200")
    assert first["geometry"] == {"type": "Point", "coordinates": [-119.02, 35.373]}
    assert set(first["properties"]) == {"number", "street"}  # nothing about owners


@pytest.mark.parametrize("username", ["admin", "staff", "supervisor", "investigator2"])
def test_roles_with_a_map_read_address_points(client, street, username):
    response = client.get(f"{POINTS}?bbox={STREET_BOX}&zoom=16", headers=api_token(client, username))
    assert response.status_code == 200
    assert len(response.get_json()["features"]) == 3


def test_no_address_points_below_street_zoom(client, street):
    login(client, "staff")
    body = client.get(f"{POINTS}?bbox={STREET_BOX}&zoom=15.9").get_json()
    assert body["features"] == [] and body["min_zoom"] == 16


def test_the_number_of_points_is_capped_keeping_the_middle(client, street, monkeypatch):
    monkeypatch.setitem(client.application.config, "ADDRESS_POINTS_MAX", 2)
    login(client, "staff")
    body = client.get(f"{POINTS}?bbox={STREET_BOX}&zoom=18").get_json()
    assert body["truncated"] is True
    # The view's middle is 35.3730, -119.0200: the two nearest points are kept.
    assert [f["properties"]["number"] for f in body["features"]] == ["1200", "1302 1/2"]


@pytest.mark.parametrize(("query", "field", "words"), [
    ("zoom=17", "bbox", "bbox is required"),
    (f"bbox={STREET_BOX}", "zoom", "zoom is required"),
    (f"bbox={STREET_BOX}&zoom=street", "zoom", "zoom must be a number"),
    (f"bbox={STREET_BOX}&zoom=99", "zoom", "zoom must be a number"),
    (f"bbox={STREET_BOX}&zoom=-1", "zoom", "zoom must be a number"),
    (f"bbox={STREET_BOX}&zoom=nan", "zoom", "zoom must be a number"),
    (f"bbox={STREET_BOX}&zoom=1e999", "zoom", "zoom must be a number"),
    ("bbox=1,2,3&zoom=17", "bbox", "four numbers"),
    ("bbox=-119,35,-118,95&zoom=17", "bbox", "bbox"),
    ("bbox=-118,35,-119,36&zoom=17", "bbox", "min <= max"),
    ("bbox=-120,34,-117,36&zoom=17", "bbox", "wider than a street view"),
])
@pytest.mark.parametrize("url", [POINTS, PUBLIC_POINTS])
def test_bad_input_answers_400_naming_the_field(client, query, field, words, url):
    login(client, "investigator")
    response = client.get(f"{url}?{query}")
    assert response.status_code == 400
    assert response.is_json
    assert response.get_json()["field"] == field
    assert words in response.get_json()["message"]


def test_the_portal_pin_map_gets_the_same_public_data_without_signing_in(client, street):
    response = client.get(f"{PUBLIC_POINTS}?bbox={STREET_BOX}&zoom=17")
    assert response.status_code == 200
    assert {f["properties"]["number"] for f in response.get_json()["features"]} == {"1200", "1302 1/2", "17B"}
    outline = client.get("/register/county-outline")
    assert outline.status_code == 200
    assert outline.get_json()["features"][0]["geometry"]["type"] == "Polygon"
    assert "public" in outline.headers["Cache-Control"]


def test_the_portal_address_points_are_rate_limited(app, database_url):
    limited = create_app({
        "TESTING": True, "DATABASE_URL": database_url, "EVIDENCE_DIR": app.config["EVIDENCE_DIR"],
        "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
        "PUBLIC_MAP_RATE_LIMIT": "3 per minute",
    })
    client = limited.test_client()
    statuses = [client.get(f"{PUBLIC_POINTS}?bbox={STREET_BOX}&zoom=17").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


@pytest.mark.parametrize(("address", "parts"), [
    ("1200 Truxtun Ave", ("1200", "Truxtun Ave")),
    ("1302 1/2 North Chester Avenue", ("1302 1/2", "North Chester Avenue")),
    ("12-14 Main St", ("12-14", "Main St")),
    ("Calle Peña", ("", "Calle Peña")),
    ("7", ("", "7")),
])
def test_house_numbers_are_read_from_the_address_line(address, parts):
    assert split_house_number(address) == parts


# --- tiles setting -------------------------------------------------------------------------


def test_tile_url_prefers_the_tile_server_then_local_tiles(app, monkeypatch):
    monkeypatch.setitem(app.config, "TILE_URL", "")
    monkeypatch.setitem(app.config, "TILES_PATH", "")
    assert tile_url(app) == ""
    monkeypatch.setitem(app.config, "TILES_PATH", "/srv/county.mbtiles")
    assert tile_url(app) == "/tiles/{z}/{x}/{y}.png"
    monkeypatch.setitem(app.config, "TILE_URL", "https://tiles.example.org/{z}/{x}/{y}.png")
    assert tile_url(app) == "https://tiles.example.org/{z}/{x}/{y}.png"


def test_every_map_page_uses_the_local_tiles_and_draws_the_context(client, monkeypatch, tmp_path):
    monkeypatch.setitem(client.application.config, "TILE_URL", "")
    monkeypatch.setitem(client.application.config, "TILES_PATH", str(tmp_path))
    html = client.get("/register").get_data(as_text=True)
    assert 'data-tile-url="/tiles/{z}/{x}/{y}.png"' in html
    assert 'data-outline-url="/register/county-outline"' in html
    assert 'data-addresses-url="/register/address-points"' in html
    assert "/static/mapcontext.js" in html
    login(client, "investigator")
    page = client.get("/map/").get_data(as_text=True)
    config = json.loads(page.split('id="map-config">', 1)[1].split("</script>", 1)[0])
    assert config["tile_url"] == "/tiles/{z}/{x}/{y}.png"
    assert config["outline_url"] == OUTLINE and config["addresses_url"] == POINTS
    case_form = client.get("/caseview/add").get_data(as_text=True)
    assert 'data-tile-url="/tiles/{z}/{x}/{y}.png"' in case_form
    assert f'data-outline-url="{OUTLINE}"' in case_form and "/static/mapcontext.js" in case_form
