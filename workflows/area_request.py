"""Area requests: from a canvass, ask every owner of an active registration in the result at once.

`ask_area` takes the registration ids of any canvass (around a point, along a route) with a
short description and the time window. Each premises whose owner has an e-mail address gets
the request in the owner's language, with a single-use link that expires when the request
closes; the others are listed for a call or a visit (the case page and the canvass sheet).
A premises already asked for the case (an open area request, or a footage request still
under way) is not asked again: the new request is merged into what is already there.

The owner answers through the link, once: "I have footage" opens (or joins) the footage
request for the premises with their consent recorded as given through the link, e-mails the
assignee, and sends them on to the upload page; "please contact me" e-mails the investigator.
The worker reminds those who have not answered before their footage deadline and closes the
request at the last deadline. Every step is audited and shows in the owner's access log. The
e-mails go through the outbox, spread out (AREA_MAIL_PER_MINUTE) so that a large area does not
flood the mail server, and an agency may only ask so many areas an hour.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from backoffice import audit, outbox, scoping
from backoffice.canvass.contact import returned_ids_for_case
from backoffice.domain import CONCLUDED_STATES, CONTACTABLE, INTAKE_STATES
from backoffice.database import retry_on_conflict
from backoffice.errors import GoneError, InvalidInputError
from backoffice.extensions import db
from backoffice.ids import as_id
from backoffice.models import (
    AREA_ANSWERS,
    AREA_REACHED_BY,
    AgencyUser,
    AreaRecipient,
    AreaRequest,
    Case,
    ContactAttempt,
    EvidenceItem,
    FootageRequest,
    Registration,
    RequestTransition,
    UploadLink,
)
from backoffice.models.base import utcnow
from backoffice.models.validation import N_
from backoffice.security import security_manager
from backoffice.security.roles import ACT_AS_INVESTIGATOR
from backoffice.tokens import TokenError, make_token, read_token

from .errors import RequestChanged, RequestNotFound, TriggerForbidden
from .footage_request import check_window_past, deadline_for, open_in_transaction
from .transaction import command

PURPOSE = "area"
MIN_OPEN_HOURS = 72  # an incident long past still gives owners this long to answer
REMIND_HOURS = 48  # reminded this long before their footage deadline
MAX_DESCRIPTION = 1000
TOKEN_MAX_AGE_S = 120 * 24 * 3600  # the recipient's expires_at decides; this only bounds forgeries


class AreaRequestRefused(InvalidInputError):
    """The area request cannot be made as asked (400); nothing was written."""


class TooManyAreaRequests(InvalidInputError):
    """The agency asked too many areas in the last hour (429)."""

    status = 429


class AnswerRefused(GoneError):
    """The answer link is forged, expired, or the request was answered already (410)."""


@dataclass
class AskOutcome:
    """What one area request did."""

    area_request: AreaRequest | None
    emailed: list[int] = field(default_factory=list)  # registration ids asked by e-mail
    follow_up: list[int] = field(default_factory=list)  # no e-mail: call or visit
    merged: dict[int, str] = field(default_factory=dict)  # registration id -> where it already is
    not_active: list[int] = field(default_factory=list)


def _owner_actor(case: Case) -> SimpleNamespace:
    """Who the audit log names for the owner's own steps through the link: nobody of the
    agency, but about the agency's case (so that it shows in the owner's access log)."""
    return SimpleNamespace(id=None, username=None, agency_id=case.agency_id)


def answer_url(recipient: AreaRecipient) -> str:
    """The owner's link (a fresh signature of the same single-use nonce), in their language."""
    token = make_token(PURPOSE, {"r": recipient.id, "n": recipient.nonce})
    url = f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/area/{token}"
    language = recipient.registration.owner.language
    if language in current_app.config["PORTAL_LANGUAGES"]:
        url += f"?lang={language}"
    return url


