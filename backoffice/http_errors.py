"""Where a refusal or an HTTP error becomes an answer: one handler per API and screen family.

- JSON APIs (paths under /api/): {"message": ..., "field": ...} with the error's status.
  Anything unexpected answers a JSON 500 without internals (and is logged).
- Screens: an action marked with @flash_refusals flashes the message and goes back to its
  page; anything else gets a readable error page with the status.
  An unexpected exception on a screen takes Flask's own way (logged; in tests it is raised)
  and comes back here as InternalServerError: the same page, without internals.
- Screen families with their own look (the owners' portal, the public link pages) register
  a page renderer for their blueprint with register_screen_family().
"""
import logging
from functools import wraps
from typing import Callable

from flask import Flask, current_app, flash, g, jsonify, redirect, render_template, request
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from .errors import RegistryError
from .extensions import db

log = logging.getLogger(__name__)

# HTTP headers of an HTTPException that matter to clients (kept on the JSON answer).
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")
TITLES = {
    400: "The request could not be used",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    405: "Not possible this way",
    409: "Not possible now",
    410: "No longer available",
    413: "Too much data",
    429: "Please wait",
    500: "Something went wrong",
}
UNEXPECTED = "Something went wrong on our side; it has been logged. Please try again later."

_TARGET_KEY = "backoffice.refusal_target"  # per request (g can outlive a request in tests)
# blueprint name -> page renderer(status, message, error) for screens with their own look.
_families: dict[str, Callable[[int, str, Exception], object]] = {}
# blueprint name -> what its renderer says of an address under its paths that no page has
# (an owner's link cut short: /upload/ with no token).
_unrouted: dict[str, str] = {}


def is_api_request() -> bool:
    """True for the JSON API (everything under /api/)."""
    return request.path.startswith("/api/")


def json_error(status: int, message: str, field: str | None = None, headers=None):
    """The API's error answer: {"message": ..., "field": ...} with the status."""
    response = jsonify(message=message, field=field)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def api_answer(error: BaseException):
    """The JSON answer for a refusal, an HTTP error or anything unexpected."""
    if isinstance(error, RegistryError):
        return json_error(error.status, error.message, error.field)
    if isinstance(error, HTTPException) and error.code is not None:
        headers = {k: v for k, v in error.get_headers() if k in _KEPT_HEADERS}
        return json_error(error.code, error.description or TITLES.get(error.code, ""), headers=headers)
    log.error("unexpected error answering %s %s", request.method, request.path, exc_info=error)
    return json_error(500, UNEXPECTED)


def flash_refusals(target: Callable[..., str]):
    """Mark a screen action: a refusal (RegistryError) is flashed and the user is sent to
    target(**view_args), e.g. the record's page the form was on."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            request.environ[_TARGET_KEY] = lambda: target(**kwargs)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def register_screen_family(blueprint: str, render: Callable[[int, str, Exception], object],
                           unrouted: str | None = None) -> None:
    """Pages of this blueprint show their errors with render(status, message, error). With
    `unrouted`, an address under the blueprint's paths that matches none of its pages is
    answered by render(404, unrouted, …) too (its owners' look and language, not the back
    office's "Not found" page with a sign-in link)."""
    _families[blueprint] = render
    if unrouted is not None:
        _unrouted[blueprint] = unrouted


def unrouted_blueprint() -> str | None:
    """The blueprint with an `unrouted` message whose pages live under this address's first
    path segment (/upload/…, /area/…), for an address no page matched; None otherwise (also
    for an address a page matched)."""
    if request.url_rule is not None:
        return None
    first = "/" + request.path.strip("/").split("/", 1)[0]
    if first == "/":
        return None
    for rule in current_app.url_map.iter_rules():
        blueprint = rule.endpoint.rpartition(".")[0]
        if blueprint in _unrouted and (rule.rule == first or rule.rule.startswith(first + "/")):
            return blueprint
    return None


def error_page(status: int, message: str):
    """A readable error page in the back office's layout."""
    appbuilder = current_app.appbuilder  # type: ignore[attr-defined]  # FAB sets app.appbuilder
    g.user = current_user  # as FAB's request set-up does; a refusal may come before it (CSRF)
    return render_template(
        "errors/page.html",
        status=status,
        title=TITLES.get(status, "The request could not be used"),
        message=message,
        appbuilder=appbuilder,
        base_template=appbuilder.base_template,
    ), status


def _screen_answer(status: int, message: str, error: Exception):
    family = _families.get(request.blueprint or "")
    if family is not None:
        return family(status, message, error)
    return error_page(status, message)


def _on_refusal(error: RegistryError):
    db.session.rollback()  # a refusal changes nothing
    if is_api_request():
        return api_answer(error)
    target = request.environ.pop(_TARGET_KEY, None)
    if target is not None and request.method == "POST":
        flash(error.message, "danger")
        return redirect(target())
    return _screen_answer(error.status, error.message, error)


def _on_http_error(error: HTTPException):
    if error.code is None or error.code < 400:
        return error  # redirects raised by routing
    if is_api_request():
        return api_answer(error)
    if error.code == 404:
        family = unrouted_blueprint()
        if family is not None:
            return _families[family](404, _unrouted[family], error)
    return _screen_answer(error.code, error.description or TITLES.get(error.code, ""), error)


def _on_unexpected(error: Exception):
    if is_api_request():
        db.session.rollback()
        return api_answer(error)
    raise error  # Flask's own 500 handling: an error page (and the traceback in tests)


class AnsweredRefusals(logging.Filter):
    """Drops the traceback FAB's @safe logs for an error the API then answers with 4xx (a
    refusal of bad input is not a fault; the log should hold only what needs a look)."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, RegistryError):
            return error.status >= 500
        if isinstance(error, HTTPException):
            return (error.code or 500) >= 500
        return True


REFUSALS_FILTER = AnsweredRefusals()


def install(app: Flask) -> None:
    """Register the handlers on the app."""
    fab_api_log = logging.getLogger("flask_appbuilder.api")
    if REFUSALS_FILTER not in fab_api_log.filters:
        fab_api_log.addFilter(REFUSALS_FILTER)
    app.register_error_handler(RegistryError, _on_refusal)
    app.register_error_handler(HTTPException, _on_http_error)
    app.register_error_handler(Exception, _on_unexpected)
