"""`flask registry import FILE`: CSV and GeoJSON, all rows or none, re-import updates."""
import csv
import json
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from backoffice.extensions import db
from backoffice.importing import check_rows, import_rows, read_file
from backoffice.localtime import add_year, county_today
from backoffice.models import AuditEvent, Camera, Owner, Registration

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SAMPLE_CSV = SAMPLES / "registrations.csv"
SAMPLE_GEOJSON = SAMPLES / "registrations.geojson"

# A valid row; tests override single cells.
ROW = {
    "owner_kind": "resident",
    "owner_name": "Test Owner",
    "email": "test.owner@example.net",
    "phone": "661-555-0100",
    "address": "100 Test St",
    "city": "Bakersfield",
    "state": "CA",
    "postal_code": "93301",
    "lat": "35.3733",
    "lon": "-119.0187",
    "camera_label": "Front door",
    "direction_deg": "90",
    "fov_deg": "90",
    "range_m": "20",
    "retention_days": "14",
}


def run_import(runner, path):
    """Invoke the import command on a file."""
    return runner.invoke(args=["registry", "import", str(path)])


def counts() -> tuple[int, int, int, int]:
    """How many owners, registrations, cameras and audit events exist."""
    models = (Owner, Registration, Camera, AuditEvent)
    return tuple(db.session.query(model).count() for model in models)


def write_csv(path: Path, rows: list[dict], header: list[str] | None = None) -> Path:
    """A CSV file of rows, each a copy of ROW with some cells changed."""
    header = header or list(ROW)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows({**ROW, **row} for row in rows)
    return path


def one_line_error(result) -> str:
    """The single line a command prints when it refuses a whole file."""
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ")
    return lines[0]


def registration_at(address: str) -> Registration:
    """The one registration at an address."""
    return db.session.query(Registration).filter_by(address=address).one()


def test_sample_csv_imports(runner):
    result = run_import(runner, SAMPLE_CSV)
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == (
        "imported: 8 registrations created, 0 updated, 20 cameras created, 0 updated"
    )
    assert counts()[:3] == (8, 8, 20)
    home = registration_at("3417 Sundale Ave")
    assert home.status == "active" and home.state == "CA" and home.postal_code == "93309"
    assert {c.label for c in home.cameras} == {"Front door", "Driveway", "Backyard"}
    assert home.registered_at is not None
    assert home.next_confirmation_due == add_year(county_today())
    assert (home.lat, home.lon) == pytest.approx((35.34161, -119.06722))  # the first row's
    dome = registration_at("612 Roberts Ln").cameras[0]
    assert dome.direction_deg is None and dome.fov_deg == 360
    assert registration_at("10810 Main St").status == "pending"
    fuel = registration_at("1820 Panama Ln")
    assert fuel.owner.kind == "business" and fuel.owner.organisation == "Panama Lane Fuel Stop"


def test_sample_geojson_imports(runner):
    result = run_import(runner, SAMPLE_GEOJSON)
    assert result.exit_code == 0, result.output
    assert "imported: 2 registrations created, 0 updated, 4 cameras created, 0 updated" in (
        result.output
    )
    assert counts()[:3] == (2, 2, 4)
    taqueria = registration_at("5301 Ming Ave")
    assert (taqueria.lat, taqueria.lon) == pytest.approx((35.35405, -119.08160))
    drive_thru = next(c for c in taqueria.cameras if c.label == "Drive-thru")
    assert (drive_thru.lat, drive_thru.lon) == pytest.approx((35.35412, -119.08175))
    home = registration_at("455 Central Valley Hwy")
    assert home.state == "CA" and home.status == "active"  # the defaults
    assert (home.lat, home.lon) == pytest.approx(
        (home.cameras[0].lat, home.cameras[0].lon)
    )  # no premises_lat/lon: the geometry places both


def test_import_is_audited_with_counts_and_file_name_only(runner):
    run_import(runner, SAMPLE_CSV)
    event = db.session.query(AuditEvent).filter_by(action="registry.import").one()
    detail = json.loads(event.detail)
    assert detail == {
        "file": "registrations.csv",
        "registrations_created": 8,
        "registrations_updated": 0,
        "cameras_created": 20,
        "cameras_updated": 0,
    }


