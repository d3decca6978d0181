"""Request-level protection: security headers with a CSP nonce, idle session timeout,
rate limits on the sign-in doors, and audit events for reads of the audit log.

CSP choice: scripts only from our own origin plus a per-response nonce (FAB's templates
already put `nonce="{{ csp_nonce() }}"` on their inline scripts); styles from our own
origin plus 'unsafe-inline', because FAB's templates and its Select2/datepicker widgets
set inline style attributes. No inline script without the nonce runs, so stored markup
cannot execute even if it escaped encoding somewhere.

Why our own headers and not Flask-Talisman: Talisman sets no Cross-Origin-Opener-Policy and no
Cache-Control, and we need `no-store` on every signed-in page but not on static files and map
tiles (a rule about who is asking, not a header). Its defaults (forcing HTTPS, rewriting the
session cookie's flags) would have to be switched off one by one, because the proxy settings
and the config already decide them. What it would take over, a handful of fixed headers and
the nonce, is shorter here than its configuration would be.
"""
import functools
import json
import secrets
import time
from urllib.parse import parse_qs, urlsplit

import prison
from flask import Flask, Request, Response, abort, current_app, has_request_context, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask_login import current_user, logout_user
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, CSRFProtect, validate_csrf
from werkzeug.middleware.proxy_fix import ProxyFix
from wtforms import ValidationError

from ..audit import record
from ..database import begin_write
from ..errors import InvalidInputError
from ..extensions import db
from .views import PENDING

# Every state-changing request to a screen needs the form's CSRF token; FAB's REST APIs
# exempt themselves (bearer tokens). Without this, FAB lets GET requests delete records.
csrf = CSRFProtect()

NONCE_KEY = "backoffice.csp_nonce"

# Reads of the audit log are themselves audited (endpoint -> action).
AUDITED_READS = {
    "AuditEventApi.get_list": "audit_log_listed",
    "AuditEventApi.get": "audit_log_viewed",
    "AuditEventView.list": "audit_log_listed",
    "AuditEventView.show": "audit_log_viewed",
}


def csp_nonce() -> str:
    """This response's script nonce (templates call it; FAB's baselib.get_nonce uses it)."""
    if not has_request_context():
        return ""
    return request.environ.setdefault(NONCE_KEY, secrets.token_urlsafe(18))


def content_security_policy(nonce: str) -> str:
    """Our own scripts and styles only; map tiles from TILE_URL's origin when set."""
    return _policy_around_nonce(current_app.config.get("TILE_URL") or "").replace(_NONCE, nonce)


# A JSON answer is data, never a page: a browser that opens one directly may run, load and
# frame nothing with it (and no nonce is made for it).
JSON_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


_NONCE = "\0nonce\0"  # where the response's nonce goes in the kept policy


@functools.lru_cache(maxsize=8)
def _policy_around_nonce(tile_url: str) -> str:
    """The page policy with _NONCE to fill in, made once per TILE_URL."""
    img = ["'self'", "data:"]
    if tile_url:
        parts = urlsplit(tile_url.replace("{s}", "a"))
        if parts.scheme in ("http", "https") and parts.netloc:
            host = parts.netloc.replace("a.", "*.", 1) if "{s}" in tile_url else parts.netloc
            img.append(f"{parts.scheme}://{host}")
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{_NONCE}'",
            "style-src 'self' 'unsafe-inline'",
            f"img-src {' '.join(img)}",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def _refuse_nul_characters():
    """Text with NUL characters is refused up front (PostgreSQL cannot store it: a 500 later)."""
    texts = list(request.args.values())
    # Multipart bodies are left to their own streaming parsers (evidence uploads): reading
    # request.form here would swallow a multi-gigabyte upload before the endpoint sees it.
    if request.mimetype == "application/x-www-form-urlencoded":
        texts += list(request.form.values())
    if any("\x00" in text for text in texts):
        abort(400, "Text may not contain NUL characters.")
    if request.is_json:
        body = request.get_data(cache=True)
        if b"\x00" in body or b"\\u0000" in body.lower():
            abort(400, "Text may not contain NUL characters.")


def _security_headers(response):
    """Headers on every response."""
    headers = response.headers
    if response.mimetype == "application/json":
        headers["Content-Security-Policy"] = JSON_POLICY
    else:
        headers["Content-Security-Policy"] = content_security_policy(csp_nonce())
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), payment=(), usb=()"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    # Static files and map tiles hold no personal data: browsers may keep them.
    if getattr(current_user, "is_authenticated", False) and not request.path.startswith(("/static", "/tiles/")):
        headers["Cache-Control"] = "no-store"
    return response


def check_form_token(form=None) -> None:
    """The form's CSRF token is valid, else CSRFError (400, as CSRFProtect answers every other
    form): for the routes that check it themselves, inside a streaming upload."""
    try:
        validate_csrf((form if form is not None else request.form).get("csrf_token"))
    except (ValidationError, CSRFError):
        raise CSRFError("The form expired (CSRF token missing or invalid); reload the page and try again.") from None


