"""Nothing crosses agencies on any screen: a second-agency user of each role walks every screen,
drop-down, picker, export and model API the application registers, and finds nothing of the
first agency.

The walk is built from the application itself (its URL rules and model APIs), so a new screen
is walked without changing this file.
"""
import html
import re
from urllib.parse import urldefrag, urlsplit

import pytest
from flask_appbuilder import ModelRestApi
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from backoffice import audit
from backoffice.accounts import ensure_user
from backoffice.extensions import db
from backoffice.models import AuditEvent, Case, EvidenceItem, FootageRequest
from tests import factories
from tests.auth import api_token, login

OPTION_RE = re.compile(r"<option\b[^>]*>(.*?)</option>", re.S | re.I)
DATALIST_RE = re.compile(r"<datalist\b.*?</datalist>", re.S | re.I)
HREF_RE = re.compile(r'href="(/[^"]*)"')
# Not screens: signing in and out, the public portal, files, tiles, language switch.
SKIP = ("/logout", "/login", "/static/", "/lang/", "/register", "/tiles/", "/back", "/mfa/",
        "/resetpassword", "/upload/", "/verify/", "/api/")
# Routes that change something even when asked with GET, or only redirect.
SKIP_ENDPOINT = re.compile(r"\.(action|delete|download)$")
PICK_QUERIES = ("KCSO", "Zed", "Leakwell", "SECRET", "Ivy", "a")
MAX_PAGES = 1500

# Words that only the first agency's records carry.
FIRST_AGENCY = ("KCSO-SECRET-0042", "Leakwell", "leaky.first", "SECRET-EVIDENCE-7731",
                "Ivy Investigator", "Sol Supervisor", "secret7731.mp4")
# An owner's portal action: no agency; only an oversight agency's auditors see it.
PORTAL_EVENT = "PORTAL-OWNER-EVENT-5150"

SECOND_AGENCY_USERS = {
    "Investigator": "investigator2",
    "Supervisor": "supervisor2",
    "Auditor": "auditor2",
    "Registry Staff": "staff2",
}


def _evidence(request, description, file_name, by):
    item = EvidenceItem(footage_request=request, description=description, file_name=file_name,
                        size_bytes=10, sha256="ab" * 32, collected_by_id=by.id,
                        storage_location=f"/nowhere/{file_name}")
    db.session.add(item)
    db.session.flush()
    return item


def _seed() -> dict[type, set[int]]:
    """Each agency's case, request, evidence and audit events; second-agency users of every
    role; returns the first agency's record ids by model."""
    first, second = factories.agency(0), factories.agency(1)
    leaky = ensure_user("leaky.first", "Investigator", first, factories.PASSWORD, "Zed", "Leakwell")
    for role, username in SECOND_AGENCY_USERS.items():
        ensure_user(username, role, second, factories.PASSWORD, username.title(), "Second")
    theirs = factories.case(agency_index=0, case_number="KCSO-SECRET-0042",
                            summary="Leakwell saw it", lead_investigator_id=leaky.id)
    their_request = factories.footage_request(theirs, assignee=leaky)
    their_item = _evidence(their_request, "SECRET-EVIDENCE-7731", "secret7731.mp4", leaky)
    ours = factories.case(agency_index=1, case_number="OWN-26-0001", summary="ours",
                          lead_investigator_id=factories.user("investigator2").id)
    our_request = factories.footage_request(ours, assignee=factories.user("investigator2"))
    _evidence(our_request, "Our copy", "ours.mp4", factories.user("investigator2"))
    their_events = [
        audit.record("case.viewed", user=leaky, object_type="case", object_id=theirs.id,
                     purpose="KCSO-SECRET-0042"),
        audit.record("owner_contact.read", user=factories.user("investigator"),
                     object_type="footage_request", object_id=their_request.id, purpose="KCSO-SECRET-0042"),
    ]
    audit.record("case.viewed", user=factories.user("investigator2"), object_type="case",
                 object_id=ours.id, purpose="OWN-26-0001")
    portal = audit.record("registration.confirmed", user=False, object_type="registration",
                          detail={"note": PORTAL_EVENT})
    db.session.commit()
    first_users = {u.id for u in db.session.query(type(leaky)).filter_by(agency_id=first.id)}
    return {
        Case: {theirs.id},
        FootageRequest: {their_request.id},
        EvidenceItem: {their_item.id},
        AuditEvent: {e.id for e in their_events} | {portal.id},
        type(leaky): first_users,
    }


