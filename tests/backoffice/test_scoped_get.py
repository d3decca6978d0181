"""Commands load cases, requests and evidence by id through one scoped lookup: another
agency's record is the same "not found" as none, and the refused read is audited."""
import pytest

from backoffice.extensions import db
from backoffice.models import AuditEvent, Case
from backoffice.scoping import scoped_get
from tests import factories


class Missing(Exception):
    pass


def test_own_agency_found_other_agency_refused_and_audited(client):
    ours, theirs = factories.case(0), factories.case(1)
    db.session.commit()
    user = factories.user("investigator")
    with client.application.test_request_context("/api/v1/footage_request/"):  # as commands run
        assert scoped_get(Case, ours.id, user, Missing) is ours
        before = db.session.query(AuditEvent).filter_by(action="access.refused", object_id=theirs.id).count()
        with pytest.raises(Missing):
            scoped_get(Case, theirs.id, user, Missing)
        after = db.session.query(AuditEvent).filter_by(action="access.refused", object_id=theirs.id).count()
        assert after == before + 1
        for impossible in ("abc", -1, 2**63, None, 1.5):
            with pytest.raises(Missing):
                scoped_get(Case, impossible, user, Missing)
    admin = factories.user("admin")
    assert scoped_get(Case, theirs.id, admin, Missing) is theirs  # county-wide