def read_list_query(raw: str):
    """An API's `q` argument as Flask-AppBuilder reads it: Rison, else (FAB_API_ALLOW_JSON_QS,
    on by default) JSON; InvalidInputError when it is neither.

    FAB answers the Rison parser's own errors with its JSON fallback, but lets the parser's
    other exceptions through as 500 (`(a:--)` makes it call int('--')), and its fallback
    decodes the value once more as a query string (`+` is a space): mirrored here.
    """
    try:
        return prison.loads(raw)
    except prison.decoder.ParserException:
        pass
    except Exception:  # noqa: BLE001  FAB would not try JSON after these: a 500 there
        raise InvalidInputError("q is not valid Rison.", field="q") from None
    if current_app.config.get("FAB_API_ALLOW_JSON_QS", True):
        try:
            return json.loads(parse_qs(f"q={raw}")["q"][0])
        except Exception:  # noqa: BLE001  not JSON either (or empty after decoding)
            pass
    raise InvalidInputError("q is neither valid Rison nor valid JSON.", field="q")


def _refuse_unreadable_list_query():
    """A list API's `q` that FAB cannot read is the client's mistake (400), not ours."""
    raw = request.args.get("q")
    if raw and request.path.startswith("/api/"):
        read_list_query(raw)


def _idle_timeout():
    """Sign out a browser session idle for longer than SESSION_IDLE_MINUTES."""
    if request.path.startswith("/static") or "_user_id" not in session:
        return
    now = time.time()
    idle_s = current_app.config["SESSION_IDLE_MINUTES"] * 60
    last_seen = session.get("last_seen")
    if last_seen is not None and now - float(last_seen) > idle_s:
        user = current_user._get_current_object() if current_user.is_authenticated else None
        logout_user()
        session.clear()
        if user is not None:
            begin_write(db.session)
            record("session_timeout", user=user, object_type="user", object_id=user.id)
            db.session.commit()
        return
    session.permanent = True
    session["last_seen"] = now


def _audit_reads(response):
    """Record successful reads of the audit log (screen and API)."""
    action = AUDITED_READS.get(request.endpoint or "")
    if action and response.status_code == 200:
        detail = {"path": request.path}
        if request.query_string:
            detail["query"] = request.query_string.decode("utf-8", "replace")[:500]
        begin_write(db.session)  # the read is done: the audit event waits its turn to be written
        record(action, object_type="audit_event",
               object_id=_int((request.view_args or {}).get("pk")), detail=detail)
        db.session.commit()
    return response


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


SIGN_IN_DOORS = ("RegistryAuthDBView", "RegistrySecurityApi", "MfaView")
SIGN_IN_LIMITED = (
    "Too many sign-in attempts for this account from your address. "
    "Please wait a few minutes and try again."
)
_PASSED_KEY = "backoffice.sign_in_passed"  # per request (g can outlive a request in tests)


def note_sign_in(passed: bool) -> None:
    """Say whether this request's sign-in step succeeded (a success is not rate limited)."""
    request.environ[_PASSED_KEY] = passed


def _attempt_failed(_response) -> bool:
    """Count the request towards the sign-in limit unless a sign-in step succeeded in it."""
    return not request.environ.get(_PASSED_KEY, False)


def _sign_in_name() -> str:
    """Whom this sign-in attempt is for: the name typed, or the user of the code step."""
    if request.is_json:
        body = request.get_json(silent=True)
        name = body.get("username") if isinstance(body, dict) else None
    elif request.blueprint == "MfaView":
        pending = session.get(PENDING)
        name = f"#{pending.get('user_id')}" if isinstance(pending, dict) else None
    else:
        name = request.form.get("username")
    return str(name or "").strip().lower()[:128]


def sign_in_limit_key() -> str:
    """Sign-ins are limited per address and account name: one station behind one address
    (a police station behind NAT) is not locked out by its colleagues' typing."""
    return f"{get_remote_address()}|{_sign_in_name()}"


def _limit_sign_in(app: Flask) -> None:
    """Rate-limit POSTs to the sign-in form, the REST login and the one-time-code step:
    LOGIN_RATE_LIMIT failed attempts per address and account name (successes do not count;
    the per-account lockout is separate)."""
    limiter = app.appbuilder.sm.limiter  # type: ignore[attr-defined]  # FAB sets app.appbuilder
    for view in app.appbuilder.baseviews:  # type: ignore[attr-defined]  # FAB sets app.appbuilder
        if type(view).__name__ in SIGN_IN_DOORS:
            limiter.limit(lambda: current_app.config["AUTH_RATE_LIMIT"], key_func=sign_in_limit_key,
                          methods=["POST"], deduct_when=_attempt_failed,
                          error_message=SIGN_IN_LIMITED)(view.blueprint)


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, opened without building the cookie's signer when the
    request sent no session cookie (every API call with a bearer token, every first visit):
    Flask derived the signing key on every request, a twentieth of the cheapest API read."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        # Flask's own answer for a session left empty and unchanged, without first working
        # out the cookie's name, domain, path and flags.
        if not session and not session.modified:
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


def init_csrf(app: Flask) -> None:
    """CSRF protection for every form and action (before FAB registers its APIs), the
    session cookie's interface, and the proxy's client address and scheme when
    TRUST_PROXY_HEADERS is on."""
    csrf.init_app(app)
    app.session_interface = CookieSessions()
    if app.config.get("TRUST_PROXY_HEADERS"):
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's way to wrap it
            app.wsgi_app, x_for=1, x_proto=1, x_host=1)


def init_app(app: Flask) -> None:
    """Install the request hooks (after the views are registered)."""
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.before_request(_refuse_nul_characters)
    app.before_request(_refuse_unreadable_list_query)
    app.before_request(_idle_timeout)
    app.after_request(_audit_reads)
    app.after_request(_security_headers)
    _limit_sign_in(app)
