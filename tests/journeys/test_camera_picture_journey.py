"""Camera pictures in a real browser: an owner on a phone attaches one from their management
page (and is told in Spanish why a wrong file is refused); an investigator sees its thumbnail
in the canvass list and the map popup, and opening the full picture is audited with the case."""
import io

from PIL import Image
from sqlalchemy import select

from backoffice import snapshots
from backoffice.extensions import db
from backoffice.models import Camera, CameraSnapshot, Registration
from backoffice.portal.notify import manage_link
from tests import factories, pictures
from tests.browser import PHONE, needs_chromium, shoot
from tests.journeys.cases_kit import audit_events, in_db, offset, unique_case_number

pytestmark = needs_chromium
SCENE = (35.3410, -119.1010)  # away from where other tests put their cameras


def _manage_path(app, registration_id: int, lang: str = "en") -> str:
    def read():
        link = manage_link(db.session.get(Registration, registration_id))
        db.session.commit()  # the lifecycle (and the link's stamp) made for a premises staff entered
        return link.replace(app.config["PUBLIC_BASE_URL"], "").split("?")[0] + f"?lang={lang}"
    return in_db(app, read)


def _snapshot(app, camera_id: int) -> dict | None:
    def read():
        found = db.session.scalar(select(CameraSnapshot).where(CameraSnapshot.camera_id == camera_id))
        return None if found is None else {"name": found.stored_name, "by": found.added_by}
    return in_db(app, read)


def _camera_ids(app, registration_id: int) -> list[int]:
    return in_db(app, lambda: sorted(db.session.scalars(
        select(Camera.id).where(Camera.registration_id == registration_id))))


def test_an_owner_attaches_a_picture_on_a_phone(journey, app, tmp_path):
    reg_id = journey.premises(offset(SCENE, north_m=300), [
        {"label": "Front door", "direction_deg": 180}, {"label": "Driveway", "direction_deg": 90}])
    front, driveway = _camera_ids(app, reg_id)
    photo = tmp_path / "IMG_2041.jpg"
    photo.write_bytes(pictures.picture("JPEG", (4032, 3024)))  # a phone camera's size, GPS in EXIF
    text = tmp_path / "notes.jpg"
    text.write_text("not a picture at all")
    # A phone of its own beside the journey's desktop page (same browser, separate cookies).
    phone = journey.page.context.browser.new_context(**PHONE, locale="en-US", timezone_id=app.config["TIMEZONE"])
    page = phone.new_page()
    page.set_default_timeout(15_000)
    try:
        # A wrong file first, in Spanish: told why, by the camera, nothing kept.
        page.goto(journey.base + _manage_path(app, reg_id, "es"))
        shoot(page, "snapshot-owner-page-es")
        page.locator(f"#picture-file-{driveway}").set_input_files(str(text))
        page.locator(f"#picture-{driveway}").get_by_role("button", name="Guardar imagen").click()
        page.wait_for_load_state()
        refused = page.get_by_text("Este archivo no es una imagen JPEG, PNG ni WebP.")
        refused.wait_for()
        assert _snapshot(app, driveway) is None
        # Said where the phone's screen is, not thousands of pixels below it.
        page.wait_for_function("e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }",
                               arg=refused.element_handle())
        shoot(page, "snapshot-owner-refused-es")
        # Details typed and not saved are not lost to a picture's reload: the owner is told first.
        page.goto(journey.base + _manage_path(app, reg_id, "es"))
        typed = page.locator("#phone")
        typed.fill("661-555-0111")
        page.locator(f"#picture-file-{driveway}").set_input_files(str(photo))
        page.locator(f"#picture-{driveway}").get_by_role("button", name="Guardar imagen").click()
        page.locator(f"#picture-{driveway} .unsaved-note").get_by_text("Pulse primero «Guardar cambios»").wait_for()
        assert typed.input_value() == "661-555-0111" and _snapshot(app, driveway) is None
        shoot(page, "snapshot-owner-unsaved-es")
        # Then a real photo, in English.
        page.goto(journey.base + _manage_path(app, reg_id, "en"))
        section = page.locator(f"#picture-{front}")
        section.scroll_into_view_if_needed()
        assert "No picture yet." in section.inner_text()
        page.get_by_label("Picture of Front door").set_input_files(str(photo))
        section.get_by_role("button", name="Save picture").click()
        page.get_by_text("Picture saved. We removed its location data").wait_for()
        thumb = page.locator(f"#picture-{front} img.picture-thumb")
        thumb.wait_for()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
        assert page.evaluate("img => img.naturalWidth", thumb.element_handle()) == 320
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # fits the phone
        thumb.scroll_into_view_if_needed()
        shoot(page, "snapshot-owner-attached")
    finally:
        phone.close()
    kept = _snapshot(app, front)
    assert kept["by"] == "owner"
    with app.app_context():
        data = snapshots.file_path(kept["name"]).read_bytes()
    image = Image.open(io.BytesIO(data))
    assert image.size == (2048, 1536) and not image.getexif() and pictures.MODEL.encode() not in data


def test_an_investigator_sees_the_thumbnail_in_the_canvass_list_and_popup(journey, app):
    reg_id = journey.premises(offset(SCENE, east_m=-40), [{"label": "Porch", "direction_deg": 90}])
    [camera_id] = _camera_ids(app, reg_id)
    number = unique_case_number("PIC")
    with app.app_context():
        camera = db.session.get(Camera, camera_id)
        prepared = snapshots.prepare(io.BytesIO(pictures.picture("PNG", (1200, 800), "darkorange")),
                                     *snapshots.limits())
        snapshots.attach(camera, prepared, by_owner=True)
        case = factories.case(case_number=number)
        case.set_location(*SCENE)
        db.session.commit()
        case_id = case.id
        db.session.remove()
    page = journey.page
    journey.sign_in("investigator")
    page.goto(f"{journey.base}/map/?case_id={case_id}")
    page.get_by_role("button", name="Search").click()
    row = page.locator("#canvass-list tbody tr").filter(has_text="Porch")
    row.wait_for()
    thumb = row.locator("img")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    assert thumb.get_attribute("alt") == "What Porch sees"
    journey.shoot("snapshot-canvass-list")
    # The numbered marker's popup shows the same picture.
    page.locator(".cam-number").first.click()
    popup = page.locator(".leaflet-popup-content .cam-popup")
    popup.wait_for()
    assert "Porch" in popup.inner_text()
    popup_img = popup.locator("img")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=popup_img.element_handle())
    journey.shoot("snapshot-map-popup")
    # Opening the full picture: audited with the case.
    with page.context.expect_page() as opened:
        popup.locator("a").click()
    full = opened.value
    full.wait_for_load_state()
    assert full.evaluate("document.images[0].naturalWidth") == 1200
    full.close()
    [event] = audit_events(app, "snapshot.view", purpose=number)
    assert (event["username"], event["object_type"], event["object_id"]) == ("investigator", "camera", camera_id)
    # The same picture without the case, or for a case whose canvass did not find it: nothing.
    bare = page.goto(f"{journey.base}/cameraview/picture/{camera_id}")
    assert bare.status == 403 and "opens for a case" in page.inner_text("body")
    journey.shoot("snapshot-without-case")
    with app.app_context():
        other = factories.case(case_number=unique_case_number("PIC"))
        db.session.commit()
        other_id = other.id
        db.session.remove()
    unfound = page.goto(f"{journey.base}/cameraview/picture/{camera_id}/thumb?case_id={other_id}")
    assert unfound.status == 404
    assert len(audit_events(app, "snapshot.view", purpose=number)) == 1
