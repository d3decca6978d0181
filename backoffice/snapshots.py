"""Pictures of what a camera sees: checked, re-encoded without metadata, kept in SNAPSHOT_DIR.

An upload is believed by its content, never by its name: only JPEG, PNG and WebP are opened,
its bytes (SNAPSHOT_MAX_BYTES) and pixels (SNAPSHOT_MAX_PIXELS, read from the header before
anything is decoded) are limited, and what is kept is a new JPEG of at most MAX_SIDE pixels
and a THUMB_SIDE thumbnail, with no EXIF, GPS position, comment or colour profile of the
original. A refused picture stores nothing; the row and its two files come and go together.
"""
import io
import os
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator

from flask import current_app
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError
from sqlalchemy import event
from sqlalchemy.orm import Session

from . import audit
from .database import begin_write
from .domain import SHOWN_ON_MAP
from .errors import InvalidInputError
from .extensions import db
from .models import Camera, CameraSnapshot
from .models.base import utcnow

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
ACCEPTED_TYPES = "image/jpeg,image/png,image/webp"  # for the file inputs' `accept`
MAX_SIDE = 2048
THUMB_SIDE = 320
FIELD = "picture"

# Why a picture is refused, by code: English here, the owner's language on the portal.
REASONS = {
    "missing": "Choose a picture to attach.",
    "too_large": "The picture is larger than {size}. Please send a smaller one.",
    "not_image": "This file is not a JPEG, PNG or WebP picture.",
    "too_many_pixels": "The picture has more than {mp} million pixels. Please send a smaller one.",
    "broken": "The picture could not be read: the file is damaged or incomplete.",
    "too_small": "The picture is too small to show what the camera sees: send one at least "
                 "{side} pixels on its shorter side and at most {ratio} times as wide as it is high.",
}
# The smallest picture that can show a camera's view (a 160 x 120 screenshot of a recorder's
# smallest preview), and the widest shape (a panorama); a 1 x 1 or 20000 x 10 image shows nothing.
MIN_SIDE = 120
MAX_RATIO = 8


class SnapshotRejected(InvalidInputError):
    """A picture that is not taken (400, or 413 when too large); nothing was stored."""

    def __init__(self, code: str, **params):
        super().__init__(REASONS[code].format(**params), field=FIELD)
        self.code = code
        self.params = params
        self.status = 413 if code == "too_large" else 400


@dataclass
class PreparedSnapshot:
    """The re-encoded picture and its thumbnail, as JPEG bytes."""

    full: bytes
    thumb: bytes
    width: int
    height: int


def limits() -> tuple[int, int]:
    """(bytes, pixels) an upload may have."""
    config = current_app.config
    return config["SNAPSHOT_MAX_BYTES"], config["SNAPSHOT_MAX_PIXELS"]


def size_text(size: int) -> str:
    """A byte limit as people say it: "10 MB", "100 kB"."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    return f"{size / 1024:g} kB"


def too_large(content_length: int | None) -> bool:
    """True when a request body is over the byte limit before it is read (form overhead allowed)."""
    return content_length is not None and content_length > limits()[0] + 64 * 1024


_DECODING = threading.Lock()


@contextmanager
def _strict_decoding() -> Iterator[None]:
    """Refuse truncated files while decoding. WeasyPrint (the PDF reports) switches Pillow's
    process-wide LOAD_TRUNCATED_IMAGES on when it is imported, and a cut-off upload would then
    be kept with its missing part painted grey; it is put back as it was afterwards."""
    with _DECODING:
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


def _flatten(image: Image.Image) -> Image.Image:
    """RGB, with any transparency laid on white (JPEG has no alpha)."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB")


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True)  # no exif=, icc_profile=: none written
    return out.getvalue()