def _routes(app):
    """(rule, endpoint, arguments) of every GET route that shows something to a signed-in user."""
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(SKIP) or SKIP_ENDPOINT.search(rule.endpoint):
            continue
        yield rule


def _ids_for(rule, app, seeded: dict[type, set[int]]) -> list[dict]:
    """Argument sets for a route: none, or every seeded id of both agencies for its one id."""
    args = set(rule.arguments)
    if not args:
        return [{}]
    if len(args) != 1:
        return []
    every = set()
    for model in (Case, FootageRequest, EvidenceItem, AuditEvent):
        every |= {row[0] for row in db.session.query(model.id)}
    name = next(iter(args))
    return [{name: i} for i in sorted(every)] if name in ("pk", "item_id") else []


def _text(response) -> str:
    textual = response.mimetype.startswith("text/") or response.mimetype.endswith(("json", "javascript"))
    if not textual or response.direct_passthrough:  # files, PDFs, the icon
        return ""
    return response.get_data(as_text=True)


def _unescaped(page: str) -> str:
    """The page with FAB's JSON-held filter widgets turned back into markup."""
    return (page.replace("\\u003c", "<").replace("\\u003e", ">").replace('\\"', '"')
            .replace("\\u0026", "&").replace("\\/", "/"))


def _choices(page: str) -> list[str]:
    """Every <select> option and <datalist> entry on the page, filter widgets included."""
    page = _unescaped(page)
    found = [html.unescape(re.sub(r"<[^>]+>", "", o)).strip() for o in OPTION_RE.findall(page)]
    for datalist in DATALIST_RE.findall(page):
        found.extend(re.findall(r'value="([^"]*)"', datalist))
    return found


def _screens(client, app, seeded) -> dict[str, tuple[int, str]]:
    """Every screen route (with each seeded id), then every link they show: url -> (status, text)."""
    seen: dict[str, tuple[int, str]] = {}
    queue = []
    adapter = app.url_map.bind("localhost")
    for rule in sorted(_routes(app), key=lambda rule: len(rule.arguments)):  # lists first
        for values in _ids_for(rule, app, seeded):
            queue.append(adapter.build(rule.endpoint, values))
    while queue and len(seen) < MAX_PAGES:
        url = html.unescape(urldefrag(queue.pop(0))[0])
        if url in seen or url.startswith(SKIP) or SKIP_ENDPOINT.search(_endpoint(app, url) or ""):
            continue
        response = client.get(url)
        assert response.status_code < 500, url
        text = _text(response)
        seen[url] = (response.status_code, text)
        if response.mimetype == "text/html":
            queue.extend(href for href in HREF_RE.findall(text) if not href.startswith("//"))
    return seen


def _endpoint(app, url: str) -> str | None:
    adapter = app.url_map.bind("localhost")
    try:
        return adapter.match(urlsplit(url).path, method="GET")[0]
    except (NotFound, MethodNotAllowed):
        return None
    except HTTPException:  # redirects to a canonical URL (RequestRedirect)
        return None


def _linked_records(app, url: str) -> tuple[type, int] | None:
    """(model, id) when url is a screen of one record of a model screen."""
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, args = adapter.match(urlsplit(url).path, method="GET")
    except HTTPException:  # not a route, or a redirect
        return None
    view = app.view_functions.get(endpoint)
    owner = getattr(getattr(view, "__self__", None), "datamodel", None)
    pk = args.get("pk")
    if owner is None or not str(pk).isdigit():
        return None
    return owner.obj, int(pk)


