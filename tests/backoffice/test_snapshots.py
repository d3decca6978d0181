"""Pictures of what a camera sees: kept without their metadata, refused with a clear reason
(and nothing stored), shown to those who may read cameras, every full view audited."""
import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import ObjectDeletedError

from backoffice import snapshots
from backoffice.extensions import db
from backoffice.models import AuditEvent, Camera, CameraSnapshot
from backoffice.portal import access_log, services
from tests import factories, pictures
from tests.auth import CSRF_RE, api_token, csrf_token, login
from tests.workflows.helpers import searched

TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def stored_files(app) -> set[str]:
    folder = Path(app.config["SNAPSHOT_DIR"])
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def staff_attach(client, camera_id: int, data: bytes, name: str = "view.jpg", kind: str = "image/jpeg"):
    token = csrf_token(client, f"/cameraview/show/{camera_id}")
    return client.post(f"/cameraview/picture/{camera_id}/attach",
                       data={"csrf_token": token, "picture": (io.BytesIO(data), name, kind)},
                       content_type="multipart/form-data", follow_redirects=True)


def signed_in(app, username: str):
    """Another browser, signed in as username (sharing the test's transaction)."""
    from tests.conftest import OwnRequestClient

    browser = OwnRequestClient(app, app.response_class, use_cookies=True)
    login(browser, username)
    return browser


def snapshot_of(camera: Camera) -> CameraSnapshot | None:
    return db.session.execute(select(CameraSnapshot).where(CameraSnapshot.camera_id == camera.id)).scalar()


def actions(action: str) -> list[AuditEvent]:
    return db.session.query(AuditEvent).filter_by(action=action).order_by(AuditEvent.id).all()


# --- what is kept -----------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_good_picture_is_kept_as_jpeg_without_exif_or_gps(client, app, fmt):
    camera = factories.registration().cameras[0]
    original = pictures.picture(fmt, (3000, 1500))
    assert pictures.MODEL.encode() in original and Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    login(client, "staff")
    page = staff_attach(client, camera.id, original, f"view.{fmt.lower()}", TYPES[fmt]).get_data(as_text=True)
    assert "Picture attached" in page
    snapshot = snapshot_of(camera)
    assert (snapshot.width, snapshot.height, snapshot.added_by) == (2048, 1024, "staff")
    for thumb, longest in ((False, 2048), (True, 320)):
        data = snapshots.file_path(snapshot.stored_name, thumb=thumb).read_bytes()
        kept = Image.open(io.BytesIO(data))
        assert kept.format == "JPEG" and max(kept.size) == longest
        assert not kept.getexif() and "exif" not in kept.info and "icc_profile" not in kept.info
        assert pictures.MODEL.encode() not in data and b"Exif" not in data
    assert snapshot.size_bytes == snapshots.file_path(snapshot.stored_name).stat().st_size
    [event] = actions("snapshot.add")[-1:]
    assert event.object_id == camera.id and event.username == "staff"


def test_a_picture_is_turned_upright_before_its_exif_goes(ctx):
    image = Image.new("RGB", (400, 200), "red")
    exif = Image.Exif()
    exif[0x0112] = 6  # taken with the phone on its side: shown turned 90°
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    prepared = snapshots.prepare(io.BytesIO(out.getvalue()), 10**7, 10**8)
    assert (prepared.width, prepared.height) == (200, 400)


def test_transparency_is_laid_on_white(ctx):
    out = io.BytesIO()
    Image.new("RGBA", (160, 120), (0, 0, 0, 0)).save(out, "PNG")
    prepared = snapshots.prepare(io.BytesIO(out.getvalue()), 10**7, 10**8)
    assert Image.open(io.BytesIO(prepared.full)).getpixel((10, 10)) > (250, 250, 250)


@pytest.mark.parametrize("size", [(1, 1), (119, 400), (20000, 10), (1000, 124)])
def test_a_picture_too_small_or_too_narrow_to_show_a_view_is_refused(ctx, size):
    out = io.BytesIO()
    Image.new("RGB", size, (90, 120, 90)).save(out, "PNG")
    with pytest.raises(snapshots.SnapshotRejected) as refused:
        snapshots.prepare(io.BytesIO(out.getvalue()), 10**7, 10**8)
    assert refused.value.code == "too_small" and refused.value.field == "picture"
    assert "at least 120 pixels" in refused.value.message


