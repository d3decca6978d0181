"""Footage-request screens: lists, the detail page with its trigger forms, the approval queue.

Thin: every POST calls a workflow command (Flask-WTF's CSRFProtect has checked its token
before; the evidence upload checks its own, as its file streams); a refusal is flashed
on the request's page (@flash_refusals), a missing request answers the 404 page
(backoffice.http_errors). Which buttons appear comes from workflows.available_triggers().
"""
import json
import re
from datetime import timedelta
from urllib.parse import urlsplit

from flask import flash, g, redirect, request, session, url_for
from flask_appbuilder import AppBuilder, BaseView, expose, has_access
from flask_appbuilder.models.filters import BaseFilter
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import select
from wtforms import Form, ValidationError

from backoffice.datamodel import RegistryInterface
from backoffice.domain import INTAKE_STATES
from backoffice.downloads import evidence_download, send_download
from backoffice.errors import RegistryError
from backoffice.localtime import utcnow
from backoffice.extensions import db
from backoffice.http_errors import flash_refusals
from backoffice.models import AuditEvent, Case, FootageRequest
from backoffice.scoping import AgencyScope, current_user, is_county_wide, own_agency_choices, scope_to_agency
from backoffice.security.roles import ACT_AS_INVESTIGATOR
from backoffice.security.web import check_form_token, csrf
from backoffice.uploads import evidence_upload
from backoffice.canvass.parse import MAX_RADIUS_M
from backoffice import geodesy
from backoffice.worklists import JUSTIFIED_REVEAL_DAYS, footage_due_within, justified_reveals, release_waiting
from reports.custody import render_custody_pdf
from workflows import custody
from workflows import evidence as evidence_cmd
from workflows import footage_request as wf
from workflows import messages as wf_messages
from workflows import owner_upload
from workflows.documents import clock_offset, custody_data, declaration_facts, stamp
from workflows.effects import receipt_file_name, receipt_pdf
from workflows.errors import InvalidInput, RequestNotFound
from workflows.machine import CONSENT_METHODS, CONSENT_SCOPES, CONTACT_METHODS, RELEASE_KINDS, needs_override

from ..labels import choices, words

from .display import ReadableColumns
from .timefields import local_datetime_field, zone_label
from .base import ScreenModelView

# trigger -> form fields (name, label, kind, choices)
TRIGGER_FORMS = {
    "contact_owner": [
        ("method", "How you reached the owner", "select", choices(CONTACT_METHODS, "contact_method")),
        ("at", "When (empty: now)", "datetime", ()),
        ("note", "Note", "text", ()),
    ],
    "record_consent": [
        ("given_by", "Consent given by", "text", ()),
        ("method", "How", "select", choices(CONSENT_METHODS, "contact_method")),
        ("scope", "Scope", "select", choices(CONSENT_SCOPES, "consent_scope")),
    ],
    "record_refusal": [("reason", "Why the owner refused", "text", ())],
    "mark_no_response": [],
    "collect": [],
    "request_release": [
        ("kind", "Release kind", "select", choices(RELEASE_KINDS, "release_kind")),
        ("basis", "Legal basis", "textarea", ()),
        ("court_order_ref", "Court order reference (court order only)", "text", ()),
    ],
    "approve_release": [],  # plus OVERRIDE_FIELD when the owner did not consent (approve_fields)
    "deny_release": [("reason", "Why deny the release", "text", ())],
    "close": [],
    "cancel": [("reason", "Why cancel the request", "text", ())],
}
OVERRIDE_FIELD = ("override_reason", "Why release it without the owner's consent (override reason)", "textarea", ())


def approve_fields(item: FootageRequest) -> list:
    """The approval form's fields: an override reason when the owner consented to evidence use only."""
    return [OVERRIDE_FIELD] if needs_override(item.consent_scope, item.release_kind) else []


# Steps that cannot be undone ask "are you sure?" first.
CONFIRM = {
    "cancel": "Cancel this footage request? This cannot be undone.",
    "mark_no_response": "Record that the owner did not respond?",
    "collect": "Mark the footage as collected? The evidence receipt is issued and emailed to the owner.",
    "approve_release": "Approve this release of footage? This cannot be undone.",
    "deny_release": "Deny this release?",
    "record_refusal": "Record that the owner refused? The request ends here.",
    "close": "Close this request?",
}
CUSTODY_ACTIONS = custody.MANUAL_CUSTODY_ACTIONS
PERMISSIONS = {
    "detail": "read",
    "receipt": "receipt",
    "custody_pdf": "read",
    "fire": "write",
    "evidence": "write",
    "custody": "write",
    "contact": "write",
    "upload_link": "write",
    "send_again": "write",
    "new": "write",
    "approvals": "approve",
}


