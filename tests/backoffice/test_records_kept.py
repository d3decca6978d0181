"""Cases are closed, not deleted: no investigator or supervisor screen deletes one (Admin's
delete asks for a reason: tests/backoffice/test_deletes.py)."""
import pytest

from backoffice.extensions import db
from backoffice.models import Case
from tests import factories
from tests.auth import csrf_token, login


@pytest.mark.parametrize("username", ["investigator", "supervisor"])
def test_case_delete_route_is_gone_and_case_remains(client, ctx, username):
    case = factories.case(0)  # first agency: the signed-in users see it
    db.session.commit()
    login(client, username)
    token = csrf_token(client, "/caseview/add")

    response = client.post(f"/caseview/delete/{case.id}", data={"csrf_token": token})

    assert response.status_code in (403, 404, 405)
    assert db.session.get(Case, case.id) is not None
    assert f"/caseview/delete/{case.id}" not in client.get(f"/caseview/show/{case.id}").get_data(as_text=True)
