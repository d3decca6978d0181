"""Every entry point uses the field rules: the public portal form, the staff screens, the model
API and the registration importer give the same input the same verdict, and store the same
normal form (tests/backoffice/test_field_rules.py checks the rules themselves)."""
import html
from itertools import count

import pytest

from backoffice.extensions import db
from backoffice.models import Owner, Registration
from backoffice.models import validation as v
from tests import factories
from tests.auth import api_token, csrf_token, login
from tests.backoffice.portal.helpers import form_data
from tests.backoffice.test_import import run_import, write_csv

REFUSED = "refused"
OWNER, PREMISES, CAMERA = "owner", "premises", "camera"

# field -> (rule, record it belongs to, inputs people send)
FIELDS = {
    "email": (v.check_email, OWNER, [
        "Ava.Stone+Cameras@Example.org", "noe@correo.xn--80asehdb", "josé@example.com",
        "a..b@example.com", "a@example.test", "ana@@example.net",
    ]),
    "phone": (v.check_phone, OWNER, [
        "661-555-0142 ext. 23", "(661) 555-0143 x7", "661-555-0143 #7",
        "661 555 0143 extension 23", "+44 20 7946 0958", "555-0142", "661-555-0143 ext. 12345678901",
    ]),
    "state": (v.check_state, PREMISES, ["ca", " tx ", "ZZ", "Cal"]),
    "postal_code": (v.check_postal_code, PREMISES, ["93301 1234", "933011234", "9330", "93301-"]),
    "lat": (v.check_latitude, PREMISES, ["35.38", "nan", "91", "35,38"]),
    "lon": (v.check_longitude, PREMISES, ["-119.04", "-inf", "181"]),
    "direction_deg": (v.check_direction, CAMERA, ["90.0", "45.5", "360", "north"]),
    "fov_deg": (v.check_fov, CAMERA, ["360", "0", "1e400"]),
    "range_m": (v.check_range_m, CAMERA, ["500", "12.5", "0"]),
    "retention_days": (v.check_retention, CAMERA, ["14.0", "366", "NaN"]),
}
PORTAL_NAMES = {"direction_deg": "cameras-0-direction_deg", "fov_deg": "cameras-0-fov_deg",
                "retention_days": "cameras-0-retention_days"}  # range_m is not asked on the portal
_seq = count(1)


def rule_verdicts(field: str) -> dict:
    """What the rule says of each input: the normal form, or REFUSED."""
    check, _, inputs = FIELDS[field]
    verdicts = {}
    for raw in inputs:
        try:
            verdicts[raw] = _comparable(check(raw))
        except v.FieldError:
            verdicts[raw] = REFUSED
    return verdicts


def _comparable(value):
    return round(value, 6) if isinstance(value, float) else value


def stored(registration: Registration, field: str):
    """The value an entry point stored for a field."""
    _, record, _ = FIELDS[field]
    db.session.refresh(registration)
    target = {OWNER: registration.owner, PREMISES: registration,
              CAMERA: registration.cameras[0] if registration.cameras else None}[record]
    return _comparable(getattr(target, field))


@pytest.mark.parametrize("field", [f for f in FIELDS if f != "range_m"])
def test_portal_form(client, mailbox, field):
    token = csrf_token(client, "/register")
    verdicts = {}
    for raw in FIELDS[field][2]:
        n = next(_seq)
        name = PORTAL_NAMES.get(field, field)
        data = form_data(token, **{"email": f"portal{n}@example.net", "address": f"{n} Rule Street", name: raw})
        if field == "direction_deg":
            data["cameras-0-direction"] = ""
        response = client.post("/register", data=data)
        if response.status_code == 302:
            verdicts[raw] = stored(db.session.query(Registration).filter_by(address=f"{n} Rule Street").one(), field)
        else:
            page = response.get_data(as_text=True)
            assert response.status_code == 400 and f'href="#{name}"' in page, (raw, page[-3000:])
            verdicts[raw] = REFUSED
    assert verdicts == rule_verdicts(field)


def _staff_post(client, url: str, data: dict):
    data["csrf_token"] = csrf_token(client, url)
    return client.post(url, data=data)


