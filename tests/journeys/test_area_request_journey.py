"""An investigator canvasses the map around a scene and, in one step, asks every owner found;
one owner (Spanish-speaking) opens the e-mailed link on a phone and answers "I have footage",
uploads it, and the case page shows who was asked, who answered what and when."""
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select

from backoffice.extensions import db
from backoffice.models import AreaRecipient, AreaRequest, Case, FootageRequest, OutboxMessage, Registration
from tests import factories
from tests.browser import PHONE, needs_chromium, shoot
from tests.journeys.cases_kit import in_db, offset, unique_case_number
from tests.mailbox import body_text
from tests.workflows.helpers import searched
from workflows import area_request as area_cmd

pytestmark = needs_chromium
SCENE = (35.3012, -118.9540)


def forget_area_requests(app, case_number: str) -> None:
    """What the journey's area request wrote (the journey's own clean-up removes the rest)."""
    def drop():
        case_ids = select(Case.id).where(Case.case_number == case_number)
        areas = select(AreaRequest.id).where(AreaRequest.case_id.in_(case_ids))
        recipients = list(db.session.scalars(select(AreaRecipient.id).where(AreaRecipient.area_request_id.in_(areas))))
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.object_type == "area_recipient",
                                                       OutboxMessage.object_id.in_(recipients or [-1])))
        db.session.execute(delete(AreaRecipient).where(AreaRecipient.area_request_id.in_(areas)))
        db.session.execute(delete(AreaRequest).where(AreaRequest.case_id.in_(case_ids)))
        db.session.commit()
    in_db(app, drop)


def searched_premises(journey, app, number: str) -> tuple[int, int]:
    """A premises with a camera by the scene and a robbery case (number) whose search found it:
    (registration id, case id), committed."""
    reg = journey.premises(offset(SCENE, north_m=20), [{"label": "Gate", "direction_deg": 90}])

    def make_case():
        user = factories.user("investigator")
        case = factories.case(0, case_number=number, incident_type="robbery", lead_investigator_id=user.id)
        case.set_location(*SCENE)
        searched(case, db.session.get(Registration, reg), user=user)
        db.session.commit()
        return case.id
    return reg, in_db(app, make_case)