class DueWithin(BaseFilter):
    """Requests still waiting for footage whose deadline falls within `value` hours (or passed)."""

    name = "Deadline within"

    def apply(self, query, value):
        return query.filter(footage_due_within(int(value)))


def _detail_link(item) -> Markup:
    return Markup('<a href="/footage/{0}">#{0}</a>').format(item)


class FootageRequestView(ReadableColumns, ScreenModelView):
    """Footage requests of the user's agency, filterable by state, assignee and deadline."""

    datamodel = RegistryInterface(FootageRequest)
    class_permission_name = "FootageRequest"
    method_permission_name = {"list": "read"}
    include_route_methods = {"list"}
    list_title = "Footage requests"
    base_filters = [["id", AgencyScope, None]]
    base_order = ("deadline", "asc")
    list_columns = ["id", "case", "registration", "state", "assignee", "deadline", "window_from"]
    search_columns = ["state", "assignee", "deadline", "case"]
    # FAB fills these drop-downs from the whole related table: keep them to the agency.
    search_form_query_rel_fields = own_agency_choices("case", "assignee")
    order_columns = ["id", "state", "deadline", "window_from"]
    label_columns = {"id": "Request", "registration": "Premises", "window_from": "Footage from"}
    formatters_columns = {"id": _detail_link}
    page_size = 25


class Due24View(FootageRequestView):
    """Requests whose footage may be overwritten within 24 hours."""

    list_title = "Footage due within 24 h"
    base_filters = [["id", AgencyScope, None], ["deadline", DueWithin, 24]]


class Due72View(FootageRequestView):
    """Requests whose footage may be overwritten within 72 hours."""

    list_title = "Footage due within 72 h"
    base_filters = [["id", AgencyScope, None], ["deadline", DueWithin, 72]]


def _back_to_request(pk: int, **_) -> str:
    """The form's `next` page on this site, else the request's own page."""
    target = request.form.get("next")
    return target if target and _local(target) else url_for(".detail", pk=pk)


TYPED_EVIDENCE = "registry.typed_evidence"  # what the upload form held, for the page after a refusal
TYPED_TRIGGER = "registry.typed_trigger"  # what a trigger form on another page held, after a refusal


def _keep_typed_evidence() -> None:
    """After a refused upload: what the form held, kept in the (signed) session for the page
    it returns to; not in the URL, which access logs keep."""
    typed = request.environ.get(TYPED_EVIDENCE)
    if typed:
        session[TYPED_EVIDENCE] = typed


def _back_to_evidence_form(pk: int) -> str:
    """After a refused upload: the request's evidence form, with what was typed kept."""
    _keep_typed_evidence()
    return url_for(".detail", pk=pk, _anchor="evidence-form")


def _evidence_request_page(item_id: int) -> str:
    """After a refused custody step: the page of the request the item belongs to (browsers
    send no referrer here), else the list of requests."""
    try:
        item = custody.load_item(item_id, g.user)  # the agency-scoped lookup
    except RequestNotFound:
        return url_for("FootageRequestView.list")
    return url_for("FootageWorkflowView.detail", pk=item.footage_request_id)


# A path on this site: one leading slash, then only printable URL characters. Browsers drop tabs
# and newlines inside a URL ("/<tab>/evil.example" is "//evil.example") and read a backslash as
# a slash, so whitespace, control characters and backslashes are refused outright.
LOCAL_PATH = re.compile(r"/(?![/\\])[\x21-\x7e]*")


def _local(url: str | None) -> bool:
    """True for a path on this site (not //host, scheme://, or one hiding them)."""
    if not url or not LOCAL_PATH.fullmatch(url) or "\\" in url:
        return False
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc


class FootageWorkflowView(BaseView):
    """Detail page of one request with the forms for what the user may do now."""

    route_base = "/footage"
    default_view = "approvals"
    class_permission_name = "FootageRequest"
    method_permission_name = PERMISSIONS

    def _render_detail(self, item: FootageRequest, contact=None, typed=None):
        user = g.user
        triggers = wf.available_triggers(item, user)
        may_act = self.appbuilder.sm.may(user, ACT_AS_INVESTIGATOR)
        evidence = _evidence(item)
        return self.render_template(
            "workflow/detail.html",
            item=item,
            triggers=triggers,
            forms={**TRIGGER_FORMS, "approve_release": approve_fields(item)},
            release=wf.release_record(item),
            confirm=CONFIRM,
            typed=typed or {},
            typed_evidence=session.pop(TYPED_EVIDENCE, {}),
            may_act=may_act,
            may_upload=may_act and item.state in INTAKE_STATES,
            evidence=evidence,
            declarations={ev.id: declaration_facts(ev, "en") for ev in evidence},
            messages=wf_messages.messages_about(item),
            custody_actions=CUSTODY_ACTIONS,
            contact=contact,
            csrf_token=generate_csrf,
            user_id=user.id,
            stamp=stamp,
            clock_offset=clock_offset,
            zone=zone_label(),
        )

    @expose("/<int:pk>")
    @has_access
    def detail(self, pk: int):
        """The request: facts, consent, evidence, history, and forms for the allowed triggers."""
        return self._render_detail(wf.load_request(pk, g.user))

    @expose("/<int:pk>/contact", methods=["POST"])
    @has_access
    @flash_refusals(_back_to_request)
    def contact(self, pk: int):
        """Show the owner's contact details for this case (audited with the case number)."""
        contact = wf.reveal_owner_contact(pk, g.user)
        return self._render_detail(wf.load_request(pk, g.user), contact=contact)

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def new(self):
        """Open a footage request for one of the agency's cases and a registration."""
        cases = scope_to_agency(db.session.query(Case), Case, current_user()).order_by(Case.id.desc()).limit(200).all()
        form = request.form if request.method == "POST" else request.args
        window = WindowForm(request.form if request.method == "POST" else None)
        status = 200
        if request.method == "POST":
            try:
                if not window.validate():
                    raise InvalidInput("Check the footage window: " + " ".join(
                        f"{window[name].label.text}: {' '.join(errors)}" for name, errors in window.errors.items()
                    ))
                item = wf.open_request(
                    g.user,
                    case_id=_whole(form.get("case_id"), "case", "case_id"),
                    registration_id=_whole(form.get("registration_id"), "registration", "registration_id"),
                    camera_ids=_camera_ids(form.get("camera_ids", "")),
                    window_from=window.window_from.data,
                    window_to=window.window_to.data,
                )
            except RegistryError as error:  # shown on the form, with what was typed
                db.session.rollback()
                flash(error.message, "danger")
                status = error.status
            else:
                flash(f"Footage request {item.id} opened.", "success")
                away = geodesy.distance_m(item.case.lat, item.case.lon, item.registration.lat, item.registration.lon)
                if away > MAX_RADIUS_M:  # a typed number far from the scene: say so
                    flash(f"Note: {item.registration.address} is {away / 1000:,.1f} km from the case's "
                          "location, beyond any canvass. Check the registration number.", "warning")
                return redirect(url_for(".detail", pk=item.id))
        return self.render_template(
            "workflow/new.html", cases=cases, form=form, window=window, csrf_token=generate_csrf
        ), status

    @expose("/<int:pk>/upload_link", methods=["POST"])
    @has_access
    @flash_refusals(_back_to_request)
    def upload_link(self, pk: int):
        """Email the owner a single-use link to upload the footage themselves."""
        try:
            owner_upload.issue_link(pk, g.user)
        except owner_upload.LinkNotDelivered as error:  # the link exists (committed)
            flash(str(error), "warning")
        else:
            flash("Upload link emailed to the owner.", "success")
        return redirect(url_for(".detail", pk=pk))

    @expose("/<int:pk>/messages/<int:message_id>/send", methods=["POST"])
    @has_access
    @flash_refusals(_back_to_request)
    def send_again(self, pk: int, message_id: int):
        """Queue one of the request's e-mails again and try it now."""
        if wf_messages.send_again(pk, message_id, g.user):
            flash("E-mail sent again.", "success")
        else:
            flash("The e-mail is queued again but not delivered yet (the mail server did not take "
                  "it); it is retried automatically.", "warning")
        return redirect(url_for(".detail", pk=pk))

    @expose("/<int:pk>/fire/<trigger>", methods=["POST"])
    @has_access
    @flash_refusals(_back_to_request)
    def fire(self, pk: int, trigger: str):
        """Fire one trigger from its form."""
        data = {k: v for k, v in request.form.items() if k not in ("csrf_token", "version", "next")}
        try:
            outcome = wf.fire(pk, trigger, g.user, request.form.get("version"), data)
        except RegistryError as error:
            if request.form.get("next") or isinstance(error, RequestNotFound):
                if request.form.get("next"):  # that page shows the form again as typed
                    session[TYPED_TRIGGER] = {"pk": pk, "trigger": trigger,
                                              "data": {k: str(v)[:2000] for k, v in data.items()}}
                raise  # back to the page it came from, with the reason
            # Show the form again with what was typed, rather than lose it.
            db.session.rollback()
            flash(error.message, "danger")
            return self._render_detail(wf.load_request(pk, g.user), typed={trigger: data}), error.status
        flash(f"Done: the request is now {words(outcome.state, 'state').lower()}.", "success")
        for notice in outcome.notices:
            flash(notice, "warning")
        return redirect(_back_to_request(pk))

    @expose("/<int:pk>/evidence", methods=["POST"])
    @has_access
    @flash_refusals(_back_to_evidence_form)
    def evidence(self, pk: int):
        """Take in one evidence file from the upload form; after a refusal the page shows the
        form again with the description and offset that were typed (the file must be chosen
        again: browsers never refill a file input)."""
        evidence_cmd.check_intake(pk, g.user)  # before the body is read
        with evidence_upload() as (form, upload):
            request.environ[TYPED_EVIDENCE] = {
                name: form.get(name, "")[:2000] for name in ("description", "clock_offset_s") if form.get(name)}
            check_form_token(form)
            if upload is None or not upload.filename:
                raise InvalidInput("Choose the footage file to upload.", field="file")
            item = evidence_cmd.add_evidence(
                pk, g.user, upload, upload.filename,
                form.get("description", ""), form.get("clock_offset_s"),
            )
        flash(f"Evidence item {item.id} stored, SHA-256 {item.sha256}.", "success")
        return redirect(url_for(".detail", pk=pk))

    @expose("/evidence/<int:item_id>/custody", methods=["POST"])
    @has_access
    @flash_refusals(lambda item_id: _evidence_request_page(item_id))
    def custody(self, item_id: int):
        """Add a custody entry from the item's form."""
        item = custody.load_item(item_id, g.user)
        custody.record_custody(
            item_id, g.user, request.form.get("action"), request.form.get("note"), request.form.get("to")
        )
        flash("Custody entry recorded.", "success")
        return redirect(url_for(".detail", pk=item.footage_request_id))

    @expose("/<int:pk>/receipt.pdf")
    @has_access
    def receipt(self, pk: int):
        """The evidence receipt PDF."""
        item = wf.load_request(pk, g.user)
        if item.receipt_issued_at is None:
            raise RequestNotFound("No receipt yet: it is issued when the footage is collected.")
        return send_download(receipt_pdf(item), receipt_file_name(item), inline=True)

    @expose("/evidence/<int:item_id>/custody.pdf")
    @has_access
    def custody_pdf(self, item_id: int):
        """The chain-of-custody PDF of one item."""
        item = custody.load_item(item_id, g.user)
        return send_download(render_custody_pdf(custody_data(item)), f"chain-of-custody-item-{item.id}.pdf",
                             inline=True)

    @expose("/approvals")
    @has_access
    def approvals(self):
        """Supervisor's queue: releases waiting for a decision."""
        query = scope_to_agency(
            db.session.query(FootageRequest).filter(release_waiting()),
            FootageRequest,
            current_user(),
        ).order_by(FootageRequest.updated_at)
        reveals = db.session.execute(
            select(AuditEvent)
            .where(justified_reveals(g.user.agency_id, county_wide=is_county_wide(g.user)))
            .order_by(AuditEvent.at.desc())
            .limit(100)
        ).scalars().all()
        items = query.all()
        typed = session.pop(TYPED_TRIGGER, None) or {}
        return self.render_template(
            "workflow/approvals.html", items=items, csrf_token=generate_csrf, user_id=g.user.id,
            deny_fields=TRIGGER_FORMS["deny_release"],
            approve_fields={item.id: approve_fields(item) for item in items},
            typed={(typed.get("pk"), typed.get("trigger")): typed.get("data", {})},
            overrides=_override_releases(g.user), override_days=OVERRIDE_DAYS,
            reveals=[(event, _justification(event)) for event in reveals],
            reveal_days=JUSTIFIED_REVEAL_DAYS,
        )


