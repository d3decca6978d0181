"""Sign-in with a second factor: password first, then a one-time code (or enrolment)."""
import time

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.security.forms import LoginForm_db
from flask_appbuilder.security.views import AuthDBView
from flask_appbuilder.utils.base import get_safe_redirect
from flask_login import login_user
from markupsafe import Markup
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..extensions import db
from . import lockout, mfa

PENDING = "mfa_pending"
ENROL_SECRET = "mfa_enrol_secret"
PENDING_MAX_S = 300


class CodeForm(DynamicForm):
    """One field: the six-digit code from the authenticator, or a recovery code."""

    code = StringField(
        "One-time code",
        validators=[DataRequired(), Length(max=20)],
        description="The 6-digit code from your authenticator app, or one of your recovery codes",
    )


def start_session(user, next_url: str):
    """Sign the user in (the cookie session lasts while they are active)."""
    session.pop(PENDING, None)
    session.pop(ENROL_SECRET, None)
    login_user(user, remember=False)
    session.permanent = True
    session["last_seen"] = time.time()
    return redirect(next_url or "/")


class RegistryAuthDBView(AuthDBView):
    """FAB's login form, followed by the second-factor step where it is required."""

    invalid_login_message = "Invalid login, or the account is locked after too many failed attempts."

    @expose("/login/", methods=["GET", "POST"])
    def login(self):
        if g.user is not None and g.user.is_authenticated:
            return redirect(self._get_safe_next_url())
        form = LoginForm_db()
        if form.validate_on_submit():
            next_url = get_safe_redirect(request.args.get("next", ""))
            sm = self.appbuilder.sm
            user = sm.auth_user_db(form.username.data, form.password.data)
            if not user:
                flash(self.invalid_login_message, "warning")
                return redirect(self.appbuilder.get_url_for_login_with(next_url))
            if sm.mfa_required_for(user):
                session[PENDING] = {"user_id": user.id, "next": next_url, "at": time.time()}
                step = "verify" if mfa.is_enrolled(user) else "enrol"
                return redirect(url_for(f"MfaView.{step}"))
            return start_session(user, next_url)
        response = self.render_template(
            self.login_template, title=self.title, form=form, appbuilder=self.appbuilder
        )
        return response, 200, {"Cache-Control": "no-store"}


def _pending_user():
    """The user who passed the password step in this browser in the last minutes."""
    pending = session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > PENDING_MAX_S:
        session.pop(PENDING, None)
        return None
    return current_app.appbuilder.sm.get_user_by_id(pending["user_id"])  # type: ignore[attr-defined]  # FAB sets app.appbuilder


class MfaView(BaseView):
    """The one-time-code step of sign-in, and authenticator enrolment."""

    route_base = "/mfa"
    default_view = "verify"

    @expose("/verify", methods=["GET", "POST"])
    def verify(self):
        """Ask for the one-time code of a user who gave the right password."""
        user = _pending_user()
        if user is None or not mfa.is_enrolled(user):
            return redirect(self.appbuilder.get_url_for_login)
        form = CodeForm()
        if form.validate_on_submit():
            sm = self.appbuilder.sm
            lockout.queue_sign_in(user)  # the code is spent and the sign-in counted in one turn
            if not lockout.is_locked(user) and mfa.check_code(user, form.code.data):
                sm.second_factor_passed(user)
                return start_session(user, session[PENDING].get("next"))
            sm.second_factor_failed(user)
            if lockout.is_locked(user):
                session.pop(PENDING, None)
                flash(RegistryAuthDBView.invalid_login_message, "warning")
                return redirect(self.appbuilder.get_url_for_login)
            flash("That code is not valid. Try the current code from your authenticator.", "warning")
        return self.render_template("security/mfa_verify.html", form=form, appbuilder=self.appbuilder)

    @expose("/enrol", methods=["GET", "POST"])
    def enrol(self):
        """Set up an authenticator: scan the QR code, confirm with a code, keep the recovery codes."""
        pending = _pending_user()
        signed_in = g.user if g.user is not None and g.user.is_authenticated else None
        user = pending or signed_in
        if user is None:
            return redirect(self.appbuilder.get_url_for_login)
        if mfa.is_enrolled(user):
            if pending is not None:
                return redirect(url_for("MfaView.verify"))
            return self.render_template(
                "security/mfa_enrol.html", enrolled=True, appbuilder=self.appbuilder
            )
        secret = session.get(ENROL_SECRET) or mfa.new_secret()
        session[ENROL_SECRET] = secret
        form = CodeForm()
        if form.validate_on_submit():
            step = mfa.verify_setup_code(secret, form.code.data)
            if step is not None:
                lockout.queue_sign_in(user)
                codes = mfa.enable(user, secret, step)
                session.pop(ENROL_SECRET, None)
                if pending is not None:
                    self.appbuilder.sm.second_factor_passed(user)
                    next_url = session[PENDING].get("next") or "/"
                    start_session(user, next_url)
                else:
                    db.session.commit()
                    next_url = "/"
                return self.render_template(
                    "security/mfa_codes.html", codes=codes, next_url=next_url,
                    appbuilder=self.appbuilder,
                )
            flash("That code does not match. Check the time on your phone and try again.", "warning")
        uri = mfa.provisioning_uri(user, secret)
        return self.render_template(
            "security/mfa_enrol.html", enrolled=False, form=form, secret=secret,
            required=mfa.mfa_required_for(user),
            qr=Markup(mfa.qr_svg(uri)), appbuilder=self.appbuilder,
        )