def test_an_investigator_asks_the_area_and_an_owner_answers_on_a_phone(journey, app, mailbox, tmp_path):
    page = journey.page
    number = unique_case_number("AREA")
    spanish = journey.premises(offset(SCENE, north_m=40), [{"label": "Porche", "direction_deg": 180}],
                               language="es", preferred_contact="email")
    english = journey.premises(offset(SCENE, east_m=60), [{"label": "Garage", "direction_deg": 270}])
    no_mail = journey.premises(offset(SCENE, north_m=-50), [{"label": "Door", "direction_deg": 0}], email=None)

    def make_case():
        now = datetime.now(timezone.utc)
        user = factories.user("investigator")
        user.notify_by_email = True
        case = factories.case(0, case_number=number, incident_type="robbery", lead_investigator_id=user.id,
                              occurred_from=now - timedelta(hours=5), occurred_to=now - timedelta(hours=4))
        case.set_location(*SCENE)
        db.session.commit()
        return case.id, user.email
    case_id, investigator_email = in_db(app, make_case)
    try:
        journey.sign_in("investigator")
        page.goto(f"{journey.base}/map/?case_id={case_id}")
        with page.expect_response(lambda r: "/api/v1/canvass/?" in r.url) as answer:
            page.get_by_role("button", name="Search").click()
        assert answer.value.status == 200
        page.locator("#canvass-list tbody tr").first.wait_for()
        ask = page.get_by_role("link", name=re.compile(r"Ask the owners in this area \(3\)"))
        ask.wait_for()
        journey.shoot("area-01-map-results")
        ask.click()
        page.wait_for_url("**/area-requests/new?**")
        assert page.locator("#area-premises li").count() == 3
        page.get_by_label("What you are looking for").fill("A man in a red jacket running north on Journey Avenue")
        journey.shoot("area-02-form")
        page.get_by_role("button", name="Ask these owners").click()
        page.wait_for_url(f"**/caseview/show/{case_id}**")
        assert "2 owners e-mailed, 1 without e-mail to call or visit" in page.inner_text("body")
        rows = page.locator("#area-requests table.area-recipients tbody tr")
        assert rows.count() == 3
        no_mail_row = page.locator(f"#area-requests tr[data-registration='{no_mail}']")
        assert "no e-mail: call or visit" in no_mail_row.inner_text()
        journey.shoot("area-03-case-asked")

        owner_email = in_db(app, lambda: db.session.scalars(select(AreaRecipient).where(
            AreaRecipient.registration_id == spanish)).one().registration.owner.email)
        [mail] = mailbox.to(owner_email)
        assert "grabaciones" in body_text(mail) and "red jacket" in body_text(mail)
        link = re.search(r"http://localhost(/area/\S+)", body_text(mail)).group(1)
        assert link.endswith("?lang=es")

        phone = page.context.browser.new_context(**PHONE, locale="en-US", timezone_id=app.config["TIMEZONE"])
        owner = phone.new_page()
        owner.goto(journey.base + link)
        owner.get_by_role("heading", name="¿Sus cámaras grabaron algo?").wait_for()
        assert "red jacket" in owner.locator("#area-description").inner_text()
        shoot(owner, "area-04-owner-phone-question")
        owner.get_by_role("button", name="Tengo grabaciones").click()
        owner.get_by_role("heading", name="Suba las grabaciones solicitadas").wait_for()
        shoot(owner, "area-05-owner-phone-upload")
        footage = tmp_path / "porche.mp4"
        footage.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"porch " * 5000)
        owner.get_by_label("Archivo de grabación").set_input_files(str(footage))
        owner.get_by_label("Qué muestra (cámara, hora)").fill("Cámara del porche")
        declaration = owner.locator("#declaration")
        declaration.get_by_label("Mi grabador no muestra ningún reloj.").check()
        declaration.get_by_label("El archivo que envío es una copia sin alterar exportada del grabador",
                                 exact=False).check()
        # The consent given through the area request's link covers evidence use only.
        assert declaration.get_by_label("Doy mi consentimiento para que estas grabaciones se usen solo como prueba.").is_checked()
        owner.get_by_role("button", name="Subir").click()
        owner.locator("#upload-done").wait_for()
        # Numbers as US Spanish writes them, like the dates beside them (not Spain's "29,3 KB").
        assert "29.3 KB (30,012 bytes)" in owner.locator("#upload-done").inner_text()
        owner.goto(journey.base + link)  # the link again: answered, nothing changes
        owner.get_by_text("Esta solicitud ya fue respondida.").wait_for()
        shoot(owner, "area-06-owner-phone-link-again")
        phone.close()

        def request_of_premises():
            request = db.session.scalars(select(FootageRequest).where(
                FootageRequest.case_id == case_id, FootageRequest.registration_id == spanish)).one()
            return request.id, request.state, request.consent_given_by
        request_id, state, consent_by = in_db(app, request_of_premises)
        assert state == "consented" and consent_by
        subjects = [m["Subject"] for m in mailbox.to(investigator_email)]
        assert any("has footage" in s for s in subjects) and any("uploaded" in s for s in subjects), subjects

        page.goto(journey.base + "/")
        news = page.locator("section.work-panel", has_text="News on your requests").inner_text()
        assert f"#{request_id} · the owner has footage (answer to an area request)" in news, news
        page.goto(f"{journey.base}/caseview/show/{case_id}")
        answered = page.locator(f"#area-requests tr[data-registration='{spanish}']")
        assert "I have footage" in answered.inner_text() and f"#{request_id}" in answered.inner_text()
        assert "not answered" in page.locator(f"#area-requests tr[data-registration='{english}']").inner_text()
        counts = page.locator("#area-requests .area-counts").inner_text()
        assert "1 have footage (1 with files received)" in counts and "2 not answered" in counts  # the e-mailed one, the one to call
        assert "1 file received" in answered.inner_text()  # the upload arrived, seen without opening it
        page.locator("#area-requests").scroll_into_view_if_needed()
        journey.shoot("area-07-case-answered")
    finally:
        forget_area_requests(app, number)


