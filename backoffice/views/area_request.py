"""Area requests on screen: the investigator's form (reached from a canvass on the map) and the
owner's one-click answer page behind the e-mailed link (no login; single-use, expiring)."""
from urllib.parse import urlencode

from flask import current_app, flash, redirect, request, url_for
from flask_appbuilder import AppBuilder, BaseView, expose, has_access
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from workflows import area_request as area_cmd

from ..errors import RegistryError
from ..extensions import db
from ..http_errors import register_screen_family
from ..canvass.contact import returned_ids_for_case
from ..localtime import AmbiguousLocalTime, LocalTimeError, input_value, page_language, parse_instant, repeated_hour_choices
from ..errors import NotFoundError
from ..models import AreaRecipient, Case, Registration
from ..models.validation import N_
from ..scoping import current_user, scoped_get
from ..security.web import check_form_token, csrf
from .timefields import zone_label

# What the answer page may refuse with, in the owner's words.
OWNER_REFUSALS = frozenset((
    N_("This link is not valid."),
    N_("This request has already been answered."),
    N_("This link has expired."),
    N_("Choose one of the answers."),
    N_("The form expired (CSRF token missing or invalid); reload the page and try again."),
))


class AreaAnswerView(BaseView):
    """/area/<token>: the owner says, once, whether their cameras recorded the window."""

    route_base = "/area"
    default_view = "answer"

    def _page(self, token: str, *, recipient=None, error: str | None = None, done: str | None = None,
              status: int = 200):
        return self.render_template(
            "workflow/area_answer.html", token=token, recipient=recipient,
            area=recipient.area_request if recipient is not None else None,
            error=_(error) if error in OWNER_REFUSALS else error, done=done, answers=area_cmd.ANSWER_WORDS,
            csrf_token=generate_csrf,
        ), status

    def error_page(self, status: int, message: str, _error=None):
        """The answer page saying why nothing was changed: a link that cannot be used (410), or
        a form to send again (400: an expired form, no answer chosen) with the answers."""
        token = (request.view_args or {}).get("token", "")
        recipient = None
        if status == 400:
            try:
                recipient = area_cmd.check_link(token)
            except RegistryError:
                recipient = None
        return self._page(token, recipient=recipient, error=message, status=status)

    @expose("/<token>", methods=["GET", "POST"])
    def answer(self, token: str):
        """GET shows the question and the four answers; POST records the one chosen. An owner
        who answered "I have footage" and has not uploaded it yet is taken back to the upload."""
        if request.method == "GET" and (upload_url := area_cmd.upload_still_open(token)):
            return _to_upload(upload_url)
        recipient = area_cmd.check_link(token)
        if request.method == "GET":
            return self._page(token, recipient=recipient)
        check_form_token(request.form)
        choice = request.form.get("answer", "")
        done = area_cmd.answer(token, choice)
        if done.upload_url:
            return _to_upload(done.upload_url)
        return self._page(token, done=choice)


def _to_upload(upload_url: str):
    """On to the upload page, in the language of the page the owner is on (303)."""
    path = upload_url.split("/", 3)[3].split("?", 1)[0]
    return redirect(f"/{path}?{urlencode({'lang': page_language()})}", code=303)


def _ids(values) -> list[int]:
    ids = []
    for value in values:
        for part in str(value).split(","):
            part = part.strip()
            if part:
                try:
                    ids.append(int(part))
                except ValueError:
                    raise area_cmd.AreaRequestRefused(f"{part[:20]!r} is not a registration number.",
                                                      field="registration_ids") from None
    return ids


def _sent():
    """What the form sent: on a POST the form's fields only (the page's own address carries the
    canvass's window, which must not override what was typed), else the query string."""
    return request.form if request.method == "POST" else request.args


def _when(name: str, label: str, refusals: list[str]):
    """The instant typed for `name` (county time; `name__fold` says which of a repeated hour), or
    None when nothing was typed or it cannot be read; a refusal is added to `refusals`."""
    sent = _sent()
    text = (sent.get(name) or "").strip()
    if not text:
        return None
    fold = sent.get(name + "__fold")
    try:
        return parse_instant(text, int(fold) if fold in ("0", "1") else None)
    except AmbiguousLocalTime as error:
        refusals.append(f"{label}: {error} Choose below.")
    except LocalTimeError as error:
        refusals.append(f"{label}: {error}")
    return None


def _shown_time(name: str, instant, default) -> str:
    """What a time field shows again: the instant read, else what was typed (kept when it could
    not be read, to be corrected), else the case's own time."""
    if instant is not None:
        return input_value(instant)
    return (_sent().get(name) or "").strip()[:40] or input_value(default)


