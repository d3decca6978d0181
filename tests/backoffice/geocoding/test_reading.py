"""Reading address point files in the layouts and encodings counties publish (no database)."""
import codecs
from pathlib import Path

import pytest

from backoffice.geocoding.reading import AddressFileError, read_address_file, read_text

DATA = Path(__file__).resolve().parents[2] / "data"


def points(name: str) -> list[tuple]:
    """(where, address, city, state, postal_code, lat, lon) of a data file's usable points."""
    return [(p.where, p.address, p.city, p.state, p.postal_code, p.lat, p.lon)
            for p in read_address_file(DATA / name).points]


def test_openaddresses_rows_without_city_keep_their_zip_code():
    source = read_address_file(DATA / "addresses_openaddresses_blank_city.csv")
    assert source.layout == "OpenAddresses" and source.unusable == []
    assert points("addresses_openaddresses_blank_city.csv") == [
        ("line 2", "1200 Truxtun Avenue #101", "", "CA", "93301", 35.37512, -119.01871),
        ("line 3", "1200 Truxtun Avenue #102", "", "CA", "93301", 35.37512, -119.01871),
        ("line 4", "4500 Ming Avenue", "Bakersfield", "CA", "93309", 35.35021, -119.0521),
    ]


def test_openaddresses_state_is_the_region_column():
    assert [(p[2], p[3]) for p in points("addresses_openaddresses_other_state.csv")] == [
        ("Bakersfield", "CA"), ("Laughlin", "NV"),
    ]


def test_spreadsheet_blank_rows_and_crlf_are_skipped():
    source = read_address_file(DATA / "addresses_spreadsheet_trailing_rows.csv")
    assert [p.address for p in source.points] == ["900 Truxtun Avenue", "901 Truxtun Avenue"]
    assert source.blank == 2 and source.unusable == []


def test_windows_1252_file_is_read_as_such():
    source = read_address_file(DATA / "addresses_windows_1252.csv")
    assert source.encoding == "cp1252"
    assert [p.address for p in source.points] == ["77 Calle Peña"]


def test_latin1_file_with_enye_is_read():
    source = read_address_file(DATA / "addresses_latin1.csv")
    assert [(p.address, p.city) for p in source.points] == [("41 Cañon Drive", "Cañada")]


def test_bom_and_mixed_case_header_with_spaces():
    source = read_address_file(DATA / "addresses_bom_mixed_case.csv")
    assert source.layout == "address CSV" and source.encoding == "utf-8"
    assert [(p.address, p.state, p.postal_code) for p in source.points] == [
        ("305 Oak Street #B", "CA", "93215"), ("307 Oak Street", "CA", "93215"),
    ]


def test_semicolons_decimal_commas_and_excel_sep_line():
    assert [(p.where, p.address, p.lat, p.lon) for p in
            read_address_file(DATA / "addresses_semicolon_excel.csv").points] == [
        ("line 3", "500 Main Street", 35.5941, -119.341),
        ("line 4", "502 Main Street", 35.5942, -119.3411),
    ]


def test_nena_address_points_are_assembled_from_their_parts():
    source = read_address_file(DATA / "addresses_nena_points.csv")
    assert source.layout == "NENA NG9-1-1 address points"
    assert [(p.where, p.address, p.city, p.state, p.postal_code) for p in source.points] == [
        ("line 2", "1300 North Chester Avenue", "Bakersfield", "CA", "93301"),
        ("line 3", "1302 1/2 North Chester Avenue", "Bakersfield", "CA", "93301"),
        # no Post_Comm: the incorporated municipality; the state spelt out
        ("line 4", "2400A Avenida de la Peña #Suite 5", "Bakersfield", "CA", "93307"),
        ("line 5", "610 Old Town Road East", "Tehachapi", "CA", "93561"),
    ]
    assert [(u.where, u.reason) for u in source.unusable] == [
        ("line 6", "coordinates out of range (not WGS 84 latitude/longitude)"),
        ("line 7", "no house number"),
    ]