def test_a_new_picture_replaces_the_old_one_and_its_files(client, app):
    camera = factories.registration().cameras[0]
    login(client, "staff")
    staff_attach(client, camera.id, pictures.picture("JPEG", colour="red"))
    first = snapshot_of(camera).stored_name
    staff_attach(client, camera.id, pictures.picture("PNG", colour="blue"), "b.png", "image/png")
    second = snapshot_of(camera).stored_name
    assert first != second
    assert not snapshots.file_path(first).exists() and not snapshots.file_path(first, thumb=True).exists()
    assert snapshots.file_path(second).exists()
    assert db.session.query(CameraSnapshot).filter_by(camera_id=camera.id).count() == 1


# --- what is refused --------------------------------------------------------------------

BAD = {
    "a GIF (wrong type)": (pictures.gif, "view.gif", "image/gif",
                           "This file is not a JPEG, PNG or WebP picture."),
    "a text file named .jpg": (lambda: b"just some text, not a picture\n" * 20, "view.jpg", "image/jpeg",
                               "This file is not a JPEG, PNG or WebP picture."),
    "a truncated JPEG": (pictures.truncated_jpeg, "view.jpg", "image/jpeg",
                         "The picture could not be read: the file is damaged or incomplete."),
    "a decompression bomb over our limit": (lambda: pictures.png_bomb(8000, 8000), "bomb.png", "image/png",
                                            "The picture has more than 40 million pixels."),
    "a bomb Pillow itself refuses": (lambda: pictures.png_bomb(30000, 30000), "bomb.png", "image/png",
                                     "The picture has more than 40 million pixels."),
    "an empty file": (lambda: b"", "view.jpg", "image/jpeg", "Choose a picture to attach."),
}


@pytest.mark.parametrize("what", list(BAD))
def test_a_bad_picture_is_refused_with_its_reason_and_nothing_is_stored(client, app, what):
    make, name, kind, reason = BAD[what]
    camera = factories.registration().cameras[0]
    before = stored_files(app)
    login(client, "staff")
    response = staff_attach(client, camera.id, make(), name, kind)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "The picture was not attached" in page and reason in page
    assert snapshot_of(camera) is None and stored_files(app) == before
    assert not actions("snapshot.add") or actions("snapshot.add")[-1].object_id != camera.id


def test_a_picture_over_the_byte_limit_is_refused_before_it_is_decoded(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "SNAPSHOT_MAX_BYTES", 100 * 1024)
    camera = factories.registration().cameras[0]
    before = stored_files(app)
    big = pictures.noisy_png((200, 200))  # ~120 kB: over 100 kB, within the form allowance
    assert 100 * 1024 < len(big) < 164 * 1024
    login(client, "staff")
    page = staff_attach(client, camera.id, big, "big.png", "image/png").get_data(as_text=True)
    assert "The picture was not attached: The picture is larger than 100 kB." in page
    with pytest.raises(snapshots.SnapshotRejected) as refused:
        snapshots.prepare(io.BytesIO(big), 100 * 1024, 40_000_000)
    assert refused.value.code == "too_large" and refused.value.status == 413
    assert snapshot_of(camera) is None and stored_files(app) == before
    huge = pictures.noisy_png((300, 300))  # ~270 kB: refused by its length, before it is read
    page = staff_attach(client, camera.id, huge, "huge.png", "image/png").get_data(as_text=True)
    assert "The picture was not attached: The picture is larger than 100 kB." in page
    assert snapshot_of(camera) is None and stored_files(app) == before


def test_the_ten_megabyte_default_refuses_a_larger_file(ctx):
    with pytest.raises(snapshots.SnapshotRejected) as refused:
        snapshots.prepare(io.BytesIO(b"\xff" * (10 * 1024 * 1024 + 1)), *snapshots.limits())
    assert str(refused.value) == "The picture is larger than 10 MB. Please send a smaller one."


def test_a_picture_whose_row_cannot_be_written_leaves_no_file(ctx, app):
    """The camera vanished under the upload: the row fails, and the files written for it go."""
    camera = factories.registration().cameras[0]
    prepared = snapshots.prepare(io.BytesIO(pictures.picture()), *snapshots.limits())
    db.session.commit()
    # Another request deleted it: behind this session's back.
    db.session.execute(delete(Camera).where(Camera.id == camera.id),
                       execution_options={"synchronize_session": False})
    before = stored_files(app)
    with pytest.raises((IntegrityError, ObjectDeletedError)):  # at the insert, or at re-reading the camera
        snapshots.attach(camera, prepared, by_owner=False, user=factories.user("staff"))
    assert stored_files(app) == before


