"""Building submissions and reading links out of delivered emails."""
import re

from backoffice.portal.records import current_terms
from backoffice.portal.services import Submission
from tests.mailbox import body_text

LINK_RE = re.compile(r"http://localhost(/register/[a-z]+/[A-Za-z0-9_.\-]+)")


def submission(email="ana@example.net", address="1200 Truxtun Avenue", cameras=1, **owner):
    """A complete registration as the form would hand it over."""
    return Submission(
        owner={"kind": "resident", "name": "Ana Ruiz", "email": email, "phone": "661-555-0100",
               "preferred_contact": "email", **owner},
        premises={"address": address, "city": "Bakersfield", "state": "CA", "postal_code": "93301"},
        lat=35.3739,
        lon=-119.0191,
        cameras=[
            {"label": f"Camera {i + 1}", "overlooks": "street", "direction_deg": 90, "fov_deg": 100,
             "retention_days": 14, "recording_mode": "continuous", "system_type": "dvr_nvr",
             "make_model": "Acme X1"}
            for i in range(cameras)
        ],
        terms_version=current_terms().version,
    )


def links(message, kind: str | None = None) -> list[str]:
    """Paths of the portal links in a delivered message, optionally of one kind."""
    found = LINK_RE.findall(body_text(message))
    return [p for p in found if kind is None or p.startswith(f"/register/{kind}/")]


def last_link(mailbox, address: str, kind: str) -> str:
    """The path of the newest link of a kind emailed to an address."""
    for message in reversed(mailbox.to(address)):
        found = links(message, kind)
        if found:
            return found[0]
    raise AssertionError(f"no {kind} link emailed to {address}")


def token_of(path: str) -> str:
    """The token at the end of a link path (without the language the link asks for)."""
    return path.split("?")[0].rsplit("/", 1)[1]


def form_data(csrf: str, email="ana@example.net", cameras=1, **overrides) -> dict:
    """The registration form as a browser would post it."""
    data = {
        "csrf_token": csrf,
        "terms_version": "2026-1",
        "kind": "resident",
        "name": "Ana Ruiz",
        "email": email,
        "phone": "661-555-0100",
        "preferred_contact": "email",
        "address": "1200 Truxtun Avenue",
        "city": "Bakersfield",
        "state": "CA",
        "postal_code": "93301",
        "lat": "35.3739",
        "lon": "-119.0191",
        "accept_terms": "y",
        "website": "",
    }
    for i in range(cameras):
        data.update({
            f"cameras-{i}-label": f"Camera {i + 1}",
            f"cameras-{i}-overlooks": "the street",
            f"cameras-{i}-direction": "90",
            f"cameras-{i}-direction_deg": "",
            f"cameras-{i}-fov_deg": "100",
            f"cameras-{i}-recording_mode": "continuous",
            f"cameras-{i}-retention_days": "14",
            f"cameras-{i}-system_type": "dvr_nvr",
            f"cameras-{i}-make_model": "Acme X1",
        })
    data.update(overrides)
    return data
