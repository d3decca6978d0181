"""Why a workflow command refused: one exception per reason, each a kind of
backoffice.errors.RegistryError that carries its HTTP status (SPEC §5: 403 role, 404 not found
or another agency's, 409 stale version or guard refused)."""
from backoffice.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError


class RequestNotFound(NotFoundError):
    """No such footage request (or evidence item) in the user's agency."""


class TriggerForbidden(ForbiddenError):
    """The user's role may not fire this trigger."""


class RequestChanged(ConflictError):
    """Somebody else changed the request since the user loaded it."""

    def __init__(self, message: str = "This request was changed by someone else; reload it and try again."):
        super().__init__(message)


class TransitionRefused(ConflictError):
    """The trigger is not possible from the current state, or its guard refuses."""


class InvalidInput(InvalidInputError):
    """The data given to a command is missing or malformed."""