def _apis(app):
    """Every model API the application registers: its URL prefix, model and relation columns."""
    for view in app.appbuilder.baseviews:
        if isinstance(view, ModelRestApi):
            yield view


def _walk_api(client, app, headers, seeded) -> dict[str, str]:
    """_info (with the choices of every related field), list and each seeded id of every model API."""
    answers = {}
    every_id = sorted({i for ids in seeded.values() for i in ids})
    for api in _apis(app):
        base = f"/api/v1/{api.resource_name}"
        urls = [f"{base}/_info", f"{base}/?q=(page_size:100)"] + [f"{base}/{i}" for i in every_id]
        for url in urls:
            response = client.get(url, headers=headers)
            assert response.status_code < 500, url
            answers[url] = response.get_data(as_text=True)
            if response.status_code == 200 and url.startswith(f"{base}/?"):
                _check_ids(api.datamodel.obj, response.get_json().get("result", []), seeded, url)
    return answers


def _check_ids(model, rows, seeded, url) -> None:
    """No row of the list is one of the first agency's records or names one of them."""
    references = {"case_id": Case, "footage_request_id": FootageRequest,
                  "assignee_id": next(m for m in seeded if m.__name__ == "AgencyUser"),
                  "lead_investigator_id": next(m for m in seeded if m.__name__ == "AgencyUser")}
    for row in rows:
        for scoped, ids in seeded.items():
            if issubclass(model, scoped):
                assert row.get("id") not in ids, (url, row)
        for column, scoped in references.items():
            assert row.get(column) not in seeded[scoped] or row.get(column) is None, (url, row)


def _leaks(text: str, words) -> list[str]:
    return [word for word in words if word in text]


@pytest.mark.parametrize("role", list(SECOND_AGENCY_USERS))
def test_second_agency_user_finds_nothing_of_the_first_agency(client, app, role):
    seeded = _seed()
    username = SECOND_AGENCY_USERS[role]
    words = FIRST_AGENCY + (PORTAL_EVENT,)
    login(client, username)
    pages = _screens(client, app, seeded)
    shown = [url for url, (status, _) in pages.items() if status == 200]
    assert len(shown) > 3, shown  # the walk reached the role's screens

    for url, (_status, text) in pages.items():
        assert not _leaks(text, words), (url, _leaks(text, words))
        assert not _leaks(" | ".join(_choices(text)), words), url
        for href in HREF_RE.findall(text):
            linked = _linked_records(app, html.unescape(href))
            if linked:
                model, pk = linked
                for scoped, ids in seeded.items():
                    assert not (issubclass(model, scoped) and pk in ids), (url, href)

    for rule in _routes(app):
        if rule.endpoint.endswith(".pick"):
            for text in PICK_QUERIES:
                response = client.get(rule.rule, query_string={"q": text})
                assert response.status_code < 500
                assert not _leaks(response.get_data(as_text=True), words), (rule.rule, text)

    answers = _walk_api(client, app, api_token(client, username), seeded)
    for url, text in answers.items():
        assert not _leaks(text, words), (url, _leaks(text, words))


def test_the_walk_reaches_every_screen_of_the_role(client, app):
    """The walk is not empty: an investigator of the second agency reaches lists with filter
    widgets, forms with related drop-downs, and their own records."""
    _seed()
    login(client, "investigator2")
    pages = _screens(client, app, {})
    for url in ("/footagerequestview/list/", "/caseview/list/", "/caseview/add", "/footage/new"):
        assert pages.get(url, (0,))[0] == 200, url
    options = " | ".join(_choices(pages["/footagerequestview/list/"][1]))
    assert "OWN-26-0001" in options and "Ian Second" in options


def test_an_oversight_auditor_sees_every_agency(client, app):
    """The first demo agency has county-wide oversight: its auditor reads the other agency's
    events and the portal's."""
    _seed()
    login(client, "auditor")
    text = client.get("/auditeventview/export.csv").get_data(as_text=True)
    assert "OWN-26-0001" in text and "KCSO-SECRET-0042" in text and PORTAL_EVENT in text