OVERRIDE_DAYS = 90


def _override_releases(user) -> list[tuple[AuditEvent, str]]:
    """Releases approved without the owner's consent in the last OVERRIDE_DAYS days, with the
    supervisor's reason: (approval event, reason), newest first, the user's agency only."""
    since = utcnow() - timedelta(days=OVERRIDE_DAYS)
    query = select(AuditEvent).where(
        AuditEvent.action == "footage_request.approve_release",
        AuditEvent.at >= since,
        AuditEvent.detail.like('%"override_reason"%'),
    )
    if not is_county_wide(user):
        query = query.where(AuditEvent.agency_id == user.agency_id)
    events = db.session.execute(query.order_by(AuditEvent.at.desc()).limit(100)).scalars().all()
    return [(event, json.loads(event.detail or "{}").get("override_reason", "")) for event in events]


def _justification(event: AuditEvent) -> str:
    """The written reason recorded with a reveal no search supported."""
    return json.loads(event.detail or "{}").get("justification", "")


class WindowForm(Form):
    """The footage window of a new request, in county time; empty means the case's window."""

    window_from = local_datetime_field("Footage from", "Empty: the start of the case's window")
    window_to = local_datetime_field("Footage to", "Empty: the end of the case's window")

    def validate_window_to(self, field) -> None:
        start = self.window_from.data
        if start and field.data and field.data < start:
            raise ValidationError("Must not be before Footage from.")


