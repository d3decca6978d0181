"""The public portal's pages (no login): register, and the pages behind the emailed links.

Anonymous by design: who may act is decided by the signed link, not by a role.
"""
import functools

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from babel import Locale
from flask_babel import get_locale, refresh
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from .. import map_context, snapshots
from ..errors import InvalidInputError
from ..extensions import db
from ..http_errors import json_error, register_screen_family, unrouted_blueprint
from ..models import Registration
from ..models.validation import FieldError, format_phone
from ..security.web import csrf
from ..tokens import TokenError
from . import access_log, addresses, services
from .forms import DetailsForm, PictureForm, RegisterForm, WithdrawForm
from .records import current_terms

bp = Blueprint(
    "portal",
    __name__,
    url_prefix="/register",
    template_folder="../templates",
    static_folder="static",
    static_url_path="/static",
)
LANGUAGE_KEY = "portal_language"
# Messages raised by the lifecycle commands, shown translated (listed so extraction finds them).
SERVICE_MESSAGES = (
    _l("This link is not valid."),
    _l("This link has expired."),
    _l("This link has already been used."),
    _l("This link has been replaced by a newer one. Use the latest email we sent you."),
    _l("The terms have changed: please read and accept them again."),
    _l("Add at least one camera."),
    _l("Keep at least one camera, or withdraw the registration."),
)


# Why a picture was not taken, in the owner's language (backoffice.snapshots.REASONS).
PICTURE_REASONS = {
    "missing": _l("Choose a picture to attach."),
    "too_large": _l("The picture is larger than %(size)s. Please send a smaller one."),
    "not_image": _l("This file is not a JPEG, PNG or WebP picture."),
    "too_many_pixels": _l("The picture has more than %(mp)d million pixels. Please send a smaller one."),
    "broken": _l("The picture could not be read: the file is damaged or incomplete."),
    "too_small": _l("The picture is too small to show what the camera sees: send one at least "
                    "%(side)d pixels on its shorter side and at most %(ratio)d times as wide as it is high."),
}
PICTURE_NOTES = {
    "added": _l("Picture saved. We removed its location data and other details before keeping it."),
    "removed": _l("Picture removed."),
    "already_removed": _l("This camera has no picture to remove: it was already removed."),
}
PICTURE_NOTE_KEY = "portal_picture_note"


@bp.before_request
def _limit_size():
    """Refuse oversized posts before reading them (a picture may be larger than a form; the
    picture page says itself when it is too large)."""
    if request.endpoint == f"{bp.name}.attach_picture":
        limit = None  # a body of unknown length is still cut off past the picture's limit
        request.max_content_length = snapshots.limits()[0] + 64 * 1024
    else:
        limit = current_app.config["PORTAL_MAX_BYTES"]
    if limit is not None and request.content_length is not None and request.content_length > limit:
        abort(413)
    lang = request.args.get("lang")
    if lang in current_app.config["PORTAL_LANGUAGES"]:
        session[LANGUAGE_KEY] = lang
    refresh()  # choose the locale for this request, not one cached on a shared app context


def portal_language() -> str:
    """The owner's language: chosen on the page, else the browser's preference."""
    chosen = session.get(LANGUAGE_KEY)
    if chosen:
        return chosen
    return request.accept_languages.best_match(current_app.config["PORTAL_LANGUAGES"]) or "en"


def error_page(status: int, message: str, error: Exception | None = None):
    """The portal's answer to a refusal or an HTTP error, in the owner's language: a clear
    page for an expired, forged or reused link (400 / 410), for too much data (413) or too
    many attempts (429), else the message itself."""
    if isinstance(error, TokenError):
        return render_template("portal/link_error.html", message=_(message)), status
    if status == 413:
        return render_template("portal/message.html", title=_("Too much data"),
                               text=_("The form was too large. Please remove some text and try again.")), 413
    if status == 429:
        return render_template("portal/message.html", title=_("Please wait"),
                               text=_("Too many attempts from your connection. Please try again later.")), 429
    return render_template("portal/message.html", title=_("This page cannot be shown"), text=_(message)), status


def _field_error(form, error: FieldError) -> None:
    target = getattr(form, error.field, None)
    if target is None or not hasattr(target, "errors"):
        target = form.name
    if isinstance(target.errors, tuple):
        target.errors = list(target.errors)
    target.errors.append(error.translated(_))


def _place(form) -> tuple[float, float] | None:
    """The pin, or the point of a known address when the owner placed none."""
    if form.lat.data is not None and form.lon.data is not None:
        return form.lat.data, form.lon.data
    return addresses.locate(form.address.data or "", form.city.data or "", form.postal_code.data or "")


