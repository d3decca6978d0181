"""Signed, expiring tokens for the links emailed to owners."""
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from .errors import InvalidInputError


class TokenError(InvalidInputError, ValueError):
    """A link that is forged or meant for something else (400)."""


class LinkExpiredError(TokenError):
    """A link older than its lifetime (410)."""

    status = 410


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"registry.{purpose}")


def make_token(purpose: str, payload: Any) -> str:
    """Sign payload for one purpose (e.g. "verify", "manage", "upload")."""
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age_s: int) -> Any:
    """The payload of a valid token for this purpose, else TokenError saying why."""
    try:
        return _serializer(purpose).loads(token, max_age=max_age_s)
    except SignatureExpired:
        raise LinkExpiredError("This link has expired.") from None
    except BadSignature:
        raise TokenError("This link is not valid.") from None