class EvidenceFileView(BaseView):
    """Download of an evidence item's stored copy, under the name it was given (audited)."""

    route_base = "/footage/evidence"
    class_permission_name = "EvidenceItem"
    method_permission_name = {"download": "download"}

    @expose("/<int:item_id>/file")
    @has_access
    def download(self, item_id: int):
        """The stored copy as an attachment; a refusal is a page with its status (404 for an
        item of another agency, as for one that does not exist)."""
        item, path = evidence_cmd.open_evidence_file(item_id, g.user)
        return evidence_download(item, path)


def _whole(value, label: str, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"Choose the {label} (a number).", field=field) from None


def _camera_ids(text: str) -> list[int] | None:
    """Camera ids typed as numbers separated by commas or spaces (None: all cameras)."""
    parts = [part for part in re.split(r"[\s,]+", text.strip()) if part]
    if not all(part.isascii() and part.isdigit() for part in parts):
        raise InvalidInput("Camera numbers are whole numbers separated by commas, e.g. 12, 15.", field="camera_ids")
    return [int(part) for part in parts] or None


def _evidence(item: FootageRequest):
    from backoffice.models import EvidenceItem

    return list(
        db.session.scalars(
            select(EvidenceItem).where(EvidenceItem.footage_request_id == item.id).order_by(EvidenceItem.id)
        )
    )


def register(appbuilder: AppBuilder) -> None:
    """Add the footage screens under the Footage menu."""
    appbuilder.add_view(FootageRequestView, "Footage requests", icon="fa-film", category="Footage")
    appbuilder.add_link(
        "New footage request", href="/footage/new", icon="fa-plus", category="Footage"
    )
    appbuilder.add_view(Due24View, "Due within 24 h", icon="fa-exclamation-triangle", category="Footage")
    appbuilder.add_view(Due72View, "Due within 72 h", icon="fa-clock-o", category="Footage")
    appbuilder.add_view(
        FootageWorkflowView, "Approval queue", href="/footage/approvals", icon="fa-gavel", category="Footage"
    )
    appbuilder.add_view_no_menu(EvidenceFileView)
    # The evidence form checks its CSRF token inside the streaming parser; the app-wide check
    # would buffer the whole upload first.
    csrf.exempt(f"{FootageWorkflowView.__module__}.{FootageWorkflowView.evidence.__name__}")
