"""Why a request was refused: one exception hierarchy that carries its HTTP status.

Commands, queries and views raise these; one handler per API (JSON) and per screen family
(HTML page, or a flash message and a redirect) turns them into an answer
(backoffice.http_errors). A refusal changes nothing: the handler rolls the session back.

Statuses follow SPEC §5: 400 bad input, 403 the role may not, 404 not found (also for
another agency's records), 409 stale version or a guard that refuses, 410 a used or expired
link.
"""


class RegistryError(Exception):
    """Base: `message` says why in the users' words; `field` names the input at fault, if any."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInputError(RegistryError):
    """Input that is missing, malformed or out of range (400)."""

    status = 400


class ForbiddenError(RegistryError):
    """The user's role may not do this (403)."""

    status = 403


class NotFoundError(RegistryError):
    """No such record, or not one the user's agency may see (404)."""

    status = 404


class ConflictError(RegistryError):
    """The record changed meanwhile, or its state does not allow this now (409)."""

    status = 409


class GoneError(RegistryError):
    """A link that was used up or has expired (410)."""

    status = 410
