"""`flask registry import-addresses FILE`: the formats counties publish, a summary of skipped
rows, --strict, and bad files that change nothing (on SpatiaLite, and on PostGIS in CI)."""
import json
from pathlib import Path

import pytest

from backoffice.extensions import db
from backoffice.models import AddressKey, AddressPoint, AuditEvent

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data"
SAMPLE = ROOT / "samples" / "addresses.csv"


def run(runner, path, *options):
    """Invoke the command on a file."""
    return runner.invoke(args=["registry", "import-addresses", str(path), *options])


def stored() -> list[tuple]:
    """(address, city, state, postal_code) of every stored point, sorted."""
    return sorted(
        (p.address, p.city, p.state, p.postal_code) for p in db.session.query(AddressPoint)
    )


def summary(result) -> str:
    """The counts line of a successful import."""
    assert result.exit_code == 0, result.output
    return next(line for line in result.stdout.splitlines() if line.startswith("added "))


def one_line_error(result) -> str:
    """The single line a refused file prints."""
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


def test_sample_file_and_rerun_changes_nothing(runner):
    result = run(runner, SAMPLE)
    rows = sum(1 for _ in SAMPLE.open()) - 1
    assert summary(result).startswith(f"added {rows}, updated 0, unchanged 0,")
    again = run(runner, SAMPLE)
    assert summary(again).startswith(f"added 0, updated 0, unchanged {rows},")
    assert db.session.query(AddressPoint).count() == rows


def test_openaddresses_rows_without_a_city_are_kept(runner):
    result = run(runner, DATA / "addresses_openaddresses_blank_city.csv")
    assert summary(result) == ("added 3, updated 0, unchanged 0, duplicates skipped 0, "
                               "blank rows skipped 0, unusable rows skipped 0")
    assert stored() == [
        ("1200 Truxtun Avenue #101", "", "CA", "93301"),
        ("1200 Truxtun Avenue #102", "", "CA", "93301"),
        ("4500 Ming Avenue", "Bakersfield", "CA", "93309"),
    ]


def test_state_comes_from_the_openaddresses_region(runner):
    summary(run(runner, DATA / "addresses_openaddresses_other_state.csv"))
    assert stored() == [
        ("4501 Ming Avenue", "Bakersfield", "CA", "93309"),
        ("77 Casino Drive", "Laughlin", "NV", "89029"),
    ]


def test_spreadsheet_trailing_blank_rows_are_skipped(runner):
    line = summary(run(runner, DATA / "addresses_spreadsheet_trailing_rows.csv"))
    assert line.startswith("added 2,") and "blank rows skipped 2" in line
    assert [p[0] for p in stored()] == ["900 Truxtun Avenue", "901 Truxtun Avenue"]


@pytest.mark.parametrize(
    "name, expected",
    [
        ("addresses_windows_1252.csv", ("77 Calle Peña", "Bakersfield", "CA", "93307")),
        ("addresses_latin1.csv", ("41 Cañon Drive", "Cañada", "CA", "93222")),
    ],
)
def test_excel_windows_1252_and_latin1_files(runner, name, expected):
    result = run(runner, DATA / name)
    assert summary(result).startswith("added 1,")
    assert "(cp1252)" in result.stderr  # the progress label names the encoding read
    assert stored() == [expected]


def test_nena_file_with_unusable_rows_is_imported_and_they_are_listed(runner):
    result = run(runner, DATA / "addresses_nena_points.csv")
    assert summary(result).endswith("unusable rows skipped 2")
    assert "  coordinates out of range (not WGS 84 latitude/longitude): line 6" in result.stdout
    assert "  no house number: line 7" in result.stdout
    assert ("1302 1/2 North Chester Avenue", "Bakersfield", "CA", "93301") in stored()
    assert len(stored()) == 4


def test_strict_refuses_the_whole_file_and_imports_nothing(runner):
    result = run(runner, DATA / "addresses_nena_points.csv", "--strict")
    assert result.exit_code == 1
    assert "  no house number: line 7" in result.stderr
    assert result.output.strip().splitlines()[-1] == (
        "Error: addresses_nena_points.csv: 2 unusable rows (--strict); nothing was imported"
    )
    assert stored() == []


def test_strict_accepts_a_clean_file_with_blank_rows(runner):
    line = summary(run(runner, DATA / "addresses_spreadsheet_trailing_rows.csv", "--strict"))
    assert line.startswith("added 2,")


