"""The state machine as `transitions` means it: one machine, a model attached for a call and
detached after it, guards run once per trigger, `may_<trigger>` for what may be done now,
final states declared."""
import gc
import threading
import weakref
from contextlib import contextmanager

import pytest

from backoffice.domain import FINAL_STATES
from tests import factories
from tests.workflows.helpers import READY, request_in
from workflows import footage_request as wf
from workflows import machine
from workflows.errors import TransitionRefused
from workflows.machine import MACHINE, RULES_BY_TRIGGER, Facts, attached, move, possible_now


@contextmanager
def counted(trigger: str):
    """Count the calls of every guard of `trigger` (the guards themselves still decide)."""
    calls = []
    guards = RULES_BY_TRIGGER[trigger].guards
    saved = [guard.test for guard in guards]
    for guard, test in zip(guards, saved, strict=True):
        object.__setattr__(guard, "test", lambda facts, test=test, guard=guard: calls.append(guard) or test(facts))
    try:
        yield calls
    finally:
        for guard, test in zip(guards, saved, strict=True):
            object.__setattr__(guard, "test", test)


def test_a_fired_trigger_runs_each_guard_once(ctx, mailbox):
    state, data = READY["record_consent"]
    request = request_in(state)
    with counted("record_consent") as calls:
        outcome = wf.fire(request.id, "record_consent", factories.user("investigator"), 1, data)
    assert outcome.state == "consented"
    assert len(calls) == len(RULES_BY_TRIGGER["record_consent"].guards) == 3
    assert len(set(map(id, calls))) == 3


def test_a_refused_trigger_runs_its_guards_once_and_says_which_refused(ctx, mailbox):
    request = request_in("contacted")
    with counted("record_refusal") as calls, pytest.raises(TransitionRefused) as refused:
        wf.fire(request.id, "record_refusal", factories.user("investigator"), 1, {"reason": " "})
    assert refused.value.message == "A reason is required."
    assert len(calls) == 1


def test_what_may_be_done_now_checks_only_the_guards_that_need_no_form():
    facts = Facts(state="contacted", data={}, actor_id=1, contact_attempts=0)
    assert possible_now(facts) == ["record_consent", "record_refusal", "cancel"]
    with attached("contacted") as request:
        assert request.may_mark_no_response(facts=facts, input_guards=False) is False
        assert request.may_record_refusal(facts=facts, input_guards=False) is True
        assert request.may_record_refusal(facts=facts) is False  # no reason given
    facts = Facts(state="contacted", data={}, actor_id=1, contact_attempts=1)
    assert "mark_no_response" in possible_now(facts)


def test_one_machine_that_keeps_no_request_between_calls(ctx, mailbox):
    before = MACHINE
    request = request_in("open")
    wf.fire(request.id, "contact_owner", factories.user("investigator"), 1, READY["contact_owner"][1])
    assert machine.MACHINE is before
    assert MACHINE.models == []
    with attached("open") as subject:
        assert MACHINE.models == [subject]
        kept = weakref.ref(subject)
    del subject
    gc.collect()
    assert kept() is None and MACHINE.models == []


def test_final_states_are_declared_and_nothing_leaves_them():
    final = {name for name, state in MACHINE.states.items() if state.final}
    assert final == set(FINAL_STATES)
    for name in final:
        with attached(name) as subject:
            assert MACHINE.get_triggers(subject.state.name) == []
    assert move("cancel", Facts(state="closed", data={"reason": "x"}, actor_id=1)) == (None, None)


def test_threads_share_the_machine():
    errors, moved = [], []

    def work():
        try:
            for _ in range(200):
                dest, refused = move("record_refusal", Facts(state="contacted", data={"reason": "no"}, actor_id=1))
                moved.append(dest.value)
                assert move("record_refusal", Facts(state="contacted", data={}, actor_id=1))[1] is not None
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and set(moved) == {"declined"} and len(moved) == 800
    assert MACHINE.models == []