def test_deleting_a_camera_removes_its_picture_files(client, app):
    registration = factories.registration(cameras=2)
    camera = registration.cameras[0]
    login(client, "staff")
    staff_attach(client, camera.id, pictures.picture())
    name = snapshot_of(camera).stored_name
    db.session.delete(camera)
    db.session.commit()
    assert not snapshots.file_path(name).exists() and not snapshots.file_path(name, thumb=True).exists()


# --- who sees it ------------------------------------------------------------------------

@pytest.fixture()
def pictured(ctx):
    """A camera of an active registration with a picture attached by staff."""
    camera = factories.registration().cameras[0]
    prepared = snapshots.prepare(io.BytesIO(pictures.picture()), *snapshots.limits())
    snapshots.attach(camera, prepared, by_owner=False, user=factories.user("staff"))
    return camera


def found_by(case, camera) -> None:
    """A recorded canvass search of the case that found the camera's premises."""
    searched(case, camera.registration)
    db.session.commit()


@pytest.mark.parametrize("user, status", [
    ("staff", 200),  # Registry Staff keep the pictures: no case needed
    # Anyone else opens a picture for a case of their agency whose canvass found the camera.
    ("investigator", 403), ("supervisor", 403), ("investigator2", 403),
    ("auditor", 403),  # no camera data
    (None, 302),  # to the sign-in page
])
def test_without_a_case_only_registry_staff_see_a_picture(client, pictured, user, status):
    if user:
        login(client, user)
    for url in (f"/cameraview/picture/{pictured.id}", f"/cameraview/picture/{pictured.id}/thumb"):
        response = client.get(url)
        assert response.status_code == status, (url, response.status_code)
        if status == 200:
            assert response.mimetype == "image/jpeg" and response.headers["Cache-Control"] == "no-store"
        if status == 403 and user != "auditor":
            assert "opens for a case" in response.get_data(as_text=True)
    assert not actions("snapshot.view") or user == "staff"


@pytest.mark.parametrize("user, agency", [("investigator", 0), ("supervisor", 0), ("investigator2", 1)])
def test_an_investigator_sees_the_picture_for_their_case_that_found_the_camera(client, pictured, user, agency):
    case = factories.case(agency_index=agency)
    found_by(case, pictured)
    login(client, user)
    for url in (f"/cameraview/picture/{pictured.id}/thumb?case_id={case.id}",
                f"/cameraview/picture/{pictured.id}?case_id={case.id}"):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert response.mimetype == "image/jpeg" and response.headers["Cache-Control"] == "no-store"


def test_a_case_that_did_not_find_the_camera_or_is_another_agencys_opens_nothing(client, pictured):
    unfound = factories.case()
    others = factories.case(agency_index=1)
    found_by(others, pictured)
    bare = factories.registration().cameras[0]  # no picture at all: answered alike
    found_by(unfound, bare)
    login(client, "investigator")
    said = set()
    for camera_id, case_id in ((pictured.id, unfound.id), (bare.id, unfound.id), (9_999_999, unfound.id)):
        for suffix in ("", "/thumb"):
            response = client.get(f"/cameraview/picture/{camera_id}{suffix}?case_id={case_id}")
            assert response.status_code == 404, (camera_id, suffix)
            said.add(re.search(r"No search of case [^<]*", response.get_data(as_text=True))
                     .group(0).replace(f"camera {camera_id} ", "camera N "))
    assert len(said) == 1  # a picture outside the case and no picture read the same
    for suffix in ("", "/thumb"):
        response = client.get(f"/cameraview/picture/{pictured.id}{suffix}?case_id={others.id}")
        assert response.status_code == 404 and others.case_number not in response.get_data(as_text=True)
    assert client.get(f"/cameraview/picture/{pictured.id}?case_id=abc").status_code == 400
    assert not actions("snapshot.view")


