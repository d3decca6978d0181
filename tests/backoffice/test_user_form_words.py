"""The admin's user form speaks to people: no "__None" in the agency box, no LDAP jargon."""
import html
import re

import pytest

from tests.auth import login


@pytest.mark.parametrize("url", ["/users/add", "/users/edit/{id}"])
def test_user_form_offers_agencies_in_words(client, url):
    login(client, "admin")
    user_id = client.application.appbuilder.sm.find_user(username="staff").id
    page = html.unescape(client.get(url.format(id=user_id)).get_data(as_text=True))
    blank = re.search(r'<option[^>]*value="__None"[^>]*>([^<]*)</option>', page)
    assert blank and blank.group(1).strip() == "— choose the user's agency —"
    assert "LDAP" not in page and "OID" not in page
    assert "The name this user signs in with" in page