def test_the_investigator_records_what_owners_without_email_answered(journey, app, mailbox):
    """Two owners without e-mail, one visited (has footage), one phoned (nothing): their answers
    are recorded on the case page, counted, and the footage request has the owner's consent."""
    page = journey.page
    number = unique_case_number("AREAF")
    visited = journey.premises(offset(SCENE, north_m=30), [{"label": "Gate", "direction_deg": 90}], email=None)
    phoned = journey.premises(offset(SCENE, east_m=-30), [{"label": "Yard", "direction_deg": 0}], email=None)

    def ask():
        now = datetime.now(timezone.utc)
        user = factories.user("investigator")
        case = factories.case(0, case_number=number, incident_type="robbery", lead_investigator_id=user.id,
                              occurred_from=now - timedelta(hours=5), occurred_to=now - timedelta(hours=4))
        case.set_location(*SCENE)
        registrations = [db.session.get(Registration, i) for i in (visited, phoned)]
        searched(case, *registrations, user=user)
        db.session.commit()
        area_cmd.ask_area(case.id, [visited, phoned], user, description="A blue hatchback parked with its lights off")
        return case.id
    case_id = in_db(app, ask)
    try:
        journey.sign_in("investigator")
        page.goto(f"{journey.base}/caseview/show/{case_id}")
        counts = page.locator("#area-requests .area-counts")
        assert "2 not answered" in counts.inner_text()
        row = page.locator(f"#area-requests tr[data-registration='{visited}']")
        row.get_by_label("The owner's answer").select_option(label="I have footage")
        row.get_by_label("How you reached them").select_option(label="at the door")
        journey.shoot("area-followup-01-recording")
        row.get_by_role("button", name="Record the answer").click()
        page.wait_for_url(f"**/caseview/show/{case_id}#area-request-*")
        body = page.inner_text("body")
        assert "recorded: I have footage. Footage request" in body and "has the owner's consent" in body
        assert "as evidence only; if they agreed to more, record it on the request" in body  # said, not silent
        row = page.locator(f"#area-requests tr[data-registration='{visited}']")
        assert "no file yet" in row.inner_text()  # consent by phone; the footage is still to collect
        assert "I have footage" in row.inner_text() and "at the door, recorded by" in row.inner_text()
        assert row.locator("form").count() == 0  # recorded once; it stands

        row = page.locator(f"#area-requests tr[data-registration='{phoned}']")
        row.get_by_label("The owner's answer").select_option(label="Nothing from that time")
        row.get_by_label("How you reached them").select_option(label="by phone")
        row.get_by_role("button", name="Record the answer").click()
        page.wait_for_url(f"**/caseview/show/{case_id}#area-request-*")
        counts = page.locator("#area-requests .area-counts").inner_text()
        assert "1 have footage" in counts and "1 nothing" in counts and "0 not answered" in counts, counts
        assert "2 answered by phone or at the door" in counts
        page.locator("#area-requests").scroll_into_view_if_needed()
        journey.shoot("area-followup-02-recorded")

        def stored():
            rows = {r.registration_id: r for r in db.session.scalars(select(AreaRecipient).where(
                AreaRecipient.registration_id.in_([visited, phoned])))}
            request = rows[visited].footage_request
            return ({k: (r.answer, r.reached_by, r.recorded_by.username) for k, r in rows.items()},
                    (request.state, request.consent_method, request.consent_given_by is not None))
        answers, request = in_db(app, stored)
        assert answers == {visited: ("footage", "visit", "investigator"), phoned: ("nothing", "phone", "investigator")}
        assert request == ("consented", "in_person", True)
    finally:
        forget_area_requests(app, number)


