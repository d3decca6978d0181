"""The signed links emailed to owners, and the record that makes some of them single-use."""
import secrets
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import UsedLink
from ..tokens import TokenError, make_token, read_token

VERIFY, CONFIRM, MANAGE = "verify", "confirm", "manage"
_MAX_AGE_SETTING = {
    VERIFY: "VERIFY_LINK_MAX_AGE_S",
    CONFIRM: "CONFIRM_LINK_MAX_AGE_S",
    MANAGE: "MANAGE_LINK_MAX_AGE_S",
}
_PATHS = {
    VERIFY: "/register/verify/{token}",
    CONFIRM: "/register/confirm/{token}",
    MANAGE: "/register/manage/{token}",
}


class LinkUsedError(TokenError):
    """A single-use link followed a second time (410)."""

    status = 410


def link_url(purpose: str, payload: dict[str, Any], *, single_use: bool = False,
             language: str | None = None) -> str:
    """The absolute URL of a signed link (PUBLIC_BASE_URL), usable without a request; with the
    owner's `language` it opens in that language whatever the browser asks for."""
    if single_use:
        payload = {**payload, "n": secrets.token_urlsafe(16)}
    token = make_token(purpose, payload)
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    url = base + _PATHS[purpose].format(token=token)
    if language in current_app.config["PORTAL_LANGUAGES"]:
        url += f"?lang={language}"
    return url


def read_link(purpose: str, token: str) -> dict[str, Any]:
    """The payload of a link, or TokenError (expired, forged, or meant for something else)."""
    payload = read_token(purpose, token, current_app.config[_MAX_AGE_SETTING[purpose]])
    if not isinstance(payload, dict) or not isinstance(payload.get("r"), int):
        raise TokenError("This link is not valid.")
    return payload


def _nonce(payload: dict[str, Any]) -> str:
    nonce = payload.get("n")
    if not isinstance(nonce, str):
        raise TokenError("This link is not valid.")
    return nonce


def check_unused(purpose: str, payload: dict[str, Any]) -> None:
    """LinkUsedError if this single-use link was followed already (changes nothing)."""
    seen = db.session.execute(
        select(UsedLink.id).where(UsedLink.purpose == purpose, UsedLink.nonce == _nonce(payload))
    ).first()
    if seen:
        raise LinkUsedError("This link has already been used.")


def use_once(purpose: str, payload: dict[str, Any]) -> None:
    """Record a single-use link as followed in the caller's transaction; LinkUsedError if it was."""
    check_unused(purpose, payload)
    try:
        with db.session.begin_nested():  # a concurrent second click loses on the unique key
            db.session.add(UsedLink(purpose=purpose, nonce=_nonce(payload)))
    except IntegrityError:
        raise LinkUsedError("This link has already been used.") from None
