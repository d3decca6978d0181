"""Every HTML screen with the inputs a crafted or mistyped URL carries: ids beyond the column's
range (2**31 overflows PostgreSQL's INTEGER, 10**20 SQLite's), page numbers that are negative,
huge or not numbers, page sizes of a billion, sort columns the model does not have, filters
on unknown columns and with impossible values, actions that do not exist. Signed in as each
role and as a visitor: no answer is a server error, and nothing changes."""
import pytest
from flask_appbuilder import ModelView
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from backoffice.extensions import db
from backoffice.models import Agency, AgencyUser, Camera, Case, FootageRequest, Owner, Registration
from tests import factories
from tests.auth import CSRF_RE, login
from tests.security.test_route_matrix import ROLE_USERS, _pk_for

BIG_IDS = (2**31, 10**20)
ID_ARGS = {"pk", "role_id", "item_id"}
OTHER_ARGS = {"name": "nope", "trigger": "nope", "token": "not-a-token", "group_by": "nope",
              "filename": "x.csv", "locale": "en", "version": "v1"}
SKIPPED = ("/api/", "/static/", "/appbuilder/", "/register/static", "/logout", "/lang/")


def _counts():
    db.session.expire_all()
    return [db.session.scalar(select(func.count()).select_from(m))
            for m in (Owner, Registration, Camera, Case, FootageRequest, Agency, AgencyUser)]


def model_views(app):
    """The registered Flask-AppBuilder model screens (ours and its security screens)."""
    return [view for view in app.appbuilder.baseviews
            if isinstance(view, ModelView) and not view.route_base.startswith("/api")]


def list_variants(view) -> list[str]:
    """Query strings that FAB's list arguments turn into database input (the first four also
    apply to the lists a show page embeds)."""
    name = type(view).__name__
    first = (view.search_columns or ["name"])[0]
    variants = [
        f"page_{name}=-1", f"psize_{name}=1000000000", f"_oc_{name}=nope&_od_{name}=asc",
        f"_oc_{name}=lat&_od_{name}=desc",
        f"page_{name}=99999999999999999999", f"page_{name}=abc", f"psize_{name}=-3",
        f"_oc_{name}=owner.name&_od_{name}=asc", "_flt_0_nope=1", f"_flt_9_{first}=x",
    ]
    for column in view.search_columns or []:
        variants += [f"_flt_0_{column}=99999999999999999999", f"_flt_1_{column}=x"]
    return variants