def _check_rate(case: Case) -> None:
    limit = int(current_app.config["AREA_REQUESTS_PER_HOUR"])
    recent = db.session.scalar(
        select(func.count()).select_from(AreaRequest).join(Case)
        .where(Case.agency_id == case.agency_id, AreaRequest.created_at > utcnow() - timedelta(hours=1))
    )
    if (recent or 0) >= limit:
        raise TooManyAreaRequests(
            f"Your agency has asked {limit} areas in the last hour, the most allowed; try again later."
        )


def _queue_spread(kind: str, to: str, subject: str, text: str, about: tuple[str, int], index: int):
    """Queue one message of a batch, due later the further down the batch it is."""
    message = outbox.queue(kind, to, subject, text, about=about)
    per_minute = max(int(current_app.config["AREA_MAIL_PER_MINUTE"]), 1)
    if index >= per_minute:
        message.next_attempt_at = message.next_attempt_at + timedelta(minutes=index // per_minute)
    return message


def _mail(recipient: AreaRecipient, template: str, subject_words, *, agency: str, description: str):
    from backoffice.portal.notify import area_request_mail

    area = recipient.area_request
    owner = recipient.registration.owner
    return area_request_mail(
        owner, template, subject_words, agency=agency, address=recipient.registration.address,
        description=description, window_from=area.window_from, window_to=area.window_to,
        expires=recipient.expires_at, url=answer_url(recipient),
    )


def askable(registrations: list[Registration]) -> list[Registration]:
    """Those of the registrations an area request asks: active, with cameras."""
    return [r for r in registrations if r.status in CONTACTABLE and r.cameras]


def already_asked(case_id: int, registration_ids: list[int]) -> dict[int, str]:
    """Those of the premises this case already asks, each with what asks it: "area request 4"
    (an open one) or "footage request 12" (one not concluded). They are not asked again."""
    if not registration_ids:
        return {}
    asked = dict(db.session.execute(
        select(AreaRecipient.registration_id, AreaRequest.id).join(AreaRequest)
        .where(AreaRequest.case_id == case_id, AreaRequest.closed_at.is_(None),
               AreaRecipient.registration_id.in_(registration_ids))
    ).all())
    requested = dict(db.session.execute(
        select(FootageRequest.registration_id, FootageRequest.id)
        .where(FootageRequest.case_id == case_id, FootageRequest.state.not_in(CONCLUDED_STATES),
               FootageRequest.registration_id.in_(registration_ids))
    ).all())
    merged = {}
    for number in registration_ids:
        if number in asked:
            merged[number] = f"area request {asked[number]}"
        elif number in requested:
            merged[number] = f"footage request {requested[number]}"
    return merged


def ask_area(
    case_id: int,
    registration_ids: list[int],
    user,
    *,
    description: str,
    window_from: datetime | None = None,
    window_to: datetime | None = None,
) -> AskOutcome:
    """Ask every owner of the active registrations among `registration_ids`; commits, then tries
    the e-mails that are due now (the rest are sent by the worker, AREA_MAIL_PER_MINUTE).

    Two investigators asking the same premises for the same case at the same moment: the
    database keeps one open ask per premises and case (uq_area_recipient_open_premises), and
    the one that loses asks again, seeing the other's request, into which those premises merge.
    """
    # Each try's command() rolls back what it did before the error rises: nothing of it is kept.
    outcome = retry_on_conflict(
        lambda: _ask_once(case_id, registration_ids, user, description=description,
                          window_from=window_from, window_to=window_to),
        attempts=ASK_ATTEMPTS, when=_asked_meanwhile)
    outbox.deliver_pending()  # the first ones now; the worker sends the rest as they fall due
    return outcome


ASK_ATTEMPTS = 3


def _asked_meanwhile(error: BaseException) -> bool:
    """Whether the error is another ask of the same premises for the case committed meanwhile
    (the unique index's name on PostgreSQL, its columns in SQLite's message)."""
    if not isinstance(error, IntegrityError):
        return False
    text = str(error.orig)
    return "uq_area_recipient_open_premises" in text or "area_recipient.open_case_id" in text


def _ask_once(
    case_id: int,
    registration_ids: list[int],
    user,
    *,
    description: str,
    window_from: datetime | None,
    window_to: datetime | None,
) -> AskOutcome:
    if not security_manager().may(user, ACT_AS_INVESTIGATOR):
        raise TriggerForbidden("Only investigators and supervisors may ask an area.")
    description = (description or "").strip()
    if not description:
        raise AreaRequestRefused("Say in a sentence what you are looking for.", field="description")
    if len(description) > MAX_DESCRIPTION:
        raise AreaRequestRefused(f"The description is longer than {MAX_DESCRIPTION} characters; shorten it.",
                                 field="description")
    if not isinstance(registration_ids, (list, tuple)) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in registration_ids
    ):
        raise AreaRequestRefused("registration_ids must be a list of registration ids", field="registration_ids")
    ids = sorted({i for i in registration_ids if as_id(i) is not None})
    if len(ids) != len(set(registration_ids)):
        raise AreaRequestRefused("no such registration: " + ", ".join(
            str(i) for i in sorted(set(registration_ids) - set(ids))), field="registration_ids")
    if not ids:
        raise AreaRequestRefused("Run a canvass first: there is nobody to ask.", field="registration_ids")
    most = int(current_app.config["AREA_REQUEST_MAX_PREMISES"])
    if len(ids) > most:
        raise AreaRequestRefused(f"An area request asks at most {most} premises; search a smaller area.",
                                 field="registration_ids")
    with command():
        case = scoping.scoped_get(Case, case_id, user, lambda: RequestNotFound(f"Case {case_id} was not found."))
        window_from = window_from or case.occurred_from
        window_to = window_to or case.occurred_to
        if window_to < window_from:
            raise AreaRequestRefused("The end of the window must not be before its start.", field="window_to")
        check_window_past(window_from, window_to, AreaRequestRefused)
        _check_rate(case)
        registrations = db.session.scalars(select(Registration).where(Registration.id.in_(ids))).all()
        missing = set(ids) - {r.id for r in registrations}
        if missing:
            raise AreaRequestRefused("no such registration: " + ", ".join(map(str, sorted(missing))),
                                     field="registration_ids")
        # Purpose-bound, as revealing a contact is: only owners a search of this case found.
        unsearched = set(ids) - returned_ids_for_case(case.id)
        if unsearched:
            raise AreaRequestRefused(
                f"No search of case {case.case_number} found registration"
                f"{'s'[:len(unsearched) != 1]} {', '.join(map(str, sorted(unsearched)))}: only the owners "
                "a canvass of the case found may be asked.", field="registration_ids")
        outcome = AskOutcome(None)
        outcome.not_active = sorted(r.id for r in registrations if r.status not in CONTACTABLE)
        active = askable(registrations)
        outcome.merged = already_asked(case.id, [r.id for r in active])
        to_ask = [r for r in active if r.id not in outcome.merged]
        if not to_ask and not outcome.merged:
            raise AreaRequestRefused(
                "None of these registrations is active with cameras: nobody to ask.",
                field="registration_ids",
            )
        if not to_ask:
            raise AreaRequestRefused(
                "Everyone in this list was already asked for this case"
                + (f" ({len(outcome.merged)} premises)" if outcome.merged else "")
                + ": nothing new to send.",
                field="registration_ids",
            )
        now = utcnow()
        deadlines = {r.id: deadline_for(window_from, list(r.cameras)) or window_from for r in to_ask}
        closes_at = max([*deadlines.values(), now + timedelta(hours=MIN_OPEN_HOURS)])
        area = AreaRequest(case_id=case.id, description=description, window_from=window_from,
                           window_to=window_to, closes_at=closes_at, created_at=now, created_by_id=user.id)
        db.session.add(area)
        db.session.flush()
        audit.record("area_request.create", user=user, object_type="area_request", object_id=area.id,
                     purpose=case.case_number,
                     detail={"premises": len(to_ask), "merged": sorted(outcome.merged),
                             "closes_at": closes_at.isoformat()})
        sent = 0
        for registration in sorted(to_ask, key=lambda r: r.id):
            owner = registration.owner
            channel = "email" if owner.email else "follow_up"
            recipient = AreaRecipient(
                area_request_id=area.id, registration_id=registration.id, channel=channel,
                nonce=secrets.token_urlsafe(24) if channel == "email" else None,
                deadline=deadlines[registration.id], expires_at=closes_at, asked_at=now,
                open_case_id=case.id,
            )
            db.session.add(recipient)
            db.session.flush()
            if owner.email:  # channel "email"
                subject, text = _mail(recipient, "area_request", "ask", agency=case.agency.name,
                                      description=description)
                message = _queue_spread("area_request", owner.email, subject, text,
                                        ("area_recipient", recipient.id), sent)
                recipient.outbox_message_id = message.id
                sent += 1
                outcome.emailed.append(registration.id)
            else:
                outcome.follow_up.append(registration.id)
            audit.record("area_request.ask", user=user, object_type="registration", object_id=registration.id,
                         purpose=case.case_number, detail={"area_request": area.id, "channel": channel})
        outcome.area_request = area
    return outcome


