"""Each test sees the migrated seed data only: earlier tests' rows are rolled back."""
import pytest

from backoffice.extensions import db
from backoffice.models import Owner
from tests import factories


@pytest.mark.parametrize("attempt", [1, 2])
def test_writes_do_not_leak_between_tests(client, attempt):
    assert db.session.query(Owner).count() == 0
    factories.owner()
    db.session.commit()  # a commit inside a test is still rolled back afterwards
    assert db.session.query(Owner).count() == 1
