"""Every URL rule of the app × anonymous and every role: no 5xx anywhere, and anonymous
visitors reach nothing but the explicitly public routes."""
import pytest
from sqlalchemy import func, inspect, select

from backoffice.extensions import db
from backoffice.models import Agency, AgencyUser, AuditEvent, Camera, Owner, Registration
from tests import factories
from tests.auth import login

# Routes anyone may load without signing in (everything else: 401 or a redirect to login).
PUBLIC_ENDPOINTS = {
    "HomeView.index",  # landing page with the sign-in link
    "RegistryAuthDBView.login",
    "static",
    "appbuilder.static",
    "favicon",  # the registry's icon, where browsers ask for it
    # owners' links: the signed, single-use token decides, not a role
    "OwnerUploadView.upload",
    "AreaAnswerView.answer",  # an owner's answer to an area request
    "EvidenceVerifyView.evidence",
    # the county's own basemap tiles (TILES_PATH): no registry data, and the portal's map uses them
    "tiles.tile",
    # the public transparency report: counts only, small ones suppressed
    "transparency.report",
    "transparency.report_pdf",
    "transparency.report_csv",
}
# The owners' portal is public by design; tests/backoffice/portal/test_public_routes.py
# lists each of its routes with the reason.
PUBLIC_PREFIXES = ("portal.",)
# Public, but only ever answer with a redirect.
REDIRECTING_ENDPOINTS = {
    "RegistryAuthDBView.logout",
    "LocaleView.index",
    "UtilView.back",
    "MfaView.verify",
    "MfaView.enrol",
}
ROLE_USERS = ["admin", "staff", "investigator", "supervisor", "auditor", "investigator2"]
ARG_VALUES = {
    "version": "v1",
    "filename": "x.csv",
    "locale": "en",
    "name": "delete",
    "group_by": "0",
}


def _rules(app):
    return sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))


def _pk_for(app, endpoint: str) -> int:
    """The id of a real row of the model behind an endpoint (1 when none)."""
    view_name = endpoint.split(".")[0]
    for view in app.appbuilder.baseviews:
        if type(view).__name__ == view_name and getattr(view, "datamodel", None) is not None:
            model = view.datamodel.obj
            found = db.session.execute(select(model).limit(1)).scalars().first()
            if found is not None:
                return getattr(found, inspect(model).primary_key[0].key)
    return 1


def _url(app, rule) -> str:
    values = {}
    for arg in rule.arguments:
        if arg in ("pk", "role_id"):
            values[arg] = _pk_for(app, rule.endpoint)
        else:
            values[arg] = ARG_VALUES.get(arg, "1")
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def _counts():
    db.session.expire_all()
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m))
            for m in (Owner, Registration, Camera, Agency, AgencyUser)}


@pytest.fixture()
def world(agency0_objects):
    factories.registration(notes="walk")
    db.session.commit()
    return agency0_objects


def test_public_endpoints_exist(ctx):
    endpoints = {rule.endpoint for rule in ctx.url_map.iter_rules()}
    assert PUBLIC_ENDPOINTS | REDIRECTING_ENDPOINTS <= endpoints


def test_anonymous_reaches_only_public_routes(client, world):
    app = client.application
    before = _counts()
    wrong = []
    for rule in _rules(app):
        url = _url(app, rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            status = response.status_code
            if status >= 500:
                wrong.append((method, url, status))
            elif rule.endpoint in PUBLIC_ENDPOINTS or rule.endpoint.startswith(PUBLIC_PREFIXES):
                continue
            elif rule.endpoint.endswith(".action") and method == "GET":
                # FAB refuses actions through GET (CSRF) before it checks the user.
                if status != 302:
                    wrong.append((method, url, status))
            elif rule.endpoint in REDIRECTING_ENDPOINTS:
                if status not in (302, 400):
                    wrong.append((method, url, status))
            elif method == "GET":
                location = response.headers.get("Location", "")
                if not (status == 401 or (status == 302 and "/login" in location)):
                    wrong.append((method, url, status, location))
            elif status not in (400, 401, 302):  # 400: CSRF token missing
                wrong.append((method, url, status))
    assert not wrong, "\n".join(map(str, wrong))
    assert _counts() == before


@pytest.mark.parametrize("username", ROLE_USERS)
def test_every_route_answers_every_role_without_error(client, world, username):
    app = client.application
    login(client, username)
    before = _counts()
    errors = []
    for rule in _rules(app):
        if "GET" not in rule.methods or rule.endpoint in ("RegistryAuthDBView.logout", "LocaleView.index"):
            continue
        url = _url(app, rule)
        response = client.get(url)
        if response.status_code >= 500:
            errors.append((url, response.status_code))
    assert not errors, "\n".join(map(str, errors))
    assert _counts() == before, "GET requests changed data (delete or action through GET)"
    assert client.get("/users/userinfo/").status_code == 200, "still signed in"


def test_get_never_deletes(client, world):
    """FAB's delete route also answers GET; with CSRF protection on, it refuses to act."""
    owner = factories.owner()
    db.session.commit()
    login(client, "staff")
    client.get(f"/ownerview/delete/{owner.id}")
    db.session.expire_all()
    assert db.session.get(Owner, owner.id) is not None


def test_audit_log_reads_in_the_walk_are_recorded(client, world):
    login(client, "auditor")
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    client.get("/auditeventview/list/")
    client.get("/api/v1/audit_event/")
    db.session.expire_all()
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before + 2
