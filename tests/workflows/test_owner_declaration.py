"""The owner's declaration at upload: checked before anything is kept, bound to the file's
SHA-256, written once (the database itself refuses a change or a delete), the recorder's clock
offset worked out in county time, the consent narrowed when the owner says evidence only."""
import hashlib
import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import exc, func, select, text

from backoffice.extensions import db
from backoffice.models import AuditEvent, DeclarationWriteOnce, EvidenceItem, OwnerDeclaration, UploadLink
from tests import factories
from tests.auth import api_token, login
from tests.reports.test_receipt import pdf_text
from tests.workflows.helpers import DECLARATION_FIELDS, request_in
from tests.workflows.test_owner_upload import link_path, owner_posts
from workflows import declarations
from workflows import footage_request as wf
from workflows import owner_upload
from workflows.machine import needs_override

UTC = timezone.utc


def _link(ctx, mailbox, request, language: str | None = None) -> str:
    if language:
        request.registration.owner.language = language
        db.session.commit()
    owner_upload.issue_link(request.id, factories.user("investigator"))
    return link_path(mailbox, request.registration.owner.email)


def _declared(ctx, mailbox, request=None, **form) -> OwnerDeclaration:
    request = request or request_in("consented", evidence=False)
    done = owner_posts(ctx.test_client(), _link(ctx, mailbox, request), b"porch footage", **form)
    assert done.status_code == 200, done.get_data(as_text=True)
    item = db.session.scalars(select(EvidenceItem).where(EvidenceItem.footage_request_id == request.id)).one()
    return item.owner_declaration


# --- the recorder's clock -------------------------------------------------------------------

@pytest.mark.parametrize("true_utc, shows, offset", [
    # 1 Nov 2026: the county's clocks go back from 2:00 PDT to 1:00 PST.
    ("2026-11-01T09:30:00", "2026-11-01T02:30:00", 3600),   # 1:30 PST; the recorder never went back
    ("2026-11-01T08:30:00", "2026-11-01T01:30:00", 0),      # first 1:30 (PDT), in step
    ("2026-11-01T09:30:00", "2026-11-01T01:30:00", 0),      # second 1:30 (PST), in step
    # 8 Mar 2026: from 2:00 PST to 3:00 PDT; 2:30 never happens in the county.
    ("2026-03-08T10:30:00", "2026-03-08T02:30:00", -3600),  # 3:30 PDT; the recorder never went forward
    ("2026-03-08T10:30:00", "2026-03-08T03:32:05", 125),    # in summer time, 2 min 5 s fast
    ("2026-12-01T18:00:00", "2000-01-01T00:00:00",  # reset to its factory date; 10 AM PST
     -int((datetime(2026, 12, 1, 10) - datetime(2000, 1, 1)).total_seconds())),
])
def test_the_offset_is_recorder_wall_clock_less_county_wall_clock_across_daylight_saving(ctx, true_utc, shows, offset):
    assert ctx.config["TIMEZONE"] == "America/Los_Angeles"
    read_at = datetime.fromisoformat(true_utc).replace(tzinfo=UTC)
    assert declarations.clock_offset(declarations.parse_reading(shows), read_at) == offset


def test_the_moment_of_reading_is_server_time_less_the_wait_the_browser_measured(ctx):
    request = request_in("consented", evidence=False)
    received = datetime(2026, 11, 1, 9, 30, 10, tzinfo=UTC)  # 1:30:10 AM PST, after the change
    form = declarations.DeclarationForm(  # the phone's own clock is a day wrong: only the wait counts
        clock_reading="2026-11-01T02:30:00", unaltered=True, consent_scope="media_release",
        browser_read_ms="1790000000000", browser_sent_ms="1790000010000")
    checked = declarations.check(form, request, received, "en")
    assert (checked.read_at, checked.read_at_source) == (datetime(2026, 11, 1, 9, 30, tzinfo=UTC), "browser")
    assert checked.clock_offset_s == 3600
    for read_ms, sent_ms in (("", ""), ("abc", "1"), ("5000", "1000"), ("0", str(25 * 3600 * 1000))):
        fallback = declarations.check(
            declarations.DeclarationForm(clock_reading="2026-11-01T01:30:10", unaltered=True,
                                         consent_scope="evidence_only", browser_read_ms=read_ms,
                                         browser_sent_ms=sent_ms), request, received, "en")
        assert (fallback.read_at, fallback.read_at_source, fallback.clock_offset_s) == (received, "server", 0)