def test_a_withdrawn_registrations_picture_is_not_shown_to_investigators(app, client, pictured):
    case = factories.case()
    found_by(case, pictured)
    pictured.registration.status = "withdrawn"
    db.session.commit()
    login(client, "investigator")
    assert client.get(f"/cameraview/picture/{pictured.id}/thumb?case_id={case.id}").status_code == 404
    staff = signed_in(app, "staff")
    assert staff.get(f"/cameraview/picture/{pictured.id}/thumb").status_code == 200


def test_viewing_the_full_picture_is_audited_with_the_case_and_shown_to_the_owner(client, pictured):
    case = factories.case()
    found_by(case, pictured)
    login(client, "investigator")
    assert client.get(f"/cameraview/picture/{pictured.id}/thumb?case_id={case.id}").status_code == 200
    assert not actions("snapshot.view")  # thumbnails come with an audited search
    assert client.get(f"/cameraview/picture/{pictured.id}?case_id={case.id}").status_code == 200
    [event] = actions("snapshot.view")
    assert (event.object_type, event.object_id, event.purpose, event.username) == (
        "camera", pictured.id, case.case_number, "investigator")
    assert json.loads(event.detail) == {"case_id": case.id}
    log = access_log.entries(pictured.registration)
    assert [(e.action, e.purpose) for e in log][:1] == [
        ("Looked at the picture of what your camera sees", case.case_number)]
    other = factories.case(agency_index=1)
    assert client.get(f"/cameraview/picture/{pictured.id}?case_id={other.id}").status_code == 404
    assert len(actions("snapshot.view")) == 1


