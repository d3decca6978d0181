"""Registry Staff's review page reads in words: units, plurals, never "None"."""
from backoffice.models import RegistrationLifecycle
from tests import factories
from tests.auth import login


def test_the_review_page_says_cameras_in_words_and_units(client):
    existing = factories.registration(address="77 Review Way", status="active")
    registration = factories.registration(address="77 Review Way", status="pending", cameras=2,
                                          owner=existing.owner, terms_version=None)
    registration.lifecycle = RegistrationLifecycle(manage_key=1)
    first, second = registration.cameras
    first.direction_deg, first.range_m, first.retention_days = 45, 25, 1
    second.direction_deg, second.retention_days = None, 30
    login(client, "staff")
    response = client.get(f"/review/{registration.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[page.find("<h2"):][:500]
    assert "45° from north" in page and "Unknown or all around" in page
    assert "25 m" in page and "1 day<" in page and "30 days" in page
    assert ">None<" not in page and "None" not in page.split("Terms accepted")[1][:80]
    assert "1 camera)" in page  # the possible duplicate, singular
    assert " d<" not in page and ">FOV<" not in page
