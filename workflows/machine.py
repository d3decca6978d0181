"""The footage-request state machine of SPEC §4 as data: states, transitions, guards, roles.

Nothing here touches the database: guards are pure predicates over `Facts`, and a
`transitions.Machine` is built per request (it holds strong references to its model, so
a shared machine would keep every request alive).
"""
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable, Mapping

from transitions import Machine

from backoffice.domain import FINAL_STATES
from backoffice.models.validation import MIN_WRITTEN_REASON, written_reason


class State(Enum):
    """Footage-request states (exact names of SPEC §4)."""

    open = "open"
    contacted = "contacted"
    consented = "consented"
    declined = "declined"
    no_response = "no_response"
    collected = "collected"
    release_pending = "release_pending"
    released = "released"
    closed = "closed"
    cancelled = "cancelled"


INVESTIGATOR, SUPERVISOR = "investigator", "supervisor"

CONTACT_METHODS = ("phone", "email", "sms", "in_person", "letter")
CONSENT_METHODS = ("written", "verbal", "email", "phone", "in_person")
CONSENT_SCOPES = ("evidence_only", "media_release")
RELEASE_KINDS = ("agency_share", "media_public", "court_order")

# Roles that act as an investigator / supervisor. Supervisors may do everything an
# investigator may; Admin is the system administrator and may do everything (SPEC §2).
ACTING_ROLES = {
    INVESTIGATOR: {"Investigator", "Supervisor", "Admin"},
    SUPERVISOR: {"Supervisor", "Admin"},
}


@dataclass(frozen=True)
class Facts:
    """What guards may look at: the request as loaded, the guard data, and who acts."""

    state: str
    data: Mapping[str, Any]
    actor_id: int | None
    contact_attempts: int = 0
    hashed_evidence: int = 0
    release_requested_by_id: int | None = None
    consent_scope: str | None = None
    release_kind: str | None = None

    def text(self, name: str) -> str:
        """A guard-data field as trimmed text ("" when missing)."""
        value = self.data.get(name)
        return value.strip() if isinstance(value, str) else ""


@dataclass(frozen=True)
class Guard:
    """A side-effect-free condition and the message shown when it refuses."""

    test: Callable[[Facts], bool]
    message: str
    needs_input: bool = True  # False: decidable before the user fills in a form


def _given(name: str, label: str) -> Guard:
    return Guard(lambda f: bool(f.text(name)), f"{label} is required.")


def _one_of(name: str, choices: tuple[str, ...], label: str) -> Guard:
    return Guard(
        lambda f: f.text(name) in choices, f"{label} must be one of: {', '.join(choices)}."
    )


def needs_override(consent_scope: str | None, release_kind: str | None) -> bool:
    """True for a release to the media or the public that the owner did not consent to (their
    consent covers evidence use only): it takes the approving supervisor's override reason.
    A court-order release needs no consent, and sharing with another law-enforcement agency
    is evidence use."""
    return release_kind == "media_public" and consent_scope != "media_release"


def release_grounds(consent_scope: str | None, release_kind: str | None, override_reason: str = "") -> str:
    """What a release rests on: "court_order", "consent" or "override"."""
    if release_kind == "court_order":
        return "court_order"
    if not needs_override(consent_scope, release_kind):
        return "consent"
    return "override" if written_reason(override_reason) else ""


def _consent_or_override(facts: Facts) -> bool:
    return bool(release_grounds(facts.consent_scope, facts.release_kind, facts.text("override_reason")))


def _court_order_has_reference(facts: Facts) -> bool:
    return facts.text("kind") != "court_order" or bool(facts.text("court_order_ref"))


