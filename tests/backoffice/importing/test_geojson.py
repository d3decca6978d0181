"""GeoJSON points as GIS tools write them: crs member, 3-D positions, one-point MultiPoints."""
import json

import pytest

from backoffice.importing.geojson import GeoJSONError, check_crs, point_of


@pytest.mark.parametrize(
    "geometry, expected",
    [
        ({"type": "Point", "coordinates": [-119.05, 35.31]}, (-119.05, 35.31)),
        ({"type": "Point", "coordinates": [-119.05, 35.31, 112.0]}, (-119.05, 35.31)),
        ({"type": "MultiPoint", "coordinates": [[-119.05, 35.31, 0.0]]}, (-119.05, 35.31)),
        ({"type": "Point", "coordinates": [-119, 35]}, (-119.0, 35.0)),
    ],
)
def test_points_qgis_and_ogr_write(geometry, expected):
    assert point_of(geometry) == expected


@pytest.mark.parametrize(
    "geometry, message",
    [
        (None, "is missing"),
        ({"type": "MultiPoint", "coordinates": [[-119.05, 35.31], [-119.06, 35.32]]},
         "is a MultiPoint of 2 points: give one point per feature"),
        ({"type": "MultiPoint", "coordinates": []}, "is a MultiPoint of 0 points"),
        ({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}, "must be a Point with \\[lon, lat\\], not LineString"),
        ({"type": "Point", "coordinates": [-119.05]}, "must be a Point"),
        ({"type": "Point", "coordinates": ["-119.05", 35.31]}, "coordinates must be numbers"),
        ({"type": "Point", "coordinates": [float("nan"), 35.31]}, "coordinates must be numbers"),
        ({"type": "Point", "coordinates": [True, 35.31]}, "coordinates must be numbers"),
        ("POINT (1 2)", "must be a Point"),
    ],
)
def test_other_geometries_are_refused_with_a_reason(geometry, message):
    with pytest.raises(GeoJSONError, match=message):
        point_of(geometry)


@pytest.mark.parametrize(
    "name",
    [
        "urn:ogc:def:crs:OGC:1.3:CRS84",
        "urn:ogc:def:crs:OGC::CRS84",
        "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
        "EPSG:4326",
        "urn:ogc:def:crs:EPSG::4326",
        "http://www.opengis.net/def/crs/EPSG/0/4326",
        "urn:ogc:def:crs:EPSG::4269",  # NAD83, within a metre or two of WGS 84
    ],
)
def test_longitude_latitude_crs_names_are_accepted(name):
    check_crs({"crs": {"type": "name", "properties": {"name": name}}})


def test_no_crs_and_the_old_epsg_form():
    check_crs({})
    check_crs({"crs": {"type": "EPSG", "properties": {"code": 4326}}})


@pytest.mark.parametrize(
    "crs, message",
    [
        ({"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2229"}},
         "coordinates are in urn:ogc:def:crs:EPSG::2229, not WGS 84 longitude/latitude: export the layer in EPSG:4326"),
        ({"type": "EPSG", "properties": {"code": 3857}}, "coordinates are in EPSG:3857"),
        ({"type": "link", "properties": {"href": "http://example.net/crs"}}, "cannot be read"),
        ("EPSG:4326", "cannot be read"),
    ],
)
def test_projected_or_unreadable_crs_is_refused(crs, message):
    with pytest.raises(GeoJSONError, match=message):
        check_crs({"crs": crs})


def test_pathological_json_is_refused_in_one_line_not_a_traceback():
    import pytest as _pytest

    from backoffice.geocoding.reading import read_geojson as read_addresses
    from backoffice.importing.reading import read_geojson as read_registrations

    for text in ("[" * 100_000 + "]" * 100_000,
                 '{"type":"FeatureCollection","features":[{"geometry":{"type":"Point","coordinates":[1' + "0" * 5000 + ',1]}}]}'):
        for reader in (read_addresses, read_registrations):
            with _pytest.raises(Exception) as raised:
                reader(text)
            assert "not usable JSON" in str(raised.value) or "not valid JSON" in str(raised.value)


def test_a_property_holding_half_a_surrogate_pair_or_a_list_is_named():
    from backoffice.importing.geojson import GeoJSONError, property_text

    with pytest.raises(GeoJSONError, match="address holds an unpaired UTF-16 surrogate"):
        property_text("address", json.loads('"\\ud800 St"'))
    with pytest.raises(GeoJSONError, match="owner_name is a list or an object"):
        property_text("owner_name", ["a"])
    assert property_text("postal_code", 93301.0) == "93301"
    assert property_text("unit", None) == ""
    assert property_text("address", json.loads('"\\ud83d\\ude00 Smile St"')) == "😀 Smile St"