def _ready(form) -> tuple[bool, tuple[float, float] | None]:
    """Validate; handle "add another camera" (re-show, keep everything typed)."""
    if form.add_camera.data:
        if len(form.cameras) < current_app.config["PORTAL_MAX_CAMERAS"]:
            form.cameras.append_entry()
        return False, None
    if not form.validate():
        return False, None
    if len(form.cameras) > current_app.config["PORTAL_MAX_CAMERAS"]:
        form.cameras.errors = [_("Please register at most %(n)d cameras at once.",
                                 n=current_app.config["PORTAL_MAX_CAMERAS"])]
        return False, None
    where = _place(form)
    if where is None:
        form.address.errors = list(form.address.errors) + [
            _("Pick your address from the suggestions or place the pin on the map.")
        ]
        return False, None
    return True, where


@bp.route("", methods=["GET", "POST"])
def register():
    """The registration form."""
    terms = current_terms()
    form = RegisterForm()
    if request.method == "GET":
        form.terms_version.data = terms.version
    elif form.website.data:
        # Filled in by a robot: look successful, keep nothing.
        return redirect(url_for(".sent"))
    elif form.is_submitted():
        ready, where = _ready(form)
        if ready and where is not None:  # ready: the address is placed
            try:
                result = services.submit_registration(services.Submission(
                    owner=form.owner_values(),
                    premises=form.premises_values(),
                    lat=where[0],
                    lon=where[1],
                    cameras=form.camera_values(),
                    terms_version=form.terms_version.data,
                    language=portal_language(),
                ))
            except FieldError as error:
                db.session.rollback()
                form.terms_version.data = terms.version
                _field_error(form, error)
            else:
                session["portal_sent"] = {"outcome": result.outcome, "mail": result.mail_sent}
                return redirect(url_for(".sent"))
    status = 400 if form.errors else 200
    return render_template("portal/register.html", form=form, terms=terms,
                           terms_text=terms.body(portal_language())), status


@bp.route("/sent")
def sent():
    """After submitting: check your email."""
    return render_template("portal/sent.html", result=session.pop("portal_sent", None))


@bp.route("/terms")
def terms():
    """The current terms, on their own page."""
    current = current_terms()
    return render_template("portal/terms.html", terms=current, text=current.body(portal_language()))


@bp.route("/addresses")
def address_suggestions():
    """JSON address suggestions for what the owner typed (offline, from address points)."""
    return jsonify(addresses.suggest(request.args.get("q", "")[:200]))


@bp.route("/county-outline")
def county_outline():
    """The county outline for the pin map (public county data; browsers may keep it an hour)."""
    response = jsonify(map_context.county_outline())
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.route("/address-points")
def address_points():
    """House numbers in view for the pin map, at street zoom: the county's public address
    points (number and street, nothing about owners); rate-limited per address."""
    try:
        return jsonify(map_context.address_points(request.args))
    except InvalidInputError as error:
        return json_error(400, error.message, error.field)


# Emailed links only show a page on GET; the change happens on the button's POST. Mail
# scanners fetch every link in a message, and must not verify or confirm for the owner.


@bp.route("/verify/<token>", methods=["GET", "POST"])
def verify(token: str):
    """The emailed verification link: one button confirms the address."""
    if request.method == "GET":
        services.check_verify_link(token)
        return render_template(
            "portal/link_action.html",
            title=_("Confirm your email address"),
            text=_("One last step: press the button to confirm that this is your email "
                   "address. Our Registry Staff then review your registration."),
            button=_("Confirm my email address"),
        )
    services.verify_email(token)
    return render_template("portal/message.html", title=_("Thank you: your email is confirmed"),
                           text=_("Our Registry Staff will now review your registration. "
                                  "We will email you when it is approved."))


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """The annual confirmation link: one button confirms for another year."""
    from .notify import manage_link

    if request.method == "GET":
        registration = services.check_confirm_link(token)
        return render_template(
            "portal/link_action.html",
            title=_("Are your camera details still correct?"),
            text=ngettext(
                "Your registration for %(address)s lists %(num)d camera. If nothing has "
                "changed, press the button and we will check again in a year.",
                "Your registration for %(address)s lists %(num)d cameras. If nothing has "
                "changed, press the button and we will check again in a year.",
                len(registration.cameras), address=registration.address,
            ),
            button=_("Yes, confirm for another year"),
            other_url=manage_link(registration),
            other_text=_("Something changed? Update your details or cameras"),
        )
    registration = services.confirm(token)
    return render_template("portal/confirmed.html", registration=registration,
                           manage_url=manage_link(registration))


