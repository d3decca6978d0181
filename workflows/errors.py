"""Why a workflow command refused: one exception per reason, mapped to HTTP by the API."""


class WorkflowError(Exception):
    """Base: a command refused and changed nothing; `message` says why in the users' words."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class RequestNotFound(WorkflowError):
    """No such footage request (or evidence item) in the user's agency."""


class TriggerForbidden(WorkflowError):
    """The user's role may not fire this trigger."""


class RequestChanged(WorkflowError):
    """Somebody else changed the request since the user loaded it."""

    def __init__(self, message: str = "This request was changed by someone else; reload it and try again."):
        super().__init__(message)


class TransitionRefused(WorkflowError):
    """The trigger is not possible from the current state, or its guard refuses."""


class InvalidInput(WorkflowError):
    """The data given to a command is missing or malformed."""