def screen_rules(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.rule.startswith(SKIPPED) or rule.endpoint in ("static", "RegistryAuthDBView.logout"):
            continue
        yield rule


def urls_for(app, rule) -> list[str]:
    """The rule's URL with each id argument beyond range (or 1 when it takes none)."""
    from flask import url_for

    if not rule.arguments:
        return []
    urls = []
    for big in BIG_IDS if rule.arguments & ID_ARGS else BIG_IDS[:1]:
        values = {arg: (big if arg in ID_ARGS else OTHER_ARGS.get(arg, "1")) for arg in rule.arguments}
        with app.test_request_context():
            urls.append(url_for(rule.endpoint, **values))
    return urls


def walk(client, token: str | None) -> list:
    """GET every screen variant and POST every screen route with impossible ids; the 5xx."""
    app = client.application
    errors = []

    def check(method, url, **kwargs):
        response = client.open(url, method=method, **kwargs)
        db.session.rollback()
        if response.status_code >= 500:
            errors.append((method, url, response.status_code))
        return response

    for view in model_views(app):
        base = view.route_base
        # Without the permission FAB refuses before it reads the list: a few variants show it.
        allowed = client.get(f"{base}/list/").status_code == 200
        for query in list_variants(view)[: None if allowed else 3]:
            check("GET", f"{base}/list/?{query}")
        pk = _pk_for(app, f"{type(view).__name__}.show")
        for related in (getattr(view, "_related_views", None) or []) if allowed else []:  # on the show page
            for query in list_variants(related)[:4]:
                check("GET", f"{base}/show/{pk}?{query}")
    for rule in screen_rules(app):
        for url in urls_for(app, rule):
            if "GET" in rule.methods:
                check("GET", url)
            if "POST" in rule.methods and token:
                check("POST", url, data={"csrf_token": token, "action": "nope", "rowid": [str(BIG_IDS[0]), "x"]})
    for view in model_views(app) if token else []:
        for action in ["nope", *view.actions]:
            check("POST", f"{view.route_base}/action_post",
                  data={"csrf_token": token, "action": action, "rowid": [str(b) for b in BIG_IDS]})
            check("POST", f"{view.route_base}/action/{action}/{BIG_IDS[1]}", data={"csrf_token": token})
    return errors


def _signed_in_token(client, username: str) -> str:
    """Sign in through the form; the form's CSRF token stays valid for the session."""
    token = CSRF_RE.search(client.get("/login/").get_data(as_text=True)).group(1)
    assert login(client, username).status_code == 302
    return token


@pytest.fixture()
def world(ctx):
    factories.footage_request(factories.case(0))
    db.session.commit()


@pytest.mark.parametrize("username", ROLE_USERS + ["supervisor2"])
def test_every_screen_survives_impossible_input_for_every_role(client, world, username):
    token = _signed_in_token(client, username)
    before = _counts()
    errors = walk(client, token)
    assert not errors, "\n".join(map(str, errors))
    assert _counts() == before
    assert client.get("/users/userinfo/").status_code == 200, "still signed in"


def test_every_screen_survives_impossible_input_for_visitors(client, world):
    token = CSRF_RE.search(client.get("/login/").get_data(as_text=True)).group(1)
    before = _counts()
    errors = walk(client, token)
    assert not errors, "\n".join(map(str, errors))
    assert _counts() == before


@pytest.fixture()
def staff(client, world):
    _signed_in_token(client, "admin")
    return client


@pytest.mark.parametrize("url", [
    "/ownerview/show/2147483648", "/ownerview/edit/99999999999999999999", "/cameraview/show/abc",
    "/users/show/2147483648", "/roles/edit/99999999999999999999", "/caseview/show/2147483648",
    "/footage/2147483648", "/footage/99999999999999999999/receipt.pdf",
    "/footage/evidence/2147483648/custody.pdf", "/review/99999999999999999999",
    "/auditeventview/show/2147483648", "/ownerview/show/" + "9" * 5000,
])
def test_a_record_that_cannot_exist_is_a_readable_404(staff, url):
    response = staff.get(url)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert 'id="error-page"' in html and "Traceback" not in html


@pytest.mark.parametrize("query, fragment", [
    ("page_CameraView=-1", "page"),
    ("page_CameraView=99999999999999999999", "page"),
    ("page_CameraView=abc", "page_CameraView"),
    ("psize_CameraView=1000000000", "page size"),
    ("psize_CameraView=-3", "page size"),
    ("_oc_CameraView=nope&_od_CameraView=asc", "nope"),
    ("_oc_CameraView=lat&_od_CameraView=asc", "lat"),
    ("_flt_0_retention_days=99999999999999999999", "retention_days"),
])
def test_impossible_list_arguments_get_a_readable_400(staff, query, fragment):
    response = staff.get(f"/cameraview/list/?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="error-page"' in html and fragment in html


def test_sensible_list_arguments_still_work(staff):
    factories.registration(cameras=3)
    db.session.commit()
    page = staff.get("/cameraview/list/?psize_CameraView=2&page_CameraView=1&_oc_CameraView=label&_od_CameraView=asc")
    assert page.status_code == 200
    assert staff.get("/cameraview/list/?_flt_0_retention_days=14").status_code == 200
    assert staff.get("/cameraview/list/?psize_CameraView=0").status_code == 200  # FAB: the default size


def test_actions_on_records_that_cannot_exist_are_not_found(staff):
    token = CSRF_RE.search(staff.get("/ownerview/add").get_data(as_text=True)).group(1)
    for action in ("unlock", "resetmfa", "resetpasswords"):
        response = staff.post(f"/users/action/{action}/2147483648", data={"csrf_token": token})
        assert response.status_code == 404, action
    response = staff.post("/users/action_post", data={"csrf_token": token, "action": "unlock",
                                                      "rowid": ["2147483648", "99999999999999999999"]})
    assert response.status_code == 404


def test_a_single_record_action_on_several_records_is_refused(staff):
    token = CSRF_RE.search(staff.get("/ownerview/add").get_data(as_text=True)).group(1)
    ids = [str(factories.user(name).id) for name in ("auditor", "staff")]
    response = staff.post("/users/action_post", data={"csrf_token": token, "action": "resetpasswords",
                                                      "rowid": ids})
    assert response.status_code == 400


def test_an_unlock_from_the_list_still_works(staff):
    token = CSRF_RE.search(staff.get("/ownerview/add").get_data(as_text=True)).group(1)
    user = factories.user("auditor")
    response = staff.post("/users/action_post", data={"csrf_token": token, "action": "unlock",
                                                      "rowid": [str(user.id), "2147483648"]})
    assert response.status_code == 302


def test_every_model_screen_and_api_uses_the_guarded_data_layer(app):
    """A new screen or API on FAB's plain SQLAInterface, or without the safe action routes
    and API conventions, would bring the 500s of this file's walk back: fail here first."""
    from flask_appbuilder import ModelRestApi
    from flask_appbuilder.api import BaseApi

    from backoffice.api.base import ApiConventions
    from backoffice.datamodel import RegistryInterface
    from backoffice.views.base import SafeActions

    unguarded = []
    for view in app.appbuilder.baseviews:
        name = type(view).__name__
        if getattr(view, "datamodel", None) is not None and not isinstance(view.datamodel, RegistryInterface):
            unguarded.append((name, "datamodel"))
        if isinstance(view, ModelView) and not isinstance(view, SafeActions):
            unguarded.append((name, "actions"))
        # FAB's description and menu endpoints take no input of ours.
        if isinstance(view, (ModelRestApi, BaseApi)) and name not in ("OpenApi", "MenuApi") \
                and not isinstance(view, ApiConventions):
            unguarded.append((name, "API conventions"))
    assert not unguarded, unguarded


@pytest.mark.parametrize("fields, status", [
    ({"case_id": "99999999999999999999", "registration_id": "1"}, 404),
    ({"case_id": "{case}", "registration_id": "2147483648"}, 400),
    ({"case_id": "{case}", "registration_id": "{reg}", "camera_ids": "99999999999999999999"}, 400),
    ({"case_id": "{case}", "registration_id": "{reg}", "camera_ids": "one, two"}, 400),
    ({"case_id": "", "registration_id": ""}, 400),
])
def test_the_new_request_form_shows_a_refusal_with_its_status(client, fields, status):
    case, reg = factories.case(0), factories.registration()
    db.session.commit()
    token = _signed_in_token(client, "investigator")
    values = {k: v.replace("{case}", str(case.id)).replace("{reg}", str(reg.id)) for k, v in fields.items()}
    before = _counts()
    response = client.post("/footage/new", data={**values, "csrf_token": token})
    assert response.status_code == status
    assert 'name="registration_id"' in response.get_data(as_text=True)  # the form, with what was typed
    assert _counts() == before


@pytest.mark.parametrize("pk", ["2147483648", "99999999999999999999", "abc", "999999", None])
def test_resetting_the_password_of_no_user_is_not_found(staff, pk):
    """FAB's reset form takes the user from ?pk= and dereferenced a missing one (500)."""
    token = CSRF_RE.search(staff.get("/resetpassword/form").get_data(as_text=True)).group(1)
    url = "/resetpassword/form" + (f"?pk={pk}" if pk is not None else "")
    response = staff.post(url, data={"csrf_token": token, "password": "a-very-long-pass-phrase-2026",
                                     "conf_password": "a-very-long-pass-phrase-2026"})
    assert response.status_code == 404


def test_resetting_a_users_password_still_works(staff):
    token = CSRF_RE.search(staff.get("/resetpassword/form").get_data(as_text=True)).group(1)
    user = factories.user("auditor")
    response = staff.post(f"/resetpassword/form?pk={user.id}",
                          data={"csrf_token": token, "password": "a-very-long-pass-phrase-2026",
                                "conf_password": "a-very-long-pass-phrase-2026"})
    assert response.status_code == 302
    db.session.expire_all()
    assert check_password_hash(factories.user("auditor").password, "a-very-long-pass-phrase-2026")
