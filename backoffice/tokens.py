"""Signed, expiring tokens for the links emailed to owners."""
import logging
import re
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


# A path segment after one of the link routes, long enough to be a token (ids are short).
_TOKEN_IN_PATH = re.compile(r"(/(?:upload|evidence|verify|confirm|manage)/)[A-Za-z0-9_.\-]{16,}")
REDACTED = "[link]"


class TokensOutOfLogs(logging.Filter):
    """Replaces the tokens of owners' links in request lines (the development server's and
    gunicorn's access logs): a token is a key to an owner's record or evidence."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        redacted = _TOKEN_IN_PATH.sub(r"\1" + REDACTED, text)
        if redacted != text:
            record.msg, record.args = redacted, ()
        return True


TOKENS_FILTER = TokensOutOfLogs()


def keep_tokens_out_of_logs() -> None:
    """Attach the filter to the loggers that write request lines (idempotent)."""
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if TOKENS_FILTER not in logger.filters:
            logger.addFilter(TOKENS_FILTER)