def test_without_the_pages_script_the_server_time_of_the_request_is_the_moment(ctx, mailbox):
    before = datetime.now(UTC)
    declaration = _declared(ctx, mailbox)  # DECLARATION_FIELDS: no browser times
    assert declaration.read_at_source == "server" and declaration.read_at == declaration.received_at
    assert before <= declaration.read_at <= datetime.now(UTC)
    assert declaration.reading_typed == "2026-12-01T10:41:05"
    assert declaration.recorder_reading == "2026-12-01T10:41:05"


def test_a_recorder_without_a_clock_is_declared_so(ctx, mailbox):
    declaration = _declared(ctx, mailbox, clock_reading="", no_clock="1")
    assert declaration.no_clock and declaration.recorder_reading is None and declaration.clock_offset_s is None
    assert declaration.evidence_item.clock_offset_s is None
    assert "My recorder shows no clock." in declaration.statement


# --- what is stored, and that it is never changed ---------------------------------------------

def test_the_declaration_is_bound_to_the_files_sha256_and_its_words(ctx, mailbox):
    declaration = _declared(ctx, mailbox)
    item = declaration.evidence_item
    assert declaration.sha256 == item.sha256
    assert declaration.statement.splitlines() == [
        declarations.INTRO,
        "When I read it, my recorder's clock showed Tue 1 Dec 2026, 10:41:05 AM.",
        declarations.UNALTERED,
        declarations.CONSENT["media_release"],
    ]
    assert declaration.unaltered_copy and declaration.language == "en"
    assert item.clock_offset_s == declaration.clock_offset_s
    facts = json.loads(declaration.digest_input())
    assert facts["sha256"] == item.sha256 and facts["statement"] == declaration.statement
    assert declaration.digest == declaration.compute_digest()
    facts["sha256"] = "0" * 64  # the same words about another file have another digest
    other = json.dumps(facts, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    assert hashlib.sha256(other).hexdigest() != declaration.digest
    [event] = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "evidence_item.owner_declaration", AuditEvent.object_id == item.id,
        AuditEvent.purpose == item.footage_request.case.case_number)).all()
    assert json.loads(event.detail)["digest"] == declaration.digest


@pytest.mark.parametrize("statement", [
    "UPDATE owner_declaration SET consent_scope = 'media_release' WHERE id = :id",
    "UPDATE owner_declaration SET statement = 'I declare nothing' WHERE id = :id",
    "DELETE FROM owner_declaration WHERE id = :id",
])
def test_the_database_refuses_to_change_or_delete_a_declaration(ctx, mailbox, statement):
    declaration = _declared(ctx, mailbox)
    pk, words = declaration.id, declaration.statement
    with pytest.raises(exc.DBAPIError, match="owner declarations are write-once"), db.session.begin_nested():
        db.session.execute(text(statement), {"id": pk})
    db.session.expire_all()
    assert db.session.get(OwnerDeclaration, pk).statement == words


def test_the_orm_refuses_to_change_or_delete_a_declaration(ctx, mailbox):
    declaration = _declared(ctx, mailbox)
    declaration.consent_scope = "evidence_only"
    with pytest.raises(DeclarationWriteOnce):
        db.session.flush()
    db.session.rollback()
    declaration = db.session.get(OwnerDeclaration, declaration.id)
    db.session.delete(declaration)
    with pytest.raises(DeclarationWriteOnce):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(OwnerDeclaration, declaration.id).consent_scope == "media_release"


# --- the form ------------------------------------------------------------------------------