def _details_form(registration: Registration, **options) -> DetailsForm:
    owner = registration.owner
    form = DetailsForm(**options, data={
        "kind": owner.kind, "name": owner.name, "organisation": owner.organisation,
        "email": owner.email, "phone": format_phone(owner.phone), "preferred_contact": owner.preferred_contact,
        "address": registration.address, "city": registration.city, "state": registration.state,
        "postal_code": registration.postal_code, "lat": registration.lat, "lon": registration.lon,
        "cameras": [
            {"id": str(c.id), "label": c.label, "overlooks": c.overlooks,
             "direction": str(c.direction_deg) if c.direction_deg in (0, 45, 90, 135, 180, 225, 270, 315) else "",
             "direction_deg": None if c.direction_deg in (0, 45, 90, 135, 180, 225, 270, 315) else c.direction_deg,
             "fov_deg": c.fov_deg, "recording_mode": c.recording_mode,
             "retention_days": c.retention_days, "system_type": c.system_type, "make_model": c.make_model}
            for c in sorted(registration.cameras, key=lambda c: c.id)
        ],
    })
    return form


@bp.route("/manage/<token>", methods=["GET", "POST"])
def manage(token: str):
    """The owner's management page: update details and cameras."""
    registration = services.open_management(token)
    notes, saved = [], False
    if request.method == "POST":
        form = DetailsForm()
        ready, where = _ready(form)
        if ready and where is not None:  # ready: the address is placed
            try:
                notes = services.update_registration(
                    token, form.owner_values(), form.premises_values(), where[0], where[1],
                    form.camera_values(),
                )
            except FieldError as error:
                db.session.rollback()
                _field_error(form, error)
            else:
                saved = True
                form = _details_form(registration)
    else:
        form = _details_form(registration)
    return _manage_page(registration, token, form, saved=saved, notes=notes)


