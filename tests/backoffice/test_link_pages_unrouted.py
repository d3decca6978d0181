"""An owner's link cut short (/upload/ or /area/ with no token, or with more after it) is
answered by the owners' own page, in their language, saying the link is not valid: not by the
back office's "Not found" page with its sign-in link."""
import pytest


@pytest.mark.parametrize("path", ["/upload/", "/upload", "/upload/abc/def", "/area/", "/area", "/area/x/y"])
def test_a_link_cut_short_gets_the_owners_page(client, path):
    response = client.get(path)
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "This link is not valid." in page
    assert "/login/" not in page


@pytest.mark.parametrize("path", ["/upload/", "/area/"])
def test_in_spanish_too(client, path):
    response = client.get(f"{path}?lang=es")
    assert response.status_code == 404
    assert "Este enlace no es válido." in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/area-requests/x/y", "/no-such-page/"])
def test_other_unknown_addresses_keep_the_back_offices_page(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "This link is not valid." not in response.get_data(as_text=True)