def test_importing_twice_updates_instead_of_duplicating(runner, tmp_path):
    run_import(runner, SAMPLE_CSV)
    before = counts()
    # The same file with one retention changed, one address re-typed and one e-mail in capitals.
    text = SAMPLE_CSV.read_text(encoding="utf-8")
    text = text.replace("Register,90,75,8,21,", "Register,90,75,8,30,")
    text = text.replace("3417 Sundale Ave,Bakersfield", "3417  SUNDALE ave,bakersfield ")
    text = text.replace("linda.okafor@example.org", "Linda.Okafor@Example.org")
    changed = tmp_path / "registrations.csv"
    changed.write_text(text, encoding="utf-8")

    result = run_import(runner, changed)

    assert result.exit_code == 0, result.output
    assert counts()[:3] == before[:3]
    register = db.session.query(Camera).filter_by(label="Register").one()
    assert register.retention_days == 30
    assert "0 registrations created" in result.output
    assert "0 cameras created" in result.output
    assert db.session.query(Camera).filter(Camera.retention_days == 21).count() == 2
    assert registration_at("3417 Sundale Ave").city == "Bakersfield"  # stored spelling kept
    assert result.output.strip().splitlines()[-1] == (
        "imported: 0 registrations created, 0 updated, 0 cameras created, 1 updated"
    )


def test_known_owner_at_a_new_address_gets_a_second_registration(runner, tmp_path):
    run_import(runner, SAMPLE_CSV)
    owners, registrations, cameras, _ = counts()
    path = write_csv(
        tmp_path / "second.csv",
        [{"owner_name": "Maria Delgado", "email": "MARIA.DELGADO@example.net",
          "address": "77 Other St", "phone": "661-555-0114"}],
    )
    result = run_import(runner, path)
    assert result.exit_code == 0, result.output
    assert "imported: 1 registrations created, 0 updated, 1 cameras created, 0 updated" in (
        result.output
    )
    assert counts()[:3] == (owners, registrations + 1, cameras + 1)
    assert registration_at("77 Other St").owner is registration_at("3417 Sundale Ave").owner


def test_unchanged_reimport_reports_no_updates(runner):
    run_import(runner, SAMPLE_CSV)
    result = run_import(runner, SAMPLE_CSV)
    assert result.exit_code == 0, result.output
    assert "imported: 0 registrations created, 0 updated, 0 cameras created, 0 updated" in (
        result.output
    )


def test_bad_rows_are_all_reported_and_nothing_is_written(runner, tmp_path):
    path = write_csv(
        tmp_path / "bad.csv",
        [
            {"camera_label": "Driveway"},
            {"camera_label": "Garage", "fov_deg": "0"},  # line 3
            {"camera_label": "Backyard"},
            {"camera_label": "Side gate", "email": "not-an-email"},  # line 5
        ],
    )
    before = counts()
    result = run_import(runner, path)
    assert result.exit_code != 0
    assert "line 3: fov_deg: Field of view must be a whole number of degrees from 1 to 360." in result.output
    assert "line 5: email: Email must be an address like name@example.com." in result.output
    assert "line 2:" not in result.output and "line 4:" not in result.output
    assert result.output.strip().splitlines()[-1] == (
        "Error: import refused: 2 of 4 rows rejected, nothing written"
    )
    assert counts() == before


@pytest.mark.parametrize(
    "cells, expected",
    [
        ({"lat": "91"}, "line 2: lat: Latitude must be a number of degrees from -90 to 90."),
        ({"lat": "-90.5"}, "line 2: lat: Latitude must be a number of degrees from -90 to 90."),
        ({"lon": "-181"}, "line 2: lon: Longitude must be a number of degrees from -180 to 180."),
        ({"lon": "east"}, "line 2: lon: Longitude must be a number of degrees from -180 to 180."),
        ({"lon": "NaN"}, "line 2: lon: Longitude must be a number of degrees from -180 to 180."),
        ({"lat": "inf"}, "line 2: lat: Latitude must be a number of degrees from -90 to 90."),
        ({"lat": ""}, "line 2: lat: Latitude is required."),
    ],
)
def test_coordinates_out_of_range_are_rejected(runner, tmp_path, cells, expected):
    path = write_csv(tmp_path / "coords.csv", [cells])
    result = run_import(runner, path)
    assert result.exit_code != 0
    assert expected in result.output
    assert counts()[:3] == (0, 0, 0)