def prepare(stream: IO[bytes], max_bytes: int, max_pixels: int) -> PreparedSnapshot:
    """Check and re-encode an uploaded picture; SnapshotRejected says why it is not taken."""
    data = stream.read(max_bytes + 1)
    if not data:
        raise SnapshotRejected("missing")
    if len(data) > max_bytes:
        raise SnapshotRejected("too_large", size=size_text(max_bytes))
    try:
        image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except UnidentifiedImageError:
        raise SnapshotRejected("not_image") from None
    except Image.DecompressionBombError:
        raise SnapshotRejected("too_many_pixels", mp=max_pixels // 1_000_000) from None
    except (OSError, ValueError, SyntaxError, EOFError):
        raise SnapshotRejected("broken") from None
    with image:
        width, height = image.size
        if width < 1 or height < 1:
            raise SnapshotRejected("broken")
        if width * height > max_pixels:  # from the header: nothing decoded yet
            raise SnapshotRejected("too_many_pixels", mp=max_pixels // 1_000_000)
        if min(width, height) < MIN_SIDE or max(width, height) > MAX_RATIO * min(width, height):
            raise SnapshotRejected("too_small", side=MIN_SIDE, ratio=MAX_RATIO)
        try:
            with _strict_decoding():
                image.load()
            upright = ImageOps.exif_transpose(image)  # turned as the camera held it, then no EXIF
            picture = _flatten(upright)
        except Image.DecompressionBombError:
            raise SnapshotRejected("too_many_pixels", mp=max_pixels // 1_000_000) from None
        except (OSError, ValueError, SyntaxError, EOFError):
            raise SnapshotRejected("broken") from None
    picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    thumb = picture.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    return PreparedSnapshot(_jpeg(picture, 85), _jpeg(thumb, 80), picture.width, picture.height)


# --- files -------------------------------------------------------------------------------

def snapshot_dir() -> Path:
    """SNAPSHOT_DIR, created on first use."""
    path = Path(current_app.config["SNAPSHOT_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_path(stored_name: str, *, thumb: bool = False) -> Path:
    """Where a stored picture (or its thumbnail) is."""
    return snapshot_dir() / (f"{stored_name}.thumb.jpg" if thumb else f"{stored_name}.jpg")


def _paths(stored_name: str) -> list[Path]:
    return [file_path(stored_name), file_path(stored_name, thumb=True)]


def _write(path: Path, data: bytes) -> None:
    """Write whole or not at all: a temporary name, flushed, then renamed into place."""
    partial = path.with_suffix(".part")
    with partial.open("xb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, path)


def _unlink(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


_GONE = "snapshot_files_gone"


@event.listens_for(CameraSnapshot, "after_delete")
def _forget_files_on_commit(_mapper, _connection, snapshot: CameraSnapshot) -> None:
    """A deleted picture's files go when the deletion is committed (camera, registration or
    owner deleted, withdrawal), not before: a rolled-back deletion keeps them."""
    session = Session.object_session(snapshot)
    if session is not None:
        session.info.setdefault(_GONE, []).extend(_paths(snapshot.stored_name))


@event.listens_for(Session, "after_commit")
def _remove_forgotten_files(session: Session) -> None:
    _unlink(session.info.pop(_GONE, []))


@event.listens_for(Session, "after_rollback")
def _keep_files_after_rollback(session: Session) -> None:
    session.info.pop(_GONE, None)


# --- commands ----------------------------------------------------------------------------

def attach(camera: Camera, prepared: PreparedSnapshot, *, by_owner: bool, user=None) -> CameraSnapshot:
    """Keep a prepared picture as the camera's (replacing any earlier one); audited, committed.

    The files are written first and removed again if the row is not committed; an earlier
    picture's files are removed once the new row is committed.
    """
    begin_write(db.session)
    stored_name = uuid.uuid4().hex
    new_files = _paths(stored_name)
    try:
        _write(new_files[0], prepared.full)
        _write(new_files[1], prepared.thumb)
        snapshot = camera.snapshot
        old_files = _paths(snapshot.stored_name) if snapshot is not None else []
        if snapshot is None:
            snapshot = CameraSnapshot(camera=camera)
            db.session.add(snapshot)
        snapshot.stored_name = stored_name
        snapshot.width, snapshot.height = prepared.width, prepared.height
        snapshot.size_bytes = len(prepared.full)
        snapshot.added_by = "owner" if by_owner else "staff"
        snapshot.added_at = utcnow()
        detail = {"width": prepared.width, "height": prepared.height, "bytes": len(prepared.full)}
        if by_owner:
            audit.record("portal.snapshot_added", user=None, object_type="camera", object_id=camera.id,
                         detail=detail)
        else:
            audit.record("snapshot.add", user=user, object_type="camera", object_id=camera.id, detail=detail)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        _unlink(new_files + [path.with_suffix(".part") for path in new_files])
        raise
    _unlink(old_files)
    return snapshot


def remove(camera: Camera, *, by_owner: bool, user=None) -> bool:
    """Remove a camera's picture (audited, committed); False when it had none."""
    begin_write(db.session)
    snapshot = camera.snapshot
    if snapshot is None:
        return False
    db.session.delete(snapshot)
    if by_owner:
        audit.record("portal.snapshot_removed", user=None, object_type="camera", object_id=camera.id)
    else:
        audit.record("snapshot.remove", user=user, object_type="camera", object_id=camera.id)
    db.session.commit()
    return True


def record_view(camera: Camera, user, purpose: str | None = None, case_id: int | None = None) -> None:
    """Audit that a signed-in user looked at a camera's full picture, with the case it was
    looked at for (the owner's access log shows it); committed."""
    begin_write(db.session)
    audit.record("snapshot.view", user=user, object_type="camera", object_id=camera.id, purpose=purpose,
                 detail={"case_id": case_id} if case_id is not None else None)
    db.session.commit()


def visible_to(camera: Camera, may_edit: bool) -> bool:
    """Registry Staff see every camera's picture; investigators those of cameras on the map."""
    return may_edit or camera.registration.status in SHOWN_ON_MAP


def picture_urls(camera_id: int, case_id: int | None = None) -> dict[str, str]:
    """The signed-in screens' addresses of a camera's picture and thumbnail; for an
    investigator they name the case whose canvass found the camera (its purpose)."""
    query = f"?case_id={case_id}" if case_id is not None else ""
    return {"snapshot_url": f"/cameraview/picture/{camera_id}{query}",
            "thumbnail_url": f"/cameraview/picture/{camera_id}/thumb{query}"}
