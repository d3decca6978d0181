"""Pictures made for the tests: real JPEG, PNG and WebP files with EXIF and a GPS position,
and the bad ones (wrong type, truncated, a decompression bomb)."""
import io
import struct
import zlib

from PIL import Image

GPS_IFD = 0x8825
MODEL = "SecretCam 3000"  # written into the EXIF of every good test picture


def exif_with_gps() -> Image.Exif:
    """EXIF naming the camera model and where the picture was taken (a home's position)."""
    exif = Image.Exif()
    exif[0x0110] = MODEL
    exif[0x0112] = 1  # orientation: upright
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (35.0, 22.0, 24.0), 3: "W", 4: (119.0, 1.0, 7.0)})
    return exif


def picture(fmt: str = "JPEG", size: tuple[int, int] = (640, 480), colour: str = "steelblue") -> bytes:
    """A picture in the given format, carrying EXIF with a GPS position."""
    image = Image.new("RGB", size, colour)
    for x in range(0, size[0], 40):  # some detail, so that the encoder has work to do
        image.paste("white", (x, 0, x + 10, size[1]))
    out = io.BytesIO()
    image.save(out, fmt, exif=exif_with_gps())
    return out.getvalue()


def noisy_png(size: tuple[int, int]) -> bytes:
    """A PNG that does not compress (random pixels): its bytes grow with its size."""
    import os

    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(width: int, height: int) -> bytes:
    """A few hundred bytes of PNG that claim width × height pixels (a decompression bomb):
    one bit per pixel, every row zero, compressed as far as zlib goes."""
    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(min(height, 64))) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", body) + _chunk(b"IEND", b"")


def gif() -> bytes:
    """A real picture of a kind that is not taken (GIF)."""
    out = io.BytesIO()
    Image.new("RGB", (50, 50), "green").save(out, "GIF")
    return out.getvalue()


def truncated_jpeg() -> bytes:
    """The first half of a JPEG: its header is fine, its pixels stop."""
    data = picture("JPEG", (800, 600))
    return data[: len(data) // 2]


def remove_pictures(registration_ids) -> None:
    """Delete the pictures of these registrations' cameras through the ORM, in the caller's app
    context and transaction: their files go when the caller commits (tests' cleanup helpers
    delete cameras in bulk, which the database cascades to the rows but not to the files)."""
    from sqlalchemy import select

    from backoffice.extensions import db
    from backoffice.models import Camera, CameraSnapshot

    ids = list(registration_ids) or [-1]
    for snapshot in db.session.scalars(
            select(CameraSnapshot).join(Camera).where(Camera.registration_id.in_(ids))):
        db.session.delete(snapshot)
    db.session.flush()