@pytest.mark.parametrize(
    "cells, expected",
    [
        ({"direction_deg": "360"}, "direction_deg: Facing direction must be a whole number of degrees from 0 to 359"),
        ({"range_m": "12.5"}, "range_m: Range must be a whole number of metres from 1 to 500."),
        ({"retention_days": "400"}, "retention_days: Retention must be a whole number of days from 1 to 365."),
        ({"owner_kind": "alien"}, "owner_kind: must be one of: resident, business"),
        ({"owner_kind": "business"}, "organisation: is required for a business"),
        ({"email": "", "phone": ""}, "email: an email or a phone number is required"),
        ({"phone": "12"}, "phone: Phone must be a number with its area code"),
        ({"postal_code": "9330"}, "postal_code: ZIP code must be 5 digits, like 93301, or ZIP+4, like 93301-1234."),
        ({"state": "ZZ"}, "state: State must be a two-letter USPS code, like CA."),
        ({"owner_name": ""}, "owner_name: is required"),
    ],
)
def test_model_rules_apply_to_every_row(runner, tmp_path, cells, expected):
    result = run_import(runner, write_csv(tmp_path / "rules.csv", [cells]))
    assert result.exit_code != 0
    assert f"line 2: {expected}" in result.output


def test_blank_direction_means_unknown(runner, tmp_path):
    result = run_import(runner, write_csv(tmp_path / "dome.csv", [{"direction_deg": ""}]))
    assert result.exit_code == 0, result.output
    assert db.session.query(Camera).one().direction_deg is None


def test_rows_of_one_registration_must_agree(runner, tmp_path):
    path = write_csv(
        tmp_path / "clash.csv",
        [{}, {"camera_label": "Driveway", "postal_code": "93305"}, {"camera_label": "front DOOR"}],
        header=[*ROW, "status"],
    )
    result = run_import(runner, path)
    assert result.exit_code != 0
    assert "line 3: postal_code: differs from line 2 for the same registration" in result.output
    assert "line 4: camera_label: repeats line 2 for the same registration" in result.output


def test_geojson_rows_are_numbered_by_feature(runner, tmp_path):
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-119.02, 35.37]},
         "properties": {**ROW, "camera_label": "One"}},
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
         "properties": {**ROW, "camera_label": "Two"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-119.02, 95.0]},
         "properties": {**ROW, "camera_label": "Three"}},
    ]
    path = tmp_path / "cams.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    result = run_import(runner, path)
    assert result.exit_code != 0
    assert "feature 2: geometry: must be a Point" in result.output
    assert "feature 3: lat: Latitude must be a number of degrees from -90 to 90." in result.output
    assert "feature 1:" not in result.output
    assert counts()[:3] == (0, 0, 0)


def test_missing_column_is_one_line(runner, tmp_path):
    path = write_csv(tmp_path / "nolat.csv", [{}], header=[c for c in ROW if c != "lat"])
    line = one_line_error(run_import(runner, path))
    assert "missing required column(s): lat" in line


def test_unknown_column_is_one_line(runner, tmp_path):
    path = write_csv(tmp_path / "typo.csv", [{"retention": "14"}], header=[*ROW, "retention"])
    assert "unknown column(s): retention" in one_line_error(run_import(runner, path))