@pytest.mark.parametrize("form, field_says, kept", [
    ({"clock_reading": ""}, "Type the date and time your recorder", None),
    ({"clock_reading": "next Tuesday-ish"}, "type the date and time it shows", 'value="next Tuesday-ish"'),
    ({"clock_reading": "2026-02-30T10:00:00"}, "type the date and time it shows", 'value="2026-02-30T10:00:00"'),
    ({"clock_reading": "9999-01-01T10:00"}, "type the date and time it shows", 'value="9999-01-01T10:00"'),
    ({"no_clock": "1"}, "keep only one", 'value="2026-12-01T10:41:05"'),
    ({"unaltered": ""}, "unaltered copy from the recorder", 'value="2026-12-01T10:41:05"'),
    ({"consent_scope": ""}, "Choose what you consent to", 'value="2026-12-01T10:41:05"'),
    ({"consent_scope": "everything"}, "Choose what you consent to", 'value="2026-12-01T10:41:05"'),
])
def test_a_declaration_that_is_incomplete_or_unreadable_is_refused_and_nothing_is_kept(ctx, mailbox, form, field_says, kept):
    request = request_in("consented", evidence=False)
    path = _link(ctx, mailbox, request)
    refused = owner_posts(ctx.test_client(), path, b"frames", description="garage, 9 PM", **form)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and field_says in html
    assert 'id="upload-form"' in html and 'value="garage, 9 PM"' in html
    if kept:
        assert kept in html
    assert db.session.scalar(select(func.count()).select_from(EvidenceItem)
                             .where(EvidenceItem.footage_request_id == request.id)) == 0
    assert db.session.scalars(select(UploadLink).where(UploadLink.footage_request_id == request.id)).one().used_at is None
    assert owner_posts(ctx.test_client(), path, b"frames").status_code == 200  # the link still works


def test_the_form_shows_the_declaration_in_spanish_for_a_spanish_owner(ctx, mailbox):
    request = request_in("consented", evidence=False)
    html = ctx.test_client().get(_link(ctx, mailbox, request, "es")).get_data(as_text=True)
    for words in ("Sus declaraciones", "Lo que marca ahora el reloj de su grabador",
                  "Mi grabador no muestra ningún reloj.", "es una copia sin alterar exportada del grabador",
                  "solo como prueba", "declaration.js"):
        assert words in html, words


# --- consent ---------------------------------------------------------------------------------

def test_choosing_evidence_only_narrows_the_consent_recorded_on_the_request(ctx, mailbox):
    request = request_in("consented", evidence=False)  # consent recorded: evidence and media release
    version = request.version
    declaration = _declared(ctx, mailbox, request, consent_scope="evidence_only")
    db.session.expire_all()
    assert declaration.consent_scope == "evidence_only"
    assert request.consent_scope == "evidence_only" and request.version == version + 1
    [event] = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "footage_request.consent_narrowed", AuditEvent.object_id == request.id)).all()
    assert {"from": "media_release", "to": "evidence_only", "evidence_item_id": declaration.evidence_item_id,
            "declaration": declaration.id}.items() <= json.loads(event.detail).items()
    assert event.purpose == request.case.case_number
    assert needs_override(request.consent_scope, "media_public")  # a media release now needs a supervisor's reason


def test_keeping_media_release_changes_nothing_and_evidence_only_cannot_be_widened(ctx, mailbox):
    request = request_in("consented", evidence=False)
    version = request.version
    _declared(ctx, mailbox, request, consent_scope="media_release")
    db.session.expire_all()
    assert request.consent_scope == "media_release" and request.version == version
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "footage_request.consent_narrowed", AuditEvent.object_id == request.id)) == 0

    narrow = request_in("consented", evidence=False)
    narrow.consent_scope = "evidence_only"
    db.session.commit()
    path = _link(ctx, mailbox, narrow)
    page = ctx.test_client().get(path).get_data(as_text=True)
    assert 'value="media_release"' not in page  # not offered
    refused = owner_posts(ctx.test_client(), path, consent_scope="media_release")
    assert refused.status_code == 400 and "tell the investigator" in refused.get_data(as_text=True)
    assert narrow.consent_scope == "evidence_only"


# --- where it is shown -----------------------------------------------------------------------

def test_the_receipt_prints_the_owners_declaration_in_spanish(client, mailbox):
    request = request_in("consented", evidence=False)
    path = _link(client.application, mailbox, request, "es")
    done = owner_posts(client, path, b"porch footage", consent_scope="evidence_only",
                       clock_reading="2026-12-01T22:10:05")
    assert done.status_code == 200
    declaration = db.session.scalars(select(OwnerDeclaration).join(EvidenceItem).where(
        EvidenceItem.footage_request_id == request.id)).one()
    assert declaration.language == "es"
    assert declaration.statement.startswith("Soy el propietario del grabador, o actúo en su nombre, y declaro:")
    wf.fire(request.id, "collect", factories.user("investigator"), request.version)
    headers = api_token(client, "investigator")
    pdf = client.get(f"/api/v1/footage_request/{request.id}/receipt.pdf", headers=headers).data
    text_ = pdf_text(pdf)
    flat = "".join(text_.split())
    for words in ("Declaraciones del propietario", "Reloj del grabador",
                  "marcaba mar 1 dic 2026, 10:10:05 p.m. cuando en el condado era",
                  "Cuando lo consulté, el reloj de mi grabador marcaba mar 1 dic 2026, 10:10:05 p.m. El archivo",
                  "Copia sin alterar", "declarado por el propietario",
                  "Doy mi consentimiento para que estas grabaciones se usen solo como prueba.",
                  "alcance: solo como prueba"):
        assert words in text_, words
    assert declaration.digest in flat
    assert "The owner's declarations" not in text_