def test_owners_who_were_emailed_and_then_talked_to_have_their_answers_recorded(journey, app, mailbox):
    """One e-mailed owner phoned back instead of pressing the link; another pressed "please
    contact me" and was called. Both answers are recorded from the case page, and the call's
    answer takes the place of "please contact me"."""
    page = journey.page
    number = unique_case_number("AREAC")
    called_back = journey.premises(offset(SCENE, north_m=25), [{"label": "Porch", "direction_deg": 180}])
    asked_for_call = journey.premises(offset(SCENE, east_m=25), [{"label": "Drive", "direction_deg": 270}])
    emails = in_db(app, lambda: {i: db.session.get(Registration, i).owner.email for i in (called_back, asked_for_call)})

    def ask():
        now = datetime.now(timezone.utc)
        user = factories.user("investigator")
        case = factories.case(0, case_number=number, incident_type="burglary", lead_investigator_id=user.id,
                              occurred_from=now - timedelta(hours=3), occurred_to=now - timedelta(hours=2))
        case.set_location(*SCENE)
        searched(case, *[db.session.get(Registration, i) for i in (called_back, asked_for_call)], user=user)
        db.session.commit()
        area_cmd.ask_area(case.id, [called_back, asked_for_call], user, description="Two people with a ladder")
        return case.id
    case_id = in_db(app, ask)
    try:
        [mail] = mailbox.to(emails[asked_for_call])
        token = re.search(r"http://localhost/area/([^/?\s]+)", body_text(mail)).group(1)
        in_db(app, lambda: area_cmd.answer(token, "contact_me"))
        journey.sign_in("investigator")
        page.goto(f"{journey.base}/caseview/show/{case_id}")

        row = page.locator(f"#area-requests tr[data-registration='{called_back}']")
        assert row.get_by_label("The owner's answer").is_hidden()  # folded: most e-mailed owners answer by link
        page.locator("#area-requests").scroll_into_view_if_needed()
        journey.shoot("area-callback-00-folded")
        row.get_by_text("They called back? Record their answer").click()
        row.get_by_label("The owner's answer").select_option(label="Nothing from that time")
        row.get_by_label("How you reached them").select_option(label="by phone")
        row.get_by_role("button", name="Record the answer").click()
        page.wait_for_url(f"**/caseview/show/{case_id}#area-request-*")

        row = page.locator(f"#area-requests tr[data-registration='{asked_for_call}']")
        assert "Please contact me" in row.inner_text()
        row.get_by_text("Record what they said when you called").click()
        row.get_by_label("The owner's answer").select_option(label="I have footage")
        row.get_by_label("How you reached them").select_option(label="by phone")
        journey.shoot("area-callback-01-recording")
        row.get_by_role("button", name="Record the answer").click()
        page.wait_for_url(f"**/caseview/show/{case_id}#area-request-*")
        assert "has the owner's consent" in page.inner_text("body")
        counts = page.locator("#area-requests .area-counts").inner_text()
        assert "1 have footage" in counts and "1 nothing" in counts and "0 want a call" in counts, counts
        for registration in (called_back, asked_for_call):  # each answer now stands
            assert page.locator(f"#area-requests tr[data-registration='{registration}'] form").count() == 0
        page.locator("#area-requests").scroll_into_view_if_needed()
        journey.shoot("area-callback-02-recorded")

        def stored():
            rows = {r.registration_id: r for r in db.session.scalars(select(AreaRecipient).where(
                AreaRecipient.registration_id.in_([called_back, asked_for_call])))}
            return {k: (r.channel, r.answer, r.reached_by, r.footage_request_id is not None) for k, r in rows.items()}
        assert in_db(app, stored) == {called_back: ("email", "nothing", "phone", False),
                                      asked_for_call: ("email", "footage", "phone", True)}
    finally:
        forget_area_requests(app, number)


def test_a_time_in_the_repeated_hour_asks_which_one_and_keeps_what_was_typed(journey, app, mailbox):
    """The window's start typed in the fall-back night's repeated hour: the form says so, keeps
    the description, the premises and both times as typed, offers the two readings, and asks
    with the one chosen."""
    page = journey.page
    number = unique_case_number("AREAD")
    reg, case_id = searched_premises(journey, app, number)
    try:
        journey.sign_in("investigator")
        page.goto(f"{journey.base}/area-requests/new?case_id={case_id}&registration_ids={reg}")
        page.get_by_label("What you are looking for").fill("A grey van reversing out of the alley")
        page.locator("#since").fill("2026-11-01T01:30")
        page.locator("#until").fill("2026-11-01T03:00")
        page.get_by_role("button", name="Ask these owners").click()
        page.locator("#area-error").wait_for()
        assert "happens twice" in page.locator("#area-error").inner_text()
        assert page.get_by_label("What you are looking for").input_value() == "A grey van reversing out of the alley"
        assert page.locator("#since").input_value() == "2026-11-01T01:30"
        assert page.locator("#until").input_value() == "2026-11-01T03:00"
        assert page.locator("#area-premises li").count() == 1
        journey.shoot("area-repeated-hour-01-which-one")
        page.get_by_label(re.compile(r"1:30 AM PST \(second\)")).check()
        page.get_by_role("button", name="Ask these owners").click()
        page.wait_for_url(f"**/caseview/show/{case_id}**")

        def window():
            area = db.session.scalars(select(AreaRequest).where(AreaRequest.case_id == case_id)).one()
            return area.window_from.replace(tzinfo=timezone.utc), area.description
        start, description = in_db(app, window)
        assert start == datetime(2026, 11, 1, 9, 30, tzinfo=timezone.utc)  # 1:30 AM PST
        assert description == "A grey van reversing out of the alley"
    finally:
        forget_area_requests(app, number)