def test_geojson_points_multipoints_crs_and_third_ordinate():
    source = read_address_file(DATA / "addresses_points.geojson")
    assert source.layout == "OpenAddresses"
    assert [(p.where, p.address, p.city, p.postal_code, p.lat, p.lon) for p in source.points] == [
        ("feature 1", "2100 Ming Avenue", "Bakersfield", "93304", 35.3505, -119.031),
        ("feature 2", "2102 Ming Avenue", "", "93304", 35.35052, -119.0311),
        ("feature 5", "15 Calle Niño", "Lamont", "93241", 35.2601, -118.915),
    ]
    assert [(u.where, u.reason) for u in source.unusable] == [
        ("feature 3", "geometry is a MultiPoint of 2 points: give one point per feature"),
        ("feature 4", "geometry is missing: give a Point"),
    ]


def test_rows_with_bad_values_are_listed_not_fatal():
    source = read_address_file(DATA / "addresses_bad_coordinates.csv")
    assert [p.address for p in source.points] == ["10 Baker Street", "24 Baker Street"]
    assert [(u.where, u.reason) for u in source.unusable] == [
        ("line 3", "coordinates are not numbers"),
        ("line 4", "coordinates out of range (not WGS 84 latitude/longitude)"),
        ("line 5", "coordinates are 0, 0 (no location)"),
        ("line 6", "no coordinates"),
        ("line 7", "neither city nor ZIP code"),
        ("line 8", "ZIP code is not 12345 or 12345-6789"),
    ]


@pytest.mark.parametrize(
    "name, message",
    [
        ("addresses_header_only.csv", "no address points in the file (only a header)"),
        ("addresses_truncated.geojson", "not valid JSON (line"),
        ("addresses_state_plane.geojson", "coordinates are in urn:ogc:def:crs:EPSG::2229, not WGS 84"),
        ("addresses_unknown_header.csv", "line 1: unknown header: expected address CSV"),
    ],
)
def test_bad_files_are_refused_with_one_line(name, message):
    with pytest.raises(AddressFileError) as refused:
        read_address_file(DATA / name)
    assert message in str(refused.value) and "\n" not in str(refused.value)


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "the file is empty"),
        (b"\xef\xbb\xbf\r\n\r\n", "the file is empty"),
        (b"PK\x03\x04\x14\x00\x06\x00", "a spreadsheet or ZIP file, not text"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "a spreadsheet or ZIP file, not text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data, not text"),
        (b"number,street,city,lat,lon\n1,A St,\x81\x8d,35.1,-119.1\n", "line 2: neither UTF-8 nor Windows-1252"),
    ],
)
def test_files_that_are_not_text(tmp_path, data, message):
    path = tmp_path / "points.csv"
    path.write_bytes(data)
    with pytest.raises(AddressFileError, match=message):
        read_address_file(path)


def test_utf16_with_bom_is_read(tmp_path):
    path = tmp_path / "points.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + "number\tstreet\tcity\tlat\tlon\r\n"
                     "5\tPeña Court\tArvin\t35.2\t-118.8\r\n".encode("utf-16-le"))
    assert [p.address for p in read_address_file(path).points] == ["5 Peña Court"]


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(AddressFileError, match="no such file"):
        read_address_file(tmp_path / "nowhere.csv")
    with pytest.raises(AddressFileError, match="cannot be read"):
        read_address_file(tmp_path)