GUARDS: dict[str, tuple[Guard, ...]] = {
    "contact_owner": (_one_of("method", CONTACT_METHODS, "Contact method"),),
    "record_consent": (
        _given("given_by", "Who gave consent"),
        _one_of("method", CONSENT_METHODS, "How consent was given"),
        _one_of("scope", CONSENT_SCOPES, "Consent scope"),
    ),
    "record_refusal": (_given("reason", "A reason"),),
    "mark_no_response": (
        Guard(
            lambda f: f.contact_attempts >= 1,
            "Record at least one contact attempt before marking no response.",
            needs_input=False,
        ),
    ),
    "collect": (
        Guard(
            lambda f: f.hashed_evidence >= 1,
            "Add at least one evidence item before marking the footage collected.",
            needs_input=False,
        ),
    ),
    "request_release": (
        _one_of("kind", RELEASE_KINDS, "Release kind"),
        _given("basis", "The legal basis"),
        Guard(_court_order_has_reference, "A court order release needs the order's reference."),
    ),
    "approve_release": (
        Guard(
            lambda f: f.actor_id is not None and f.actor_id != f.release_requested_by_id,
            "The release must be approved by someone other than the person who requested it.",
            needs_input=False,
        ),
        Guard(
            _consent_or_override,
            "The owner consented to evidence use only, not to release to the media or the public. "
            "Approve it only with a court order, or write your override reason "
            f"(a sentence of at least {MIN_WRITTEN_REASON} characters).",
        ),
    ),
    "deny_release": (_given("reason", "A reason"),),
    "close": (),
    "cancel": (_given("reason", "A reason"),),
}

S = State
_NOT_FINAL = [s for s in State if s.value not in FINAL_STATES]


@dataclass(frozen=True)
class Rule:
    """One row of the SPEC §4 table."""

    trigger: str
    source: tuple[State, ...]
    dest: State
    who: str
    guards: tuple[Guard, ...] = field(default=())


def _rule(trigger: str, source, dest: State, who: str = INVESTIGATOR) -> Rule:
    source = tuple(source) if isinstance(source, (list, tuple)) else (source,)
    return Rule(trigger, source, dest, who, GUARDS[trigger])


RULES: tuple[Rule, ...] = (
    _rule("contact_owner", [S.open, S.no_response], S.contacted),
    _rule("record_consent", S.contacted, S.consented),
    _rule("record_refusal", S.contacted, S.declined),
    _rule("mark_no_response", S.contacted, S.no_response),
    _rule("collect", S.consented, S.collected),
    _rule("request_release", S.collected, S.release_pending),
    _rule("approve_release", S.release_pending, S.released, SUPERVISOR),
    _rule("deny_release", S.release_pending, S.collected, SUPERVISOR),
    _rule("close", [S.collected, S.released], S.closed),
    _rule("cancel", _NOT_FINAL, S.cancelled),
)
RULES_BY_TRIGGER = {rule.trigger: rule for rule in RULES}
TRIGGERS = tuple(RULES_BY_TRIGGER)


def role_may(roles: set[str], trigger: str) -> bool:
    """True when one of the user's role names may fire the trigger at all."""
    rule = RULES_BY_TRIGGER[trigger]
    return bool(roles & ACTING_ROLES[rule.who])


def failed_guard(trigger: str, facts: Facts, *, input_guards: bool = True) -> Guard | None:
    """The first guard of the trigger that refuses, or None."""
    for guard in RULES_BY_TRIGGER[trigger].guards:
        if (input_guards or not guard.needs_input) and not guard.test(facts):
            return guard
    return None


class _Subject:
    """The machine's model: a state only (the request row is changed by the command)."""

    trigger: Callable[..., bool]  # added by the machine (transitions) when the model joins it

    def __init__(self, state: State):
        self.state = state


def build_machine(state: str) -> tuple[Machine, _Subject]:
    """A machine positioned at `state`, whose conditions are the guards of SPEC §4."""
    subject = _Subject(State(state))
    machine = Machine(
        model=subject,
        states=State,
        initial=State(state),
        auto_transitions=False,
        send_event=True,
        ignore_invalid_triggers=False,
    )
    for rule in RULES:
        machine.add_transition(
            rule.trigger,
            list(rule.source),
            rule.dest,
            conditions=[_condition(guard) for guard in rule.guards],
        )
    return machine, subject


def _condition(guard: Guard) -> Callable:
    return lambda event: guard.test(event.kwargs["facts"])


def triggers_from(state: str) -> list[str]:
    """Triggers that leave `state`, in table order."""
    current = State(state)
    return [rule.trigger for rule in RULES if current in rule.source]


def next_state(trigger: str, facts: Facts) -> State | None:
    """Run the machine: the state the trigger leads to, or None when it is refused."""
    machine, subject = build_machine(facts.state)
    try:
        if trigger not in machine.get_triggers(subject.state):
            return None
        moved = subject.trigger(trigger, facts=facts)
        return subject.state if moved else None
    finally:
        machine.remove_model(subject)