def test_the_staff_request_page_shows_the_declaration(client, mailbox):
    request = request_in("consented", evidence=False)
    declaration = _declared(client.application, mailbox, request)
    login(client, "investigator")
    html = client.get(f"/footage/{request.id}").get_data(as_text=True)
    assert f'id="declaration-{declaration.evidence_item_id}"' in html
    assert "The owner&#39;s declarations" in html or "The owner's declarations" in html
    assert declaration.digest in html and "showed Tue 1 Dec 2026, 10:41:05 AM when it was" in html
    assert "evidence and media release" in html


def test_declaration_fields_default_to_what_a_test_owner_sends():
    assert set(DECLARATION_FIELDS) <= set(declarations.DECLARATION_FIELDS)


def test_test_clean_up_may_delete_declarations_and_the_refusal_comes_back(ctx, mailbox):
    from tests.write_once import delete_declarations

    first, second = _declared(ctx, mailbox), _declared(ctx, mailbox)
    delete_declarations(db.session, [first.evidence_item_id])
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(OwnerDeclaration)
                             .where(OwnerDeclaration.id == first.id)) == 0
    with pytest.raises(exc.DBAPIError, match="owner declarations are write-once"), db.session.begin_nested():
        db.session.execute(text("DELETE FROM owner_declaration WHERE id = :id"), {"id": second.id})


def test_the_database_refuses_a_declaration_without_the_unaltered_statement(ctx, mailbox):
    declaration = _declared(ctx, mailbox)
    columns = {c.key: getattr(declaration, c.key) for c in OwnerDeclaration.__table__.columns if c.key != "id"}
    other = _declared(ctx, mailbox).evidence_item_id
    for broken in ({"unaltered_copy": False}, {"consent_scope": "everything"},
                   {"no_clock": False, "recorder_reading": None}):
        with pytest.raises(exc.IntegrityError), db.session.begin_nested():
            db.session.execute(OwnerDeclaration.__table__.insert().values(
                {**columns, "evidence_item_id": other, **broken}))
    db.session.rollback()


def test_an_owner_uploaded_item_is_not_deleted_with_its_declaration_left_behind(client, mailbox):
    declaration = _declared(client.application, mailbox)
    item_id = declaration.evidence_item_id
    headers = api_token(client, "admin")
    response = client.delete(f"/api/v1/evidence_item/{item_id}", headers=headers, json={"reason": "entered twice"})
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(OwnerDeclaration, declaration.id) is not None
    assert db.session.get(EvidenceItem, item_id) is not None


def test_an_english_owners_receipt_prints_the_declaration_in_english(client, mailbox):
    request = request_in("consented", evidence=False)
    declaration = _declared(client.application, mailbox, request, clock_reading="", no_clock="1")
    wf.fire(request.id, "collect", factories.user("investigator"), request.version)
    pdf = client.get(f"/api/v1/footage_request/{request.id}/receipt.pdf",
                     headers=api_token(client, "investigator")).data
    text_ = pdf_text(pdf)
    for words in ("The owner's declarations", "no clock on the recorder", "My recorder shows no clock.",
                  "Unaltered copy declared by the owner", "evidence and media release"):
        assert words in text_, words
    assert declaration.digest in "".join(text_.split())


@pytest.mark.parametrize("seconds, words", [
    (-250, "4 min 10 s behind"),
    (3605, "1 h 0 min 5 s ahead"),
    (-(728 * 3600 + 13 * 60 + 8), "30 d 8 h 13 min 8 s behind"),  # a month off: days, not "728 h"
    (-(26 * 365 * 86400), "9,490 d 0 h 0 min 0 s behind"),  # a recorder back at its factory date
])
def test_a_recorder_clock_offset_reads_in_days_hours_minutes_and_seconds(app, seconds, words):
    from workflows.documents import clock_offset

    with app.test_request_context():
        assert clock_offset(seconds) == words