def test_a_window_in_the_future_is_refused_keeping_what_was_typed(journey, app, mailbox):
    """Owners asked for tomorrow night's footage can only answer "nothing" or send the wrong
    file: the form says why, keeps the description and the times, and asks nobody."""
    page = journey.page
    number = unique_case_number("AREAT")
    reg, case_id = searched_premises(journey, app, number)
    tomorrow = (datetime.now(ZoneInfo(app.config["TIMEZONE"])) + timedelta(days=1)).strftime("%Y-%m-%d")
    try:
        journey.sign_in("investigator")
        page.goto(f"{journey.base}/area-requests/new?case_id={case_id}&registration_ids={reg}")
        # A long text pasted is cut at the field's limit by the browser: the form says so.
        described = page.get_by_label("What you are looking for")
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=journey.base)
        page.evaluate("text => navigator.clipboard.writeText(text)", "A ladder. " * 500)
        described.click()
        page.keyboard.press("Control+V")
        cut = page.locator("#description-cut")
        cut.wait_for()
        assert "at most 1,000 characters: the last 4,000 characters" in cut.inner_text()
        assert len(described.input_value()) == 1000
        described.fill("Two people with a ladder")
        page.locator("#since").fill(f"{tomorrow}T22:00")
        page.locator("#until").fill(f"{tomorrow}T23:00")
        page.get_by_role("button", name="Ask these owners").click()
        page.locator("#area-error").wait_for()
        assert "starts in the future" in page.locator("#area-error").inner_text()
        assert page.get_by_label("What you are looking for").input_value() == "Two people with a ladder"
        assert page.locator("#since").input_value() == f"{tomorrow}T22:00"
        assert page.locator("#until").input_value() == f"{tomorrow}T23:00"
        journey.shoot("area-future-window-01-refused")
        assert in_db(app, lambda: db.session.scalars(select(AreaRequest).where(AreaRequest.case_id == case_id)).all()) == []
    finally:
        forget_area_requests(app, number)


def test_premises_already_asked_are_marked_before_anything_is_typed(journey, app, mailbox):
    """Asking the same premises again for the case: the form says so at once, by the premises,
    and offers no send, instead of refusing only after the description was typed."""
    page = journey.page
    number = unique_case_number("AREAA")
    reg, case_id = searched_premises(journey, app, number)
    area_id = in_db(app, lambda: area_cmd.ask_area(case_id, [reg], factories.user("investigator"),
                                                   description="Two people with a ladder").area_request.id)
    try:
        journey.sign_in("investigator")
        page.goto(f"{journey.base}/area-requests/new?case_id={case_id}&registration_ids={reg}")
        premises = page.locator("#area-premises li").inner_text()
        assert f"already asked for this case (area request {area_id}): not asked again" in premises
        assert page.locator("#area-nobody-new").is_visible()
        assert page.get_by_role("button", name="Ask these owners").is_disabled()
        journey.shoot("area-already-asked")
    finally:
        forget_area_requests(app, number)


def test_an_owner_who_answers_in_spanish_uploads_in_spanish_and_a_long_description_fits_the_phone(
        journey, app, mailbox):
    """The owner's e-mail is English; on the phone they switch the page to Español and answer
    "Tengo grabaciones": the upload page follows them in Spanish. A description with a long web
    address wraps within the phone's width."""
    number = unique_case_number("AREAL")
    reg = journey.premises(offset(SCENE, north_m=25), [{"label": "Porch", "direction_deg": 180}])
    address = "https://county.example.gov/bulletins/" + "suspect-vehicle-grey-van-" * 8 + "photo.jpg"

    def ask():
        user = factories.user("investigator")
        case = factories.case(0, case_number=number, incident_type="robbery", lead_investigator_id=user.id)
        case.set_location(*SCENE)
        registration = db.session.get(Registration, reg)
        searched(case, registration, user=user)
        db.session.commit()
        area_cmd.ask_area(case.id, [reg], user, description=f"The van in this picture: {address}")
        return registration.owner.email
    owner_email = in_db(app, ask)
    try:
        [mail] = mailbox.to(owner_email)
        link = re.search(r"http://localhost(/area/\S+)", body_text(mail)).group(1)
        assert link.endswith("?lang=en")
        phone = journey.page.context.browser.new_context(**PHONE, locale="en-US", timezone_id=app.config["TIMEZONE"])
        owner = phone.new_page()
        owner.goto(journey.base + link)
        owner.get_by_role("link", name="Español").click()
        owner.get_by_role("heading", name="¿Sus cámaras grabaron algo?").wait_for()
        widths = owner.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        shoot(owner, "area-long-description-phone")
        assert widths[0] <= widths[1], widths
        owner.get_by_role("button", name="Tengo grabaciones").click()
        owner.get_by_role("heading", name="Suba las grabaciones solicitadas").wait_for()
        assert owner.locator("html").get_attribute("lang") == "es"
        shoot(owner, "area-answered-in-spanish-upload")
        phone.close()
    finally:
        forget_area_requests(app, number)
