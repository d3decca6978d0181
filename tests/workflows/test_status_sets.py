"""Decisions where copies of a status set disagreed (backoffice.domain): only active
registrations are asked for footage, everywhere; a declined request is settled (a new one may
be opened) but, as SPEC §4 says, may still be cancelled."""
import pytest

from backoffice import domain
from backoffice.extensions import db
from tests import factories
from tests.workflows.helpers import request_in
from workflows import footage_request as wf
from workflows.canvass_requests import RequestCreationError, create_footage_requests
from workflows.machine import RULES_BY_TRIGGER, State


@pytest.mark.parametrize("status", ["lapsed", "pending", "withdrawn"])
def test_only_active_registrations_are_asked_for_footage(ctx, status):
    case = factories.case()
    registration = factories.registration(status=status)
    db.session.commit()
    investigator = factories.user("investigator")
    with pytest.raises(wf.TransitionRefused, match=f"is {status}; footage cannot be requested"):
        wf.open_request(investigator, case_id=case.id, registration_id=registration.id)
    with pytest.raises(RequestCreationError, match="not active"):
        create_footage_requests(case, [registration.cameras[0].id], investigator)


def test_a_declined_request_is_settled_but_may_be_cancelled(ctx):
    declined = request_in("declined")
    again = wf.open_request(factories.user("investigator"), case_id=declined.case_id,
                            registration_id=declined.registration_id)
    assert again.id != declined.id and again.state == "open"
    assert State.declined in RULES_BY_TRIGGER["cancel"].source
    assert wf.fire(declined.id, "cancel", factories.user("investigator"), declined.version,
                   {"reason": "owner declined, set aside"}).state == "cancelled"
    for final in domain.FINAL_STATES:
        assert not [rule for rule in RULES_BY_TRIGGER.values() if State(final) in rule.source]