def test_only_registry_staff_attach_or_remove(app, client, pictured):
    login(client, "investigator")
    token = csrf_token(client, "/caseview/add")
    page = client.get(f"/cameraview/show/{pictured.id}").get_data(as_text=True)
    assert "What this camera sees" in page and "opens for a case" in page
    assert "/cameraview/picture/" not in page  # not even whether it has one
    assert "Attach" not in page and "Remove the picture" not in page
    for action in ("remove", "attach"):
        response = client.post(f"/cameraview/picture/{pictured.id}/{action}", data={"csrf_token": token})
        assert response.status_code in (302, 403) and snapshot_of(pictured) is not None
    client = signed_in(app, "staff")
    token = csrf_token(client, f"/cameraview/show/{pictured.id}")
    name = snapshot_of(pictured).stored_name
    page = client.post(f"/cameraview/picture/{pictured.id}/remove", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "Picture removed." in page and snapshot_of(pictured) is None
    assert not snapshots.file_path(name).exists()
    assert actions("snapshot.remove")[-1].object_id == pictured.id
    again = client.post(f"/cameraview/picture/{pictured.id}/remove", data={"csrf_token": token},
                        follow_redirects=True).get_data(as_text=True)
    assert "This camera has no picture to remove: it was already removed." in again


def test_the_canvass_lists_each_cameras_thumbnail(client, pictured):
    bare = factories.registration(lat=pictured.lat + 0.0002, lon=pictured.lon).cameras[0]
    case = factories.case()
    headers = api_token(client, "investigator")
    result = client.get("/api/v1/canvass/", query_string={"case_id": case.id}, headers=headers).json["result"]
    by_id = {item["camera_id"]: item for item in result}
    assert by_id[pictured.id]["thumbnail_url"] == f"/cameraview/picture/{pictured.id}/thumb?case_id={case.id}"
    assert by_id[pictured.id]["snapshot_url"] == f"/cameraview/picture/{pictured.id}?case_id={case.id}"
    assert by_id[bare.id]["thumbnail_url"] is None and by_id[bare.id]["snapshot_url"] is None
    login(client, "investigator")  # the map's page asks with its session
    thumb = client.get(by_id[pictured.id]["thumbnail_url"])
    assert thumb.status_code == 200 and max(Image.open(io.BytesIO(thumb.data)).size) <= 320


# --- the owner on the portal ------------------------------------------------------------

def _manage(registration) -> str:
    return services.notify.manage_link(registration).replace("http://localhost", "").split("?")[0]


def owner_attach(client, manage: str, camera_id: int, data: bytes, name="view.jpg", kind="image/jpeg", lang="en"):
    page = client.get(f"{manage}?lang={lang}").get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    return client.post(f"{manage}/picture/{camera_id}", data={"csrf_token": token,
                       "picture": (io.BytesIO(data), name, kind)}, content_type="multipart/form-data")


def test_an_owner_attaches_sees_and_removes_a_picture(client, app):
    registration = factories.registration(cameras=2)
    camera = sorted(registration.cameras, key=lambda c: c.id)[1]
    manage = _manage(registration)
    page = client.get(manage + "?lang=en").get_data(as_text=True)
    assert "Pictures of what your cameras see" in page and 'accept="image/jpeg,image/png,image/webp"' in page
    response = owner_attach(client, manage, camera.id, pictures.picture("WEBP"), "mine.webp", "image/webp")
    assert response.status_code == 302 and response.location.endswith(f"#picture-{camera.id}")
    page = client.get(manage).get_data(as_text=True)
    assert "Picture saved. We removed its location data" in page
    assert f"{manage}/picture/{camera.id}/thumb" in page
    thumb = client.get(f"{manage}/picture/{camera.id}/thumb")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    snapshot = snapshot_of(camera)
    assert snapshot.added_by == "owner"
    assert actions("portal.snapshot_added")[-1].object_id == camera.id
    # The owner's own steps are not accesses by an agency.
    assert not [e for e in access_log.entries(registration) if "picture" in e.action]
    token = CSRF_RE.search(page).group(1)
    response = client.post(f"{manage}/picture/{camera.id}/remove", data={"csrf_token": token})
    assert response.status_code == 302 and snapshot_of(camera) is None
    assert not snapshots.file_path(snapshot.stored_name).exists()
    assert "Picture removed." in client.get(manage).get_data(as_text=True)
    # The same button pressed again in another tab: said, not a silent reload.
    client.post(f"{manage}/picture/{camera.id}/remove", data={"csrf_token": token})
    assert "it was already removed" in client.get(manage).get_data(as_text=True)


@pytest.mark.parametrize("lang, reason", [
    ("en", "This file is not a JPEG, PNG or WebP picture."),
    ("es", "Este archivo no es una imagen JPEG, PNG ni WebP."),
])
def test_an_owner_is_told_in_their_language_why_a_picture_was_refused(client, app, lang, reason):
    registration = factories.registration()
    camera = registration.cameras[0]
    before = stored_files(app)
    response = owner_attach(client, _manage(registration), camera.id, b"%PDF-1.4 not a picture",
                            "photo.jpg", "image/jpeg", lang=lang)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert reason in page and 'aria-invalid="true"' in page
    assert snapshot_of(camera) is None and stored_files(app) == before


def test_an_owner_is_told_when_the_picture_is_too_large(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "SNAPSHOT_MAX_BYTES", 1024 * 1024)
    registration = factories.registration()
    camera = registration.cameras[0]
    response = owner_attach(client, _manage(registration), camera.id, b"\xff" * (1024 * 1024 + 100 * 1024),
                            lang="es")
    assert response.status_code == 413
    assert "La imagen ocupa más de 1 MB" in response.get_data(as_text=True)
    assert snapshot_of(camera) is None


def test_an_owner_cannot_touch_another_registrations_camera(client):
    mine, theirs = factories.registration(), factories.registration()
    manage = _manage(mine)
    response = owner_attach(client, manage, theirs.cameras[0].id, pictures.picture())
    assert response.status_code == 404 and snapshot_of(theirs.cameras[0]) is None
    assert client.get(f"{manage}/picture/{theirs.cameras[0].id}/thumb").status_code == 404
    assert client.get(f"/register/manage/forged/picture/{mine.cameras[0].id}/thumb").status_code == 400


def test_withdrawing_removes_the_pictures(client, app):
    registration = factories.registration()
    camera = registration.cameras[0]
    manage = _manage(registration)
    owner_attach(client, manage, camera.id, pictures.picture())
    name = snapshot_of(camera).stored_name
    token = services.notify.manage_link(registration).split("?")[0].rsplit("/", 1)[1]
    assert services.withdraw(token) is True
    assert not snapshots.file_path(name).exists() and not snapshots.file_path(name, thumb=True).exists()


def test_a_truncated_picture_is_refused_even_after_the_pdf_reports_loosened_pillow(ctx):
    """WeasyPrint turns Pillow's LOAD_TRUNCATED_IMAGES on for the whole process when imported."""
    import weasyprint  # noqa: F401
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    with pytest.raises(snapshots.SnapshotRejected) as refused:
        snapshots.prepare(io.BytesIO(pictures.truncated_jpeg()), *snapshots.limits())
    assert refused.value.code == "broken"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # left as the reports need it