def _manage_page(registration: Registration, token: str, form: DetailsForm, *, saved: bool = False,
                 notes: list | None = None, picture_error: tuple[int, str] | None = None):
    """The management page: details, cameras and their pictures (one picture's refusal shown
    by its camera)."""
    status = 400 if form.errors or picture_error else 200
    form.kind.label.text = _("This registration is for")  # not "registering": they are registered
    # What became of a picture just sent, said by its camera (where the page opens).
    kept = session.pop(PICTURE_NOTE_KEY, None)
    picture_note = None
    if isinstance(kept, dict) and kept.get("note") in PICTURE_NOTES:
        picture_note = (kept.get("camera"), str(PICTURE_NOTES[kept["note"]]))
    cameras = sorted(registration.cameras, key=lambda c: c.id)
    return render_template("portal/manage.html", form=form, registration=registration, token=token,
                           saved=saved, notes=notes or [], cameras=cameras, picture_form=PictureForm(formdata=None),
                           picture_error=picture_error, picture_note=picture_note, picture_types=snapshots.ACCEPTED_TYPES,
                           picture_mb=current_app.config["SNAPSHOT_MAX_BYTES"] // (1024 * 1024)), status


def _camera_of(registration: Registration, camera_id: int):
    """One of the registration's cameras, or 404."""
    camera = next((c for c in registration.cameras if c.id == camera_id), None)
    if camera is None:
        abort(404)
    return camera


@bp.route("/manage/<token>/picture/<int:camera_id>", methods=["POST"])
def attach_picture(token: str, camera_id: int):
    """The owner attaches (or replaces) the picture of what one camera sees."""
    registration = services.open_management(token)
    camera = _camera_of(registration, camera_id)
    try:
        if snapshots.too_large(request.content_length):  # said before the body is read
            raise snapshots.SnapshotRejected("too_large", size=snapshots.size_text(snapshots.limits()[0]))
        form = PictureForm()
        if not form.validate_on_submit():  # the page's own token (CSRF)
            abort(400)
        upload = form.picture.data
        if upload is None or not getattr(upload, "stream", None):
            raise snapshots.SnapshotRejected("missing")
        prepared = snapshots.prepare(upload.stream, *snapshots.limits())
    except snapshots.SnapshotRejected as error:
        message = str(PICTURE_REASONS[error.code]) % error.params if error.params else str(PICTURE_REASONS[error.code])
        # Nothing of the refused upload is read again (nor taken for the details form's fields).
        response = _manage_page(registration, token, _details_form(registration, formdata=None),
                                picture_error=(camera.id, message))
        return response[0], error.status
    registration = services.open_management(token, act=True)
    snapshots.attach(_camera_of(registration, camera_id), prepared, by_owner=True)
    session[PICTURE_NOTE_KEY] = {"note": "added", "camera": camera_id}
    return redirect(url_for(".manage", token=token, _anchor=f"picture-{camera_id}"))


@bp.route("/manage/<token>/picture/<int:camera_id>/remove", methods=["POST"])
def remove_picture(token: str, camera_id: int):
    """The owner removes a camera's picture."""
    registration = services.open_management(token)
    _camera_of(registration, camera_id)
    if not PictureForm().validate_on_submit():
        abort(400)
    registration = services.open_management(token, act=True)
    removed = snapshots.remove(_camera_of(registration, camera_id), by_owner=True)
    session[PICTURE_NOTE_KEY] = {"note": "removed" if removed else "already_removed", "camera": camera_id}
    return redirect(url_for(".manage", token=token, _anchor=f"picture-{camera_id}"))


@bp.route("/manage/<token>/picture/<int:camera_id>/thumb")
def picture_thumb(token: str, camera_id: int):
    """The owner's own thumbnail of a camera's picture, on their management page."""
    camera = _camera_of(services.open_management(token), camera_id)
    if camera.snapshot is None:
        abort(404)
    response = send_file(snapshots.file_path(camera.snapshot.stored_name, thumb=True),
                         mimetype="image/jpeg", max_age=0, conditional=False, etag=False)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/manage/<token>/withdraw", methods=["GET", "POST"])
def withdraw(token: str):
    """Withdraw the registration, after an explicit confirmation."""
    registration = services.open_management(token)
    form = WithdrawForm()
    if form.validate_on_submit():
        removed = services.withdraw(token)
        return render_template("portal/withdrawn.html", removed=removed)
    status = 400 if form.errors else 200
    return render_template("portal/withdraw.html", form=form, registration=registration,
                           token=token), status


@bp.route("/manage/<token>/access")
def access(token: str):
    """Which agency accessed the registration, when and why (never which officer)."""
    registration = services.open_management(token)
    return render_template("portal/access.html", registration=registration, token=token,
                           entries=access_log.entries(registration))


# Pages behind links owners get (the upload link, the receipt's evidence check): outside the
# portal blueprint, in the owner's language.
OWNER_LINK_PAGES = ("OwnerUploadView", "EvidenceVerifyView", "AreaAnswerView")


def register_portal(app: Flask) -> None:
    """Add the portal to the app: pages, rate limits on posts, the owner's language."""
    limiter = app.appbuilder.sm.limiter  # type: ignore[attr-defined]  # FAB sets app.appbuilder
    limiter.limit(lambda: current_app.config["PORTAL_RATE_LIMIT"], methods=["POST"])(bp)
    # The portal's forms check their CSRF tokens themselves (FlaskForm), after the size check
    # above; the app-wide check would read an oversized body first and answer 400, not 413.
    csrf.exempt(bp)
    app.register_blueprint(bp)
    # The portal's layout names the page's language; the owner's upload page uses it too.
    app.add_template_global(get_locale, "get_locale")
    # The pin map asks again as the owner pans: its own, larger budget (checked when it runs).
    endpoint = f"{bp.name}.{address_points.__name__}"
    app.view_functions[endpoint] = limiter.limit(
        lambda: current_app.config["PUBLIC_MAP_RATE_LIMIT"])(app.view_functions[endpoint])
    register_screen_family(bp.name, error_page)
    babel = app.extensions["babel"]

    def select_locale():
        if has_request_context() and request.blueprint == "portal":
            return portal_language()
        if has_request_context() and (request.blueprint in (*OWNER_LINK_PAGES, "transparency")
                                      or unrouted_blueprint() is not None):
            # An owner's page behind a link, or the public transparency report: the language
            # the link names, else the browser's.
            languages = current_app.config["PORTAL_LANGUAGES"]
            asked = request.args.get("lang")
            return asked if asked in languages else request.accept_languages.best_match(languages) or "en"
        return backoffice_language()

    # The chosen language as babel's Locale, parsed once per language: Flask-Babel parsed
    # the code anew on every request that translated anything (every API answer's labels).
    babel.locale_selector = lambda: parsed_locale(select_locale())


@functools.lru_cache(maxsize=32)
def parsed_locale(code: str | None) -> Locale | None:
    """babel's Locale for a language code (None stays None: Flask-Babel's default)."""
    return None if code is None else Locale.parse(code)


def backoffice_language() -> str:
    """The backoffice's language: FAB's choice (`_l_` in the query, else the one chosen with
    FAB's language menu, else the default), read without writing it to the session. FAB's own
    selector stored the default in the session on first use, so every API answer that
    translated a label set a session cookie: an API call opened a browser session."""
    languages = current_app.config["LANGUAGES"]
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    asked = request.args.get("_l_")
    if asked is not None:
        return asked if asked in languages else default
    return session.get("locale") or default