@outbox.still_wanted("area_request")
def _still_asked(message) -> str | None:
    """An area request's e-mail (or reminder) is not sent once it was answered or has closed."""
    recipient = db.session.get(AreaRecipient, message.object_id) if message.object_id else None
    if recipient is None:
        return None
    closed = why_closed(recipient)
    return CLOSED_WORDS[closed][1] if closed else None


outbox.STILL_WANTED["area_reminder"] = _still_asked

CLOSED_WORDS = {
    "answered": ("This request has already been answered.", "the owner has answered"),
    "expired": ("This link has expired.", "the request has closed"),
}


def why_closed(recipient: AreaRecipient) -> str | None:
    """"answered" or "expired" (a key of CLOSED_WORDS); None while the link can be used."""
    if recipient.answer is not None:
        return "answered"
    if (recipient.expires_at < utcnow() or recipient.area_request.closed_at is not None
            or recipient.registration.status not in CONTACTABLE):  # withdrawn meanwhile: not asked any more
        return "expired"
    return None


def _recipient_of(token: str) -> AreaRecipient:
    """The ask a token stands for, answered or not; AnswerRefused when it stands for none."""
    try:
        payload = read_token(PURPOSE, token, TOKEN_MAX_AGE_S)
        recipient = db.session.get(AreaRecipient, int(payload["r"]), populate_existing=True)
    except (TokenError, KeyError, TypeError, ValueError, OverflowError):
        raise AnswerRefused("This link is not valid.") from None
    if recipient is None or recipient.nonce is None or not secrets.compare_digest(
        recipient.nonce, str(payload.get("n"))
    ):
        raise AnswerRefused("This link is not valid.")
    return recipient