@pytest.mark.parametrize(
    "text, message",
    [
        ("number,street,city,lon\n1,A St,Town,-119\n", "address CSV header without a column for latitude"),
        ("number,street,lat,lon\n1,A St,35,-119\n", "without a column for city or ZIP code"),
        ("number,street,number,city,lat,lon\n", "duplicate column(s): number"),
        ('number,street,city,lat,lon\n1,"A St,Town,35,-119\n', "not valid CSV"),
        ('{"type": "FeatureCollection", "features": []}', "no features"),
        ('[1, 2]', "not a GeoJSON FeatureCollection"),
        ('{"type": "FeatureCollection", "crs": {"type": "link", "properties": {"href": "x"}},'
         ' "features": []}', "the crs member cannot be read"),
    ],
)
def test_whole_file_problems(text, message):
    with pytest.raises(AddressFileError) as refused:
        read_text(text, "points.geojson" if text[0] in "[{" else "points.csv")
    assert message in str(refused.value)


def test_file_of_only_unusable_rows_is_refused():
    with pytest.raises(AddressFileError, match=r"no usable address point: 2 unusable rows \(first: line 2: no street name\)"):
        read_text("number,street,city,lat,lon\n1,,Town,35,-119\n2,,Town,35,-119\n", "p.csv")


@pytest.mark.parametrize(
    "cells, expected",
    [
        ("1200.0,A St,Nevada,93301.0", ("1200 A St", "NV", "93301")),  # spreadsheet numbers
        ("1,A St,Calif.,93301", ("1 A St", "CA", "93301")),
        ("1,A St,Massachusetts,2134", ("1 A St", "MA", "02134")),  # leading zero lost
        ("1,A St,new york,123456789", ("1 A St", "NY", "12345-6789")),
        ("1,A St,,93301-1234", ("1 A St", "", "93301-1234")),  # no state: none invented
    ],
)
def test_state_and_zip_spellings(cells, expected):
    source = read_text(f"number,street,state,zip,lat,lon\n{cells},35.1,-119.1\n", "p.csv")
    point = source.points[0]
    assert (point.address, point.state, point.postal_code) == expected


def test_a_state_that_is_not_one_is_unusable():
    source = read_text("number,street,city,state,lat,lon\n1,A St,Town,Kern County,35.1,-119.1\n"
                       "2,A St,Town,CA,35.1,-119.1\n", "p.csv")
    assert [(u.where, u.reason) for u in source.unusable] == [("line 2", "state is not a US state")]


def test_long_values_are_unusable_not_cut():
    source = read_text(f"number,street,city,lat,lon\n1,{'x' * 300},Town,35.1,-119.1\n"
                       f"2,A St,{'y' * 101},35.1,-119.1\n3,A St,Town,35.1,-119.1\n", "p.csv")
    assert [u.reason for u in source.unusable] == [
        "address longer than 300 characters", "city longer than 100 characters",
    ]


def test_an_address_point_with_half_a_surrogate_pair_is_an_unusable_row():
    document = ('{"type": "FeatureCollection", "features": ['
                '{"type": "Feature", "geometry": {"type": "Point", "coordinates": [-119.01, 35.37]},'
                 ' "properties": {"number": "900", "street": "\\ud800 Truxtun Avenue", "city": "Bakersfield", "zip": "93301"}},'
                '{"type": "Feature", "geometry": {"type": "Point", "coordinates": [-119.02, 35.38]},'
                 ' "properties": {"number": "901", "street": "Truxtun Avenue", "city": "Bakersfield", "zip": "93301"}}]}')
    source = read_text(document, "points.geojson")
    assert [p.address for p in source.points] == ["901 Truxtun Avenue"]
    assert [(u.where, u.reason) for u in source.unusable] == [
        ("feature 1", "street holds an unpaired UTF-16 surrogate, not text")]


@pytest.mark.parametrize("state", ["ZZ", "Atlantis"])
def test_a_state_that_is_not_one_is_unusable_as_in_every_other_form(state):
    source = read_text("number,street,city,region,postcode,lat,lon\n"
                       f"1,Main St,Town,{state},93301,35.3,-119.0\n2,Main St,Town,California,93301,35.3,-119.0\n",
                       "points.csv")
    assert [p.state for p in source.points] == ["CA"]
    assert "state is not a US state" in source.unusable[0].reason
