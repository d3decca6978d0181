"""/tiles/<z>/<x>/<y>.png: the county's own basemap (TILES_PATH), from an MBTiles file or a
folder of XYZ tiles."""
import sqlite3
import struct
import zlib

import pytest

from tests.auth import login


def png(colour: tuple[int, int, int]) -> bytes:
    """A real 1×1 PNG of one colour (distinct bytes per tile)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + bytes(colour))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


RED, GREEN, BLUE = png((255, 0, 0)), png((0, 255, 0)), png((0, 0, 255))


@pytest.fixture()
def mbtiles(tmp_path):
    """An MBTiles file (TMS rows: y counted from the south) holding tiles of zoom 1."""
    path = tmp_path / "county.mbtiles"
    connection = sqlite3.connect(path)
    connection.executescript("""
        CREATE TABLE metadata (name TEXT, value TEXT);
        CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
        CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);
    """)
    connection.executemany("INSERT INTO metadata VALUES (?, ?)",
                           [("name", "county"), ("format", "png"), ("minzoom", "1"), ("maxzoom", "1")])
    # XYZ (1, 0, 0) is the north-west tile: TMS row 1 at zoom 1. XYZ (1, 0, 1): TMS row 0.
    connection.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)",
                           [(1, 0, 1, RED), (1, 0, 0, GREEN), (1, 1, 1, b"\x1f\x8b not an image")])
    connection.commit()
    connection.close()
    return path


@pytest.fixture()
def folder(tmp_path):
    """A folder of XYZ tiles: z/x/y.png (and one JPEG)."""
    root = tmp_path / "tiles"
    (root / "2" / "1").mkdir(parents=True)
    (root / "2" / "1" / "3.png").write_bytes(BLUE)
    (root / "2" / "1" / "2.jpg").write_bytes(b"\xff\xd8\xff\xe0 a jpeg")
    return root


@pytest.fixture()
def tiles_at(client, monkeypatch):
    """Point TILES_PATH at a source for this test."""
    def use(path):
        monkeypatch.setitem(client.application.config, "TILES_PATH", str(path))
    return use


def test_mbtiles_rows_are_flipped_to_xyz(client, tiles_at, mbtiles):
    tiles_at(mbtiles)
    north = client.get("/tiles/1/0/0.png")
    assert north.status_code == 200 and north.data == RED
    assert north.mimetype == "image/png"
    south = client.get("/tiles/1/0/1.png")
    assert south.status_code == 200 and south.data == GREEN


def test_tiles_are_cached_by_browsers_and_revalidated(client, tiles_at, mbtiles):
    tiles_at(mbtiles)
    first = client.get("/tiles/1/0/0.png")
    assert "public" in first.headers["Cache-Control"] and "max-age=86400" in first.headers["Cache-Control"]
    assert first.headers["ETag"]
    again = client.get("/tiles/1/0/0.png", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_signed_in_users_get_cacheable_tiles_too(client, tiles_at, mbtiles):
    tiles_at(mbtiles)
    login(client, "investigator")
    response = client.get("/tiles/1/0/0.png")
    assert response.status_code == 200
    assert "no-store" not in response.headers["Cache-Control"]


@pytest.mark.parametrize("url", [
    "/tiles/1/1/0.png",      # not in the file
    "/tiles/3/0/0.png",      # a zoom the file lacks
    "/tiles/1/2/0.png",      # x beyond the zoom's 2 columns
    "/tiles/1/0/2.png",      # y beyond the zoom's 2 rows
    "/tiles/99/0/0.png",     # no such zoom at all
    "/tiles/1/1/0.png",
    "/tiles/1/1/1.png",      # a stored tile that is no image (a vector tile): not served as one
])
def test_missing_tiles_answer_404(client, tiles_at, mbtiles, url):
    tiles_at(mbtiles)
    response = client.get(url)
    assert response.status_code == 404
    assert response.mimetype == "text/plain"


def test_a_folder_of_xyz_tiles(client, tiles_at, folder):
    tiles_at(folder)
    response = client.get("/tiles/2/1/3.png")
    assert response.status_code == 200 and response.data == BLUE and response.mimetype == "image/png"
    assert "max-age=86400" in response.headers["Cache-Control"]
    assert response.headers.get("ETag") or response.headers.get("Last-Modified")
    jpeg = client.get("/tiles/2/1/2.png")
    assert jpeg.status_code == 200 and jpeg.mimetype == "image/jpeg"
    assert client.get("/tiles/2/1/1.png").status_code == 404
    assert client.get("/tiles/2/0/3.png").status_code == 404


@pytest.mark.parametrize("url", ["/tiles/1/0/-1.png", "/tiles/1/0/x.png", "/tiles/../config.py",
                                 "/tiles/1/0/0.png/../../x", "/tiles/1/0/99999999999999999999.png"])
def test_odd_tile_urls_never_fail(client, tiles_at, folder, url):
    tiles_at(folder)
    assert client.get(url).status_code == 404


def test_no_tiles_without_the_setting_or_with_a_broken_file(client, tiles_at, tmp_path):
    assert client.get("/tiles/1/0/0.png").status_code == 404  # TILES_PATH empty in tests
    broken = tmp_path / "broken.mbtiles"
    broken.write_bytes(b"this is not an SQLite database at all" * 10)
    tiles_at(broken)
    assert client.get("/tiles/1/0/0.png").status_code == 404
    tiles_at(tmp_path / "missing.mbtiles")
    assert client.get("/tiles/1/0/0.png").status_code == 404


def test_the_content_security_policy_allows_our_own_tiles(client, tiles_at, folder, monkeypatch):
    monkeypatch.setitem(client.application.config, "TILE_URL", "")
    tiles_at(folder)
    policy = client.get("/register").headers["Content-Security-Policy"]
    assert "img-src 'self' data:" in policy
    assert "connect-src 'self'" in policy  # outline and address points