def test_geojson_address_points(runner):
    result = run(runner, DATA / "addresses_points.geojson")
    assert summary(result).startswith("added 3,")
    assert "geometry is a MultiPoint of 2 points: give one point per feature: feature 3" in result.stdout
    assert "geometry is missing: give a Point: feature 4" in result.stdout
    assert [p[:2] for p in stored()] == [
        ("15 Calle Niño", "Lamont"), ("2100 Ming Avenue", "Bakersfield"), ("2102 Ming Avenue", ""),
    ]


def test_bom_and_mixed_case_header(runner):
    summary(run(runner, DATA / "addresses_bom_mixed_case.csv"))
    assert stored() == [("305 Oak Street #B", "Delano", "CA", "93215"),
                        ("307 Oak Street", "Delano", "CA", "93215")]


def test_bad_coordinates_are_counted_with_their_lines(runner):
    result = run(runner, DATA / "addresses_bad_coordinates.csv")
    assert summary(result).startswith("added 2,")
    for expected in ("coordinates are not numbers: line 3", "no coordinates: line 6",
                     "coordinates are 0, 0 (no location): line 5"):
        assert expected in result.stdout


def test_long_lists_of_unusable_lines_are_cut(runner, tmp_path):
    path = tmp_path / "many.csv"
    path.write_text("number,street,city,lat,lon\n1,A St,Town,35.1,-119.1\n"
                    + "".join(f"{n},,Town,35.1,-119.1\n" for n in range(2, 27)))
    result = run(runner, path)
    assert "  no street name: line 3, line 4, " in result.stdout
    assert "line 12 and 15 more" in result.stdout


def test_spellings_of_one_place_are_one_point_and_a_respelling_updates_it(runner, tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("number,street,city,lat,lon\n5,Elm Street,Taft,35.14,-119.45\n"
                    "5,ELM ST.,Taft,35.14,-119.45\n")
    assert "duplicates skipped 1" in summary(run(runner, path))
    path.write_text("number,street,city,lat,lon\n5,Elm St,Taft,35.15,-119.45\n")
    assert summary(run(runner, path)).startswith("added 0, updated 1,")
    point = db.session.query(AddressPoint).one()
    assert (point.address, point.lat) == ("5 Elm St", 35.15)
    assert sorted(k.key for k in db.session.query(AddressKey)) == [
        "5 elm st taft", "elm st taft 5",
    ]


def test_import_is_audited_with_counts_and_file_name_only(runner):
    run(runner, DATA / "addresses_bad_coordinates.csv")
    event = db.session.query(AuditEvent).filter_by(action="registry.import_addresses").one()
    assert json.loads(event.detail) == {
        "file": "addresses_bad_coordinates.csv", "added": 2, "updated": 0, "unchanged": 0,
        "duplicates": 0, "blank": 0, "unusable": 6,
    }


@pytest.mark.parametrize(
    "name, message",
    [
        ("addresses_header_only.csv", "addresses_header_only.csv: no address points in the file (only a header); nothing was imported"),
        ("addresses_truncated.geojson", "addresses_truncated.geojson: not valid JSON (line"),
        ("addresses_state_plane.geojson", "coordinates are in urn:ogc:def:crs:EPSG::2229, not WGS 84 longitude/latitude"),
        ("addresses_unknown_header.csv", "addresses_unknown_header.csv: line 1: unknown header: expected address CSV"),
    ],
)
def test_bad_files_exit_non_zero_with_one_line_and_change_nothing(runner, name, message):
    summary(run(runner, SAMPLE))
    before = stored()
    line = one_line_error(run(runner, DATA / name))
    assert line.startswith("Error: ") and message in line
    assert stored() == before


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty.csv: the file is empty; nothing was imported"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00", "a spreadsheet or ZIP file, not text"),
        (bytes(range(256)) * 4, "binary data, not text"),
        (b"number,street,city,lat,lon\n1,A St,\x81,35.1,-119.1\n", "line 2: neither UTF-8 nor Windows-1252"),
    ],
)
def test_empty_and_binary_files(runner, tmp_path, data, message):
    path = tmp_path / "empty.csv"
    path.write_bytes(data)
    assert message in one_line_error(run(runner, path))
    assert stored() == []


def test_missing_file_is_one_line(runner, tmp_path):
    assert "nowhere.csv: no such file; nothing was imported" in one_line_error(
        run(runner, tmp_path / "nowhere.csv"))