def check_link(token: str) -> AreaRecipient:
    """The unanswered, open request a token stands for, else AnswerRefused saying why."""
    recipient = _recipient_of(token)
    closed = why_closed(recipient)
    if closed:
        raise AnswerRefused(CLOSED_WORDS[closed][0])
    return recipient


def upload_still_open(token: str) -> str | None:
    """For an owner who answered "I have footage" through this link and has not uploaded yet:
    the address of the upload link they were given then (the same link, also e-mailed), while
    it can still be used; else None. Opening the answer link again leads back to the upload
    instead of saying only that the request was answered."""
    try:
        recipient = _recipient_of(token)
    except AnswerRefused:
        return None
    request = recipient.footage_request
    if recipient.answer != "footage" or recipient.reached_by is not None or request is None:
        return None
    if request.state not in INTAKE_STATES:
        return None
    link = db.session.scalars(
        select(UploadLink).where(UploadLink.footage_request_id == request.id, UploadLink.used_at.is_(None),
                                 UploadLink.created_by_id.is_(None), UploadLink.expires_at > utcnow())
        .order_by(UploadLink.id.desc()).limit(1)
    ).first()
    return _upload_url(link, recipient.registration.owner) if link is not None else None


def _upload_url(link: UploadLink, owner) -> str:
    """The owner's address of an upload link, in the owner's language when the portal has it."""
    from .owner_upload import PURPOSE as UPLOAD

    url = (f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/upload/"
           f"{make_token(UPLOAD, {'l': link.id, 'n': link.nonce})}")
    if owner.language in current_app.config["PORTAL_LANGUAGES"]:
        url += f"?lang={owner.language}"
    return url