@pytest.mark.parametrize("field", list(FIELDS))
def test_staff_forms(client, field):
    login(client, "staff")
    check, record, inputs = FIELDS[field]
    verdicts = {}
    for raw in inputs:
        n = next(_seq)
        if record == OWNER:
            url = "/ownerview/add"
            data = {"kind": "resident", "name": f"Staff Owner {n}", "preferred_contact": "email",
                    "language": "en", field: raw}
        elif record == PREMISES:
            url = "/registrationview/add"
            data = {"owner_id": str(factories.owner().id), "address": f"{n} Staff Street",
                    "city": "Bakersfield", "state": "CA", "postal_code": "93301", "lat": "35.37",
                    "lon": "-119.02", "status": "active", field: raw}
        else:
            reg = factories.registration(cameras=0, address=f"{n} Staff Street")
            url = "/cameraview/add"
            data = {"registration_id": str(reg.id), "label": "Gate", "fov_deg": "90", "range_m": "30",
                    "retention_days": "14", "recording_mode": "continuous", "system_type": "dvr_nvr",
                    field: raw}
        response = _staff_post(client, url, data)
        if response.status_code == 302:
            if record == OWNER:
                owner = db.session.query(Owner).filter_by(name=f"Staff Owner {n}").one()
                verdicts[raw] = _comparable(getattr(owner, field))
            else:
                reg = db.session.query(Registration).filter_by(address=f"{n} Staff Street").one()
                verdicts[raw] = stored(reg, field)
        else:
            page = html.unescape(response.get_data(as_text=True))
            try:
                check(raw)
            except v.FieldError as error:
                assert error.message in page, raw  # the rule's own message, next to the field
            verdicts[raw] = REFUSED
    assert verdicts == rule_verdicts(field)


@pytest.mark.parametrize("field", list(FIELDS))
def test_model_api(client, field):
    headers = api_token(client, "staff")
    _, record, inputs = FIELDS[field]
    verdicts = {}
    for raw in inputs:
        n = next(_seq)
        if record == OWNER:
            url, body = "/api/v1/owner/", {"kind": "resident", "name": f"API Owner {n}", field: raw}
        elif record == PREMISES:
            url = "/api/v1/registration/"
            body = {"owner_id": factories.owner().id, "address": f"{n} API Street", "city": "Bakersfield",
                    "state": "CA", "lat": 35.37, "lon": -119.02, field: raw}
        else:
            reg = factories.registration(cameras=0, address=f"{n} API Street")
            url, body = "/api/v1/camera/", {"registration_id": reg.id, "label": "Gate", field: raw}
        response = client.post(url, headers=headers, json=body)
        if response.status_code == 201:
            if record == OWNER:
                verdicts[raw] = _comparable(getattr(db.session.get(Owner, response.json["id"]), field))
            else:
                verdicts[raw] = stored(
                    db.session.query(Registration).filter_by(address=f"{n} API Street").one(), field
                )
        else:
            assert response.status_code in (400, 422), (raw, response.json)
            assert field in response.json["message"], (raw, response.json)
            verdicts[raw] = REFUSED
    assert verdicts == rule_verdicts(field)


@pytest.mark.parametrize("field", list(FIELDS))
def test_importer(runner, tmp_path, field):
    verdicts = {}
    for raw in FIELDS[field][2]:
        n = next(_seq)
        cells = {"address": f"{n} Import Street", "email": f"import{n}@example.net", field: raw}
        path = write_csv(tmp_path / f"{n}.csv", [cells])
        result = run_import(runner, path)
        if result.exit_code == 0:
            verdicts[raw] = stored(
                db.session.query(Registration).filter_by(address=f"{n} Import Street").one(), field
            )
        else:
            assert f"line 2: {field}: " in result.output, (raw, result.output)
            verdicts[raw] = REFUSED
    assert verdicts == rule_verdicts(field)


def test_the_entry_points_were_given_inputs_of_both_verdicts():
    """Guard for the tables above: each field has inputs that pass and inputs that are refused."""
    for field in FIELDS:
        outcomes = set(rule_verdicts(field).values())
        assert REFUSED in outcomes and len(outcomes) > 1, field
