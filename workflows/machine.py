"""The footage-request state machine of SPEC §4: states, transitions, guards, and who may fire them.

Nothing here touches the database: guards are pure predicates over `Facts`.

Shape, as the `transitions` library means it to be used: ONE machine for the whole process
(MACHINE, built once at import from RULES), and a light model per call. A call attaches a
model positioned at the request's state (`attached`), asks or fires, and detaches it again,
so the machine keeps no reference to any request between calls. The machine is a
LockedMachine because requests may be served in threads, which attach and detach
models at the same time. Each transition has one condition that runs the trigger's guards in
order, once, and notes the first that refuses on the model: firing a trigger evaluates each
guard once and still says why it was refused. `may_<trigger>` (the library's own check,
run with the guards that need no form data) is what the user may do now. `closed` and
`cancelled` are declared final; nothing leaves them.

Who may fire a trigger is an ability (backoffice.security.roles) asked of the security
manager by the commands (workflows.footage_request): `Rule.who` names it.
"""
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable, Iterator, Mapping

from transitions.extensions import LockedMachine

from backoffice.domain import FINAL_STATES
from backoffice.models.validation import MIN_WRITTEN_REASON, written_reason
from backoffice.security.roles import ACT_AS_INVESTIGATOR, DECIDE_RELEASE, Ability


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

# What it takes to fire a trigger of each "who" (SPEC §4): the roles that have it are declared
# in backoffice.security.roles (supervisors may do all an investigator may; Admin everything).
ABILITY: dict[str, Ability] = {INVESTIGATOR: ACT_AS_INVESTIGATOR, SUPERVISOR: DECIDE_RELEASE}


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


def ability_for(trigger: str) -> Ability:
    """The ability a user needs to fire `trigger` at all."""
    return ABILITY[RULES_BY_TRIGGER[trigger].who]


def failed_guard(trigger: str, facts: Facts, *, input_guards: bool = True) -> Guard | None:
    """The first guard of the trigger that refuses, or None."""
    for guard in RULES_BY_TRIGGER[trigger].guards:
        if (input_guards or not guard.needs_input) and not guard.test(facts):
            return guard
    return None


class Subject:
    """The machine's model for one call: the request's state, and the guard that refused the
    last trigger (the request row itself is changed by the command)."""

    trigger: Callable[..., bool]  # added by the machine (transitions) while the model is attached

    def __init__(self) -> None:
        self.state: State | None = None
        self.refused: Guard | None = None


def _guards_pass(event) -> bool:
    """The one condition of every transition: the trigger's guards, in order, each run once.
    Event data: `facts`, and `input_guards=False` to skip the guards that need form data."""
    refused = failed_guard(event.event.name, event.kwargs["facts"],
                           input_guards=event.kwargs.get("input_guards", True))
    event.model.refused = refused
    return refused is None


MACHINE = LockedMachine(
    model=None,
    states=[{"name": state, "final": state.value in FINAL_STATES} for state in State],
    initial=None,
    auto_transitions=False,
    send_event=True,
    ignore_invalid_triggers=False,
)
for _rule_ in RULES:
    MACHINE.add_transition(_rule_.trigger, list(_rule_.source), _rule_.dest, conditions=[_guards_pass])
del _rule_


@contextmanager
def attached(state: str) -> Iterator[Subject]:
    """A model positioned at `state`, attached to MACHINE for the `with` block only."""
    subject = Subject()
    MACHINE.add_model(subject, initial=State(state))
    try:
        yield subject
    finally:
        MACHINE.remove_model(subject)


def triggers_from(state: str) -> list[str]:
    """Triggers that leave `state`, in table order."""
    current = State(state)
    return [rule.trigger for rule in RULES if current in rule.source]


def possible_now(facts: Facts) -> list[str]:
    """Triggers that leave the request's state and whose guards that need no form data pass
    (`may_<trigger>`); who may fire them is asked separately."""
    with attached(facts.state) as subject:
        return [trigger for trigger in triggers_from(facts.state)
                if getattr(subject, f"may_{trigger}")(facts=facts, input_guards=False)]


def move(trigger: str, facts: Facts) -> tuple[State | None, Guard | None]:
    """Fire `trigger` from the request's state: (the state it leads to, None), or (None, the
    guard that refused) — (None, None) when the trigger does not leave this state."""
    if trigger not in triggers_from(facts.state):
        return None, None
    with attached(facts.state) as subject:
        moved = subject.trigger(trigger, facts=facts)
        return (subject.state if moved else None), subject.refused
