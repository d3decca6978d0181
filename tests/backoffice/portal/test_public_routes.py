"""The portal is anonymous by design: the signed link, not a role, says who may act.

Every route of the portal blueprint is listed here; a new one fails this test until someone
decides it may be public. Nothing else in the app is reachable without signing in.
"""
PUBLIC_BY_DESIGN = {
    "/register": "the registration form",
    "/register/sent": "after submitting: check your email",
    "/register/terms": "the current programme terms",
    "/register/addresses": "address suggestions from the county's public address points",
    "/register/county-outline": "the county's outline for the pin map (public county data)",
    "/register/address-points": "house numbers in view for the pin map: public address points, rate-limited",
    "/register/static/<path:filename>": "the portal's CSS, JS and Leaflet",
    "/register/verify/<token>": "signed, single-use, expiring verification link",
    "/register/confirm/<token>": "signed, single-use, expiring annual confirmation link",
    "/register/manage/<token>": "signed, expiring management link (voided on withdrawal)",
    "/register/manage/<token>/withdraw": "same management link",
    "/register/manage/<token>/access": "same management link",
    "/register/manage/<token>/picture/<int:camera_id>": "same management link, one of its cameras",
    "/register/manage/<token>/picture/<int:camera_id>/remove": "same management link, one of its cameras",
    "/register/manage/<token>/picture/<int:camera_id>/thumb": "same management link, one of its cameras",
}


def test_every_portal_route_is_declared_public(app):
    rules = {rule.rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("portal.")}
    assert rules == set(PUBLIC_BY_DESIGN)


def test_portal_pages_need_no_login(client):
    assert client.get("/register").status_code == 200
    assert client.get("/register/terms").status_code == 200
    assert client.get("/register/addresses?q=12").status_code == 200


def test_link_pages_refuse_without_a_valid_token(client):
    for path in ("/register/verify/x", "/register/confirm/x", "/register/manage/x",
                 "/register/manage/x/withdraw", "/register/manage/x/access"):
        response = client.get(path)
        assert response.status_code == 400, path
        assert "This link is not valid." in response.get_data(as_text=True)
    for path in ("/register/verify/x", "/register/confirm/x"):  # the buttons' POST too
        response = client.post(path)
        assert response.status_code == 400, path
        assert "This link is not valid." in response.get_data(as_text=True)


def test_map_library_is_served_from_our_own_static_files(client):
    html = client.get("/register").get_data(as_text=True)
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert "https://" not in html and "http://" not in html.replace("http://localhost", "")
    assert client.get("/static/vendor/leaflet/leaflet.js").status_code == 200
    assert client.get("/register/static/portal.js").status_code == 200
