"""The machine is SPEC §4's table, exactly: states, triggers, sources, destinations, who."""
from workflows.machine import MACHINE, RULES, SUPERVISOR, State, attached, triggers_from
from backoffice.domain import REQUEST_STATES

SPEC_TABLE = {
    ("open", "contact_owner"): "contacted",
    ("contacted", "record_consent"): "consented",
    ("contacted", "record_refusal"): "declined",
    ("contacted", "mark_no_response"): "no_response",
    ("no_response", "contact_owner"): "contacted",
    ("consented", "collect"): "collected",
    ("collected", "request_release"): "release_pending",
    ("release_pending", "approve_release"): "released",
    ("release_pending", "deny_release"): "collected",
    ("collected", "close"): "closed",
    ("released", "close"): "closed",
    **{(s, "cancel"): "cancelled" for s in REQUEST_STATES if s not in ("closed", "cancelled")},
}


def test_states_are_the_spec_names():
    assert [s.value for s in State] == list(REQUEST_STATES)
    assert all(s.name == s.value for s in State)


def test_transition_table_is_the_spec_table():
    table = {(source.value, r.trigger): r.dest.value for r in RULES for source in r.source}
    assert table == SPEC_TABLE
    assert {r.trigger for r in RULES if r.who == SUPERVISOR} == {"approve_release", "deny_release"}


def test_no_automatic_transitions():
    with attached("open") as subject:
        assert not any(name.startswith("to_") for name in MACHINE.get_triggers(*[s.name for s in State]))
        assert not hasattr(subject, "to_closed")
    assert triggers_from("closed") == [] and triggers_from("cancelled") == []