@dataclass
class Answered:
    """What the owner's answer did."""

    recipient_id: int
    answer: str
    footage_request_id: int | None = None
    upload_url: str | None = None  # "I have footage": where the owner uploads it now


def answer(token: str, choice: str) -> Answered:
    """Record the owner's one answer; commits, then tries the e-mails. AnswerRefused (nothing
    changed) for a used, expired or forged link, and for a second answer."""
    if choice not in AREA_ANSWERS:
        raise InvalidInputError("Choose one of the answers.", field="answer")
    recipient = check_link(token)
    outcome = Answered(recipient.id, choice)
    with command():
        now = utcnow()
        taken = db.session.execute(
            update(AreaRecipient)
            .where(AreaRecipient.id == recipient.id, AreaRecipient.answer.is_(None))
            .values(answer=choice, answered_at=now)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:  # answered meanwhile (a second click, another tab)
            raise AnswerRefused(CLOSED_WORDS["answered"][0])
        recipient = db.session.get(AreaRecipient, recipient.id, populate_existing=True)
        area = recipient.area_request
        case = area.case
        audit.record("area_request.answer", user=_owner_actor(case), object_type="registration",
                     object_id=recipient.registration_id, purpose=case.case_number,
                     detail={"area_request": area.id, "answer": choice})
        if choice == "footage":
            request = _open_or_join(recipient, now)
            recipient.footage_request_id = request.id
            outcome.footage_request_id = request.id
            if request.state in INTAKE_STATES:
                outcome.upload_url = _upload_link(request, recipient, now)
            _tell_staff(recipient, request)
        elif choice == "contact_me":
            _tell_staff(recipient, None)
    outbox.deliver_pending()
    return outcome


def _creator(area: AreaRequest):
    """The investigator who asked the area (the case's lead if that account is gone)."""
    person = db.session.get(AgencyUser, area.created_by_id) if area.created_by_id else None
    return person or area.case.lead_investigator


def _open_or_join(recipient: AreaRecipient, now: datetime, recorder=None, reached_by: str | None = None
                  ) -> FootageRequest:
    """The footage request for the premises and case (opened when there is none), with the
    owner's consent recorded as given through the link when it was not yet (or, for an answer
    `recorder` took by phone or at the door, as given that way)."""
    area, case = recipient.area_request, recipient.area_request.case
    request = db.session.scalar(
        select(FootageRequest).where(
            FootageRequest.case_id == case.id, FootageRequest.registration_id == recipient.registration_id,
            FootageRequest.state.not_in(CONCLUDED_STATES),
        )
    )
    investigator = _creator(area)
    if request is None:
        request = open_in_transaction(investigator, case_id=case.id, registration_id=recipient.registration_id,
                                      window_from=area.window_from, window_to=area.window_to, at=now)
    owner = recipient.registration.owner
    method = CONTACT_METHOD_OF_REACH[reached_by] if reached_by else "email"
    actor = recorder if recorder is not None else _owner_actor(case)
    steps: list[tuple[str, str, str, dict]] = []
    if request.state in ("open", "no_response"):
        db.session.add(ContactAttempt(
            footage_request_id=request.id, method=method, at=now if reached_by else recipient.asked_at,
            note=f"area request {area.id}", by_id=getattr(recorder or investigator, "id", None)))
        steps.append(("contact_owner", request.state, "contacted", {}))
    if request.state in ("open", "no_response", "contacted"):
        steps.append(("record_consent", "contacted", "consented", {
            "consent_given_by": owner.name, "consent_method": method, "consent_scope": "evidence_only",
            "consent_at": now,
        }))
    for trigger, source, dest, values in steps:
        changed = db.session.execute(
            update(FootageRequest)
            .where(FootageRequest.id == request.id, FootageRequest.version == request.version)
            .values(state=dest, version=request.version + 1, updated_at=now, **values)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:
            raise RequestChanged()
        if reached_by:
            note = (f"the owner answered \"I have footage\" {REACHED_WORDS[reached_by]} (area request {area.id})"
                    if trigger == "record_consent" else f"reached {REACHED_WORDS[reached_by]} (area request {area.id})")
        else:
            note = (f"the owner answered \"I have footage\" through the link of area request {area.id}"
                    if trigger == "record_consent" else f"asked by e-mail (area request {area.id})")
        db.session.add(RequestTransition(footage_request_id=request.id, from_state=source, to_state=dest,
                                         trigger=trigger, actor_id=getattr(recorder, "id", None), at=now,
                                         note=note))
        audit.record(f"footage_request.{trigger}", user=actor, object_type="footage_request",
                     object_id=request.id, purpose=case.case_number,
                     detail={"from": source, "to": dest, "version": request.version + 1,
                             "via": "area_request", "area_request": area.id})
        db.session.flush()
        db.session.refresh(request)
    return request


def _upload_link(request: FootageRequest, recipient: AreaRecipient, now: datetime) -> str:
    """An upload link for the owner who has footage (also e-mailed, to come back to later)."""
    from backoffice.portal.notify import upload_link_mail

    from .owner_upload import LINK_HOURS

    link = UploadLink(footage_request_id=request.id, nonce=secrets.token_urlsafe(24), created_at=now,
                      expires_at=now + timedelta(hours=LINK_HOURS), created_by_id=None)
    db.session.add(link)
    db.session.flush()
    case = request.case
    audit.record("footage_request.upload_link", user=_owner_actor(case), object_type="footage_request",
                 object_id=request.id, purpose=case.case_number,
                 detail={"link": link.id, "expires_at": link.expires_at.isoformat(),
                         "area_request": recipient.area_request_id})
    owner = recipient.registration.owner
    url = _upload_url(link, owner)
    if owner.email:
        subject, text = upload_link_mail(
            owner, agency=case.agency.name, address=request.registration.address, url=url,
            window_from=request.window_from, window_to=request.window_to, expires=link.expires_at,
            hours=LINK_HOURS,
        )
        link.outbox_message_id = outbox.queue("upload_link", owner.email, subject, text,
                                              about=("footage_request", request.id)).id
    return url


CONTACT_METHOD_OF_REACH = {"phone": "phone", "visit": "in_person"}  # how reached -> contact method
REACHED_WORDS = {"phone": N_("by phone"), "visit": N_("at the door")}
# The answer that asks for a call: the answer given on that call replaces it (record_answer).
ANSWER_TO_CALL = "contact_me"


class AnswerNotRecorded(InvalidInputError):
    """The answer taken by phone or at the door cannot be recorded as given (400)."""


class AlreadyAnswered(InvalidInputError):
    """The premises has answered already (409): the first answer stands."""

    status = 409


def record_answer(recipient_id: int, choice: str, reached_by: str, user) -> Answered:
    """Record the answer an owner gave by phone or at the door (who recorded it, when, how the
    owner was reached); commits, then tries the e-mails. "I have footage" opens or joins the
    footage request for the premises with the consent recorded as given that way; "please
    contact me" tells the investigator who asked the area when someone else took the answer.

    Any premises asked may be answered this way, e-mailed or not, while it has no answer or
    its answer is "please contact me" (the call it asked for gives the real answer, which
    replaces it; the audit keeps both). AlreadyAnswered for any other answer."""
    if not security_manager().may(user, ACT_AS_INVESTIGATOR):
        raise TriggerForbidden("Only investigators and supervisors may record an owner's answer.")
    if choice not in AREA_ANSWERS:
        raise AnswerNotRecorded("Choose the owner's answer.", field="answer")
    if reached_by not in AREA_REACHED_BY:
        raise AnswerNotRecorded("Say how you reached the owner: by phone or at the door.", field="reached_by")
    with command():
        recipient = db.session.get(AreaRecipient, as_id(recipient_id) or 0)
        if recipient is None:
            raise RequestNotFound("That premises was not asked.")
        case = scoping.scoped_get(Case, recipient.area_request.case_id, user,
                                  lambda: RequestNotFound("That premises was not asked."))
        if recipient.registration.status not in CONTACTABLE:
            raise AnswerNotRecorded("The owner withdrew this registration: their answer is not recorded.",
                                    field="answer")
        now = utcnow()
        replaced = recipient.answer
        if replaced not in (None, ANSWER_TO_CALL):
            raise AlreadyAnswered("This owner's answer is already recorded; it is not changed.", field="answer")
        taken = db.session.execute(  # only if no other answer came meanwhile
            update(AreaRecipient)
            .where(AreaRecipient.id == recipient.id, AreaRecipient.answer.is_not_distinct_from(replaced))
            .values(answer=choice, answered_at=now, reached_by=reached_by, recorded_by_id=user.id)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:
            raise AlreadyAnswered("This owner's answer is already recorded; it is not changed.", field="answer")
        recipient = db.session.get(AreaRecipient, recipient.id, populate_existing=True)
        area = recipient.area_request
        outcome = Answered(recipient.id, choice)
        audit.record("area_request.answer_recorded", user=user, object_type="registration",
                     object_id=recipient.registration_id, purpose=case.case_number,
                     detail={"area_request": area.id, "answer": choice, "reached_by": reached_by,
                             **({"replaces": replaced} if replaced else {})})
        if choice == "footage":
            request = _open_or_join(recipient, now, recorder=user, reached_by=reached_by)
            recipient.footage_request_id = request.id
            outcome.footage_request_id = request.id
            if getattr(request, "assignee_id", None) != user.id:
                _tell_staff(recipient, request, reached_by)
        elif choice == "contact_me" and getattr(_creator(area), "id", None) != user.id:
            _tell_staff(recipient, None, reached_by)
    outbox.deliver_pending()
    return outcome


# The owner's answers and how staff reached an owner without e-mail, in people's words: the
# owner's page, the case page, the canvass sheet and staff e-mails all say them so (marked for
# the portal's catalogue, which has them in Spanish).
ANSWER_WORDS = {
    "footage": N_("I have footage"),
    "nothing": N_("Nothing from that time"),
    "not_covered": N_("My camera does not cover that"),
    "contact_me": N_("Please contact me"),
}


def _tell_staff(recipient: AreaRecipient, request: FootageRequest | None, reached_by: str | None = None) -> None:
    """E-mail the footage request's assignee (an owner with footage) or the investigator who
    asked the area (an owner who wants to be contacted), in the answer's transaction."""
    from .effects import queue_staff_notice

    area = recipient.area_request
    address = recipient.registration.address
    if request is not None:
        queue_staff_notice(
            request, "area_answer",
            f"Owner has footage: request {request.id}, case {area.case.case_number}",
            f"the owner of {address} answered your area request {area.id} \"I have footage\"; "
            + ("their consent is recorded and they were sent on to upload it" if reached_by is None else
               f"they were reached {REACHED_WORDS[reached_by]} and their consent is recorded; "
               "arrange the collection with them"),
        )
        return
    person = _creator(area)
    if person is None or not person.email:
        return
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    outbox.queue(
        "area_answer", person.email, f"Owner asks to be contacted: case {area.case.case_number}",
        f"Hello {person.first_name},\n\nThe owner of {address} answered your area request {area.id} "
        f"(case {area.case.case_number}){' ' + REACHED_WORDS[reached_by] if reached_by else ''}: please contact me.\nThe case page:\n\n  "
        f"{base}/caseview/show/{area.case_id}\n\nCamera Registry",
        about=("area_request", area.id),
    )


@dataclass
class AreaRun:
    """What one run of the area-request job did."""

    reminded: list[int] = field(default_factory=list)  # recipient ids
    closed: list[int] = field(default_factory=list)  # area request ids


def remind_and_close(now: datetime | None = None, within_hours: int = REMIND_HOURS) -> AreaRun:
    """Remind once the owners who have not answered when their footage deadline is near, and
    close the area requests whose last deadline has passed; commits."""
    now = now or utcnow()
    run = AreaRun()
    with command():
        due = db.session.scalars(
            select(AreaRecipient).join(AreaRequest)
            .where(AreaRequest.closed_at.is_(None), AreaRequest.closes_at > now,
                   AreaRecipient.channel == "email", AreaRecipient.answer.is_(None),
                   AreaRecipient.reminded_at.is_(None), AreaRecipient.expires_at > now,
                   AreaRecipient.registration_id.in_(select(Registration.id).where(
                       Registration.status.in_(CONTACTABLE))),
                   AreaRecipient.deadline <= now + timedelta(hours=within_hours))
            .order_by(AreaRecipient.id)
        ).all()
        for index, recipient in enumerate(due):
            owner = recipient.registration.owner
            if not owner.email:
                continue
            area = recipient.area_request
            subject, text = _mail(recipient, "area_reminder", "remind", agency=area.case.agency.name,
                                  description=area.description)
            _queue_spread("area_reminder", owner.email, subject, text, ("area_recipient", recipient.id), index)
            recipient.reminded_at = now
            audit.record("area_request.remind", user=_owner_actor(area.case), object_type="registration",
                         object_id=recipient.registration_id, purpose=area.case.case_number,
                         detail={"area_request": area.id})
            run.reminded.append(recipient.id)
        for area in db.session.scalars(
            select(AreaRequest).where(AreaRequest.closed_at.is_(None), AreaRequest.closes_at <= now)
        ).all():
            area.closed_at = now
            for recipient in area.recipients:  # its premises may be asked again for the case
                recipient.open_case_id = None
            unanswered = sum(1 for r in area.recipients if r.answer is None)
            audit.record("area_request.close", user=_owner_actor(area.case), object_type="area_request",
                         object_id=area.id, purpose=area.case.case_number,
                         detail={"unanswered": unanswered})
            run.closed.append(area.id)
    outbox.deliver_pending()
    return run


@dataclass
class AreaSummary:
    """An area request as the case page shows it."""

    area: AreaRequest
    counts: dict[str, int]
    rows: list[AreaRecipient]
    # footage request id -> evidence items received for it (owner uploads and staff's alike)
    files: dict[int, int] = field(default_factory=dict)


def for_case(case_id: int | str) -> list[AreaSummary]:
    """The case's area requests, newest first, with their counts (the caller checked the case;
    the case page gives its number as text)."""
    number = as_id(case_id)
    if number is None:
        return []
    areas = db.session.scalars(
        select(AreaRequest).where(AreaRequest.case_id == number).order_by(AreaRequest.id.desc())
    ).all()
    requests = {r.footage_request_id for area in areas for r in area.recipients if r.footage_request_id}
    files = dict(db.session.execute(
        select(EvidenceItem.footage_request_id, func.count()).where(EvidenceItem.footage_request_id.in_(requests))
        .group_by(EvidenceItem.footage_request_id)
    ).all()) if requests else {}
    summaries = []
    for area in areas:
        rows = list(area.recipients)
        counts = {"asked": len(rows), "emailed": sum(r.channel == "email" for r in rows),
                  "follow_up": sum(r.channel == "follow_up" for r in rows),
                  "unanswered": sum(r.answer is None for r in rows),
                  "answered": sum(r.answer is not None for r in rows),
                  "recorded": sum(r.reached_by is not None for r in rows),
                  "received": sum(bool(files.get(r.footage_request_id or 0)) for r in rows)}
        counts.update({a: sum(r.answer == a for r in rows) for a in AREA_ANSWERS})
        summaries.append(AreaSummary(area, counts, rows, {r.footage_request_id: files.get(r.footage_request_id, 0)
                                                          for r in rows if r.footage_request_id}))
    return summaries