def test_bad_json_is_one_line(runner, tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [')
    assert "not valid JSON" in one_line_error(run_import(runner, path))


def test_json_that_is_not_a_feature_collection_is_one_line(runner, tmp_path):
    path = tmp_path / "list.json"
    path.write_text("[1, 2, 3]")
    assert "not a GeoJSON FeatureCollection" in one_line_error(run_import(runner, path))


def test_unknown_extension_is_one_line(runner, tmp_path):
    path = tmp_path / "registrations.xlsx"
    path.write_bytes(b"PK\x03\x04")
    assert "unknown file type '.xlsx'" in one_line_error(run_import(runner, path))


def test_missing_file_is_one_line(runner, tmp_path):
    line = one_line_error(run_import(runner, tmp_path / "nowhere.csv"))
    assert "nowhere.csv: no such file" in line


def test_header_only_file_is_one_line(runner, tmp_path):
    path = write_csv(tmp_path / "empty.csv", [])
    assert "no rows to import" in one_line_error(run_import(runner, path))


DATA = Path(__file__).resolve().parents[1] / "data"


def feature_collection(path: Path, geometries: list[dict], **members) -> Path:
    """A GeoJSON file of ROW cameras, one per geometry, with extra top-level members."""
    features = [
        {"type": "Feature", "geometry": geometry,
         "properties": {**ROW, "camera_label": f"Camera {number}"}}
        for number, geometry in enumerate(geometries, start=1)
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", **members, "features": features}))
    return path


def test_qgis_export_with_crs_3d_points_and_a_multipoint_imports(runner):
    result = run_import(runner, DATA / "registrations_qgis_multipoint.geojson")
    assert result.exit_code == 0, result.output
    assert "imported: 1 registrations created, 0 updated, 2 cameras created, 0 updated" in result.output
    home = registration_at("5100 Stine Rd")
    assert home.postal_code == "93313"  # a number in the file
    yard = next(c for c in home.cameras if c.label == "Yard")
    assert (yard.lat, yard.lon) == pytest.approx((35.31105, -119.05815))
    assert yard.direction_deg is None


def test_multipoint_of_several_points_is_refused_for_that_row(runner, tmp_path):
    path = feature_collection(tmp_path / "multi.geojson", [
        {"type": "Point", "coordinates": [-119.02, 35.37]},
        {"type": "MultiPoint", "coordinates": [[-119.02, 35.37], [-119.03, 35.38]]},
    ])
    result = run_import(runner, path)
    assert result.exit_code != 0
    assert ("feature 2: geometry: is a MultiPoint of 2 points: give one point per feature"
            in result.output)
    assert "feature 1:" not in result.output
    assert counts()[:3] == (0, 0, 0)


def test_projected_crs_is_refused_in_one_line(runner, tmp_path):
    path = feature_collection(
        tmp_path / "plane.geojson", [{"type": "Point", "coordinates": [6289471.2, 2326310.5]}],
        crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2229"}},
    )
    line = one_line_error(run_import(runner, path))
    assert "plane.geojson: coordinates are in urn:ogc:def:crs:EPSG::2229, not WGS 84" in line
    assert counts()[:3] == (0, 0, 0)


def test_bom_csv_and_bom_geojson_import(runner, tmp_path):
    csv_path = tmp_path / "bom.csv"
    csv_path.write_bytes(b"\xef\xbb\xbf" + SAMPLE_CSV.read_bytes())
    geojson_path = tmp_path / "bom.geojson"
    geojson_path.write_bytes(b"\xef\xbb\xbf" + SAMPLE_GEOJSON.read_bytes())
    assert run_import(runner, csv_path).exit_code == 0
    result = run_import(runner, geojson_path)
    assert result.exit_code == 0, result.output
    assert counts()[:3] == (10, 10, 24)


def test_windows_1252_csv_imports_with_its_accents(runner, tmp_path):
    path = write_csv(tmp_path / "excel.csv", [{"owner_name": "Sofía Peña"}])
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))
    result = run_import(runner, path)
    assert result.exit_code == 0, result.output
    assert db.session.query(Owner).one().name == "Sofía Peña"


def test_a_camera_far_from_its_premises_or_outside_the_county_is_refused(runner, tmp_path):
    path = write_csv(
        tmp_path / "far.csv",
        [{}, {"camera_label": "Back gate", "lat": "35.4733"},
         {"camera_label": "Roof", "lat": "35.3735", "lon": "-119.0189"}],
    )
    before = counts()
    result = run_import(runner, path)
    assert result.exit_code != 0
    assert "line 3: lat: Camera location must be within 500 m of the premises" in result.output
    assert "line 4" not in result.output, "a camera 30 m from its premises is fine"
    assert counts() == before


def test_geojson_with_half_a_surrogate_pair_or_a_list_is_refused_by_row(runner, tmp_path):
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-119.0187, 35.3733]},
               "properties": {**ROW}}
    bad_text = json.loads(json.dumps(feature))
    bad_text["properties"]["address"] = "\ud800 Surrogate St"
    bad_list = json.loads(json.dumps(feature))
    bad_list["properties"]["owner_name"] = ["Ana", "Luis"]
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [bad_text, bad_list]}),
                    encoding="utf-8")
    before = counts()
    result = run_import(runner, path)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "feature 1: properties: address holds an unpaired UTF-16 surrogate" in result.output
    assert "feature 2: properties: owner_name is a list or an object" in result.output
    assert counts() == before


def test_a_state_written_out_is_read_as_its_code(runner, tmp_path):
    result = run_import(runner, write_csv(tmp_path / "state.csv", [{"state": "California"}]))
    assert result.exit_code == 0, result.output
    assert registration_at("100 Test St").state == "CA"


@pytest.mark.parametrize("now, due", [
    # 7 pm on 1 December in the county is already 2 December in UTC: the county's day counts,
    # as it does for owners confirming on the portal.
    (datetime(2026, 12, 2, 3, 0, tzinfo=timezone.utc), date(2027, 12, 1)),
    (datetime(2028, 2, 29, 20, 0, tzinfo=timezone.utc), date(2029, 2, 28)),  # no 29 February
])
def test_imported_registrations_are_due_a_county_year_later(ctx, tmp_path, now, due):
    rows, rejected = check_rows(read_file(write_csv(tmp_path / "one.csv", [ROW])))
    assert rejected == []
    import_rows(rows, now=now)
    assert registration_at(ROW["address"]).next_confirmation_due == due