class AreaRequestView(BaseView):
    """/area-requests/new: ask every owner a canvass found, with a description and the window."""

    route_base = "/area-requests"
    class_permission_name = "FootageRequest"
    method_permission_name = {"new": "write", "record": "write"}
    default_view = "new"

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def new(self):
        """GET: the form for the canvass's premises; POST: ask them, then the case page."""
        user = current_user()
        case_id = request.values.get("case_id", type=int) or 0
        # No case named: the way here is the case's map. A case named that is not this
        # agency's is not found, as everywhere else.
        case = scoped_get(Case, case_id, user,
                          lambda: NotFoundError(f"Case {case_id} was not found.") if case_id else
                          area_cmd.AreaRequestRefused("Choose the case first: run the canvass from "
                                                      "the case's map.", field="case_id"))
        refusals: list[str] = []
        try:
            ids = _ids(_sent().getlist("registration_ids"))
        except RegistryError as refused:
            ids = []
            refusals.append(refused.message)
        since, until = _when("since", "From", refusals), _when("until", "To", refusals)
        typed = {"description": request.form.get("description", "")} if request.method == "POST" else {}
        for name, instant in (("since", since), ("until", until)):
            # Which of a repeated hour: as chosen, else the one the link's time (with its offset) is.
            both = repeated_hour_choices(instant) if instant is not None else None
            typed[name + "__fold"] = _sent().get(name + "__fold") or (str(both.index(instant)) if both else "")
        if request.method == "POST" and not refusals:
            try:
                done = area_cmd.ask_area(case.id, ids, user, description=typed["description"],
                                         window_from=since, window_to=until)
            except RegistryError as refused:
                db.session.rollback()
                refusals.append(refused.message)
            else:
                assert done.area_request is not None  # ask_area refuses when nobody is asked
                emailed = len(done.emailed)
                parts = [f"Area request {done.area_request.id}: {emailed} {'owner' if emailed == 1 else 'owners'} e-mailed"]
                if done.follow_up:
                    parts.append(f"{len(done.follow_up)} without e-mail to call or visit")
                if done.merged:
                    parts.append(f"{len(done.merged)} already asked for this case (not asked again)")
                flash(", ".join(parts) + ".", "success")
                return redirect(url_for("CaseView.show", pk=case.id) + "#area-requests")
        error = " ".join(refusals) or None
        # The page names only premises a search of this case found (asking refuses the others):
        # a number typed into its address shows no other registration's address.
        found = returned_ids_for_case(case.id)
        left_out = [i for i in ids if i not in found]
        ids = [i for i in ids if i in found]
        registrations = (
            db.session.query(Registration).filter(Registration.id.in_(ids)).order_by(Registration.address).all()
            if ids else []
        )
        # Said before anything is typed: premises this case already asks are not asked again.
        asked = area_cmd.already_asked(case.id, [r.id for r in registrations])
        return self.render_template(
            "workflow/area_new.html", case=case, registrations=registrations, ids=ids, error=error,
            asked=asked, to_ask=[r for r in area_cmd.askable(registrations) if r.id not in asked],
            typed=typed, left_out=len(left_out), zone=zone_label(),
            since=_shown_time("since", since, case.occurred_from),
            until=_shown_time("until", until, case.occurred_to),
        ), 400 if error and request.method == "POST" else 200


    @expose("/answer/<int:recipient_id>", methods=["POST"])
    @has_access
    def record(self, recipient_id: int):
        """Record the answer an owner gave by phone or at the door (the case page's form); back
        to the case page, saying what was recorded or why not (with what was chosen kept)."""
        user = current_user()
        recipient = db.session.get(AreaRecipient, recipient_id)
        if recipient is None:
            raise NotFoundError("That premises was not asked.")
        case = scoped_get(Case, recipient.area_request.case_id, user,
                          lambda: NotFoundError("That premises was not asked."))
        case_id, area_id, premises = case.id, recipient.area_request_id, recipient.registration.address
        choice, reached_by = request.form.get("answer", ""), request.form.get("reached_by", "")
        back = url_for("CaseView.show", pk=case_id)
        try:
            done = area_cmd.record_answer(recipient_id, choice, reached_by, user)
        except (area_cmd.AnswerNotRecorded, area_cmd.AlreadyAnswered) as refused:
            db.session.rollback()
            flash(_("The answer of %(premises)s was not recorded: %(why)s", premises=premises,
                    why=_(refused.message)), "danger")
            return redirect(f"{back}?{urlencode({'area_answer': recipient_id, 'answer': choice, 'reached_by': reached_by})}"
                            f"#area-request-{area_id}")
        words = _(area_cmd.ANSWER_WORDS[choice])
        if done.footage_request_id:
            flash(_("Answer of %(premises)s recorded: %(answer)s. Footage request %(id)s has the owner's "
                    "consent, to use the footage as evidence only; if they agreed to more, record it on the "
                    "request.", premises=premises, answer=words, id=done.footage_request_id), "success")
        else:
            flash(_("Answer of %(premises)s recorded: %(answer)s.", premises=premises, answer=words), "success")
        return redirect(f"{back}#area-request-{area_id}")


def register(appbuilder: AppBuilder) -> None:
    """The investigator's form (no menu entry: reached from the map), the owner's page, and the
    case page's list of area requests."""
    appbuilder.add_view_no_menu(AreaRequestView)
    view = appbuilder.add_view_no_menu(AreaAnswerView)
    csrf.exempt(view.blueprint)  # the page checks its token itself, to answer on its own page
    appbuilder.sm.limiter.limit(current_app.config["PUBLIC_LINK_RATE_LIMIT"])(view.blueprint)
    register_screen_family(view.blueprint.name, view.error_page, unrouted="This link is not valid.")
    current_app.add_template_global(area_cmd.for_case, "area_requests_of_case")
    current_app.jinja_env.globals.update(area_answer_words=area_cmd.ANSWER_WORDS,
                                         area_reached_words=area_cmd.REACHED_WORDS,
                                         area_answer_to_call=area_cmd.ANSWER_TO_CALL)
