"""The public transparency report: its counts equal raw SQL over the same records, small counts
are published as "fewer than 5", nothing personal appears, it reads in English and Spanish as
HTML, PDF and CSV without signing in; auditors see the same figures unsuppressed and linked to
the audit events they were counted from."""
import csv
import io
import re
from datetime import datetime, timezone

import pytest
from pypdf import PdfReader
from sqlalchemy import text

from backoffice import audit
from backoffice.extensions import db
from backoffice.localtime import county_today, utcnow
from backoffice.models import RequestTransition
from backoffice.transparency import SUPPRESS_BELOW, last_months, month_start, shown, transparency_report
from tests import factories
from tests.auth import login

NOW = datetime.now(timezone.utc)


def searches(user, n: int) -> None:
    for _ in range(n):
        audit.record("canvass.search", user=user, object_type="case", object_id=1, purpose="X")


@pytest.fixture()
def usage(ctx):
    """Seven canvass searches, two reveals, six footage requests (three consented, one declined,
    one released to the media) for the first agency; one search for the second. Returns the
    report as it was before (other tests' audit events stay in the log: compare differences)."""
    before = transparency_report()
    investigator = factories.user("investigator")
    searches(investigator, 7)
    for _ in range(2):
        audit.record("owner.reveal", user=investigator, object_type="owner", object_id=1, purpose="X")
    searches(factories.user("investigator2"), 1)
    case = factories.case(case_number="2026-SECRET-1", address="1 Private Lane")
    owner = factories.owner(name="Zebulon Quackenbush")
    made = [factories.footage_request(case_obj=case, reg=factories.registration(owner=owner))
            for _ in range(6)]
    for item in made[:3]:
        db.session.add(RequestTransition(footage_request_id=item.id, from_state="contacted",
                                         to_state="consented", trigger="record_consent", at=utcnow()))
    db.session.add(RequestTransition(footage_request_id=made[3].id, from_state="contacted",
                                     to_state="declined", trigger="record_refusal", at=utcnow()))
    made[0].release_kind = "media_public"
    db.session.add(RequestTransition(footage_request_id=made[0].id, from_state="release_pending",
                                     to_state="released", trigger="approve_release", at=utcnow()))
    db.session.flush()
    return before


def agency_figures(report, index: int):
    agency_id = factories.agency(index).id
    return next(a for a in report.agencies if a.agency_id == agency_id)


def published_words(count: int) -> str:
    """A count as the English page and CSV print it."""
    value = shown(count)
    return "fewer than 5" if isinstance(value, str) else f"{value:,}"


def raw_count(sql: str, **params) -> int:
    return db.session.execute(text(sql), params).scalar_one()


def test_counts_equal_raw_sql(usage):
    report = transparency_report()
    first = factories.agency(0)
    mine, was = agency_figures(report, 0), agency_figures(usage, 0)
    month = report.months[-1]
    since = month_start(report.months[0])
    params = {"a": first.id, "since": since if db.engine.dialect.name != "sqlite" else since.replace(tzinfo=None)}
    assert sum(m["canvass_searches"] for m in mine.months.values()) == raw_count(
        "SELECT count(*) FROM audit_event WHERE agency_id = :a AND action IN "
        "('canvass.search', 'canvass.route_search') AND at >= :since", **params)
    assert mine.totals["contact_reveals"] == raw_count(
        "SELECT count(*) FROM audit_event WHERE agency_id = :a AND action IN "
        "('owner.reveal', 'owner.reveal_justified') AND at >= :since", **params)
    assert mine.totals["footage_requests"] == raw_count(
        'SELECT count(*) FROM footage_request fr JOIN "case" c ON c.id = fr.case_id '
        "WHERE c.agency_id = :a AND fr.created_at >= :since", **params)
    assert mine.totals["consents"] == raw_count(
        "SELECT count(*) FROM request_transition t JOIN footage_request fr ON fr.id = t.footage_request_id "
        'JOIN "case" c ON c.id = fr.case_id WHERE c.agency_id = :a AND t.to_state = \'consented\' '
        "AND t.at >= :since", **params)
    grew = {m: mine.months[month][m] - was.months[month][m] for m in mine.totals}
    assert grew["canvass_searches"] == 7 and grew["contact_reveals"] == 2
    assert grew["footage_requests"] == 6 and grew["consents"] == 3 and grew["refusals"] == 1
    assert grew["releases_media_public"] == 1 and grew["releases_court_order"] == 0
    assert report.county_totals["canvass_searches"] - usage.county_totals["canvass_searches"] == 8


def test_searches_along_a_route_count_as_canvass_searches(ctx):
    investigator = factories.user("investigator")
    before = transparency_report().county_totals["canvass_searches"]
    searches(investigator, 2)
    for _ in range(3):
        audit.record("canvass.route_search", user=investigator, object_type="case", object_id=1, purpose="X")
    assert transparency_report().county_totals["canvass_searches"] == before + 5


def test_small_counts_are_published_as_fewer_than_five():
    assert [shown(n) for n in (0, 1, 4, 5, 12)] == ["fewer than 5"] * 3 + [5, 12]
    assert shown(3, suppress=False) == 3
    assert SUPPRESS_BELOW == 5


def test_the_public_page_needs_no_login_and_hides_what_is_personal(client, usage):
    page = client.get("/transparency/?lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "How the camera registry is used" in html
    mine = agency_figures(transparency_report(), 0)
    month = mine.months[last_months(county_today())[-1]]
    table = re.search(rf'id="agency-{mine.agency_id}".*?</table>', html, re.S).group(0)
    for measure in ("canvass_searches", "contact_reveals", "refusals"):  # as published
        assert f">{published_words(month[measure])}<" in table
    for private in ("2026-SECRET-1", "1 Private Lane", "Zebulon", "Quackenbush", "owner"
                    "@example"):
        assert private not in html
    assert "Programme terms" in html or "terms" in html
    assert "/register" in html  # the link to the portal
    assert "set-cookie" not in {k.lower() for k in page.headers.keys()} or "session" not in page.headers.get("Set-Cookie", "")


def test_the_report_reads_in_spanish(client, usage):
    html = client.get("/transparency/?lang=es").get_data(as_text=True)
    assert 'lang="es"' in html
    assert "menos de 5" in html
    assert "Búsquedas" in html or "búsquedas" in html
    assert "fewer than 5" not in html


def test_csv_and_pdf_carry_the_same_published_figures(client, usage):
    response = client.get("/transparency/report.csv?lang=en")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:2] == ["Agency", "Month"] and "Canvass searches" in header
    first = factories.agency(0).name
    month = last_months(county_today())[-1]
    row = next(r for r in body if r[0] == first and r[1] == month)
    figures = agency_figures(transparency_report(), 0).months[month]
    assert row[header.index("Canvass searches")] == published_words(figures["canvass_searches"])
    assert row[header.index("Owner contacts looked up")] == published_words(figures["contact_reveals"])
    assert not any("Zebulon" in cell or "SECRET" in cell for r in rows for cell in r)

    pdf = client.get("/transparency/report.pdf?lang=es")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    words = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.get_data())).pages)
    assert first in words and "Búsquedas" in words
    assert "Zebulon" not in words and "2026-SECRET-1" not in words


def test_auditors_see_unsuppressed_figures_linked_to_the_audit_log(client, usage):
    assert login(client, "auditor").status_code == 302
    page = client.get("/oversight/transparency")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    first = factories.agency(0)
    table = re.search(rf'id="figures-{first.id}".*?</table>', html, re.S).group(0)
    month = last_months(county_today())[-1]
    reveals = agency_figures(transparency_report(), 0).months[month]["contact_reveals"]
    assert f">{reveals}</a>" in table  # as counted, not "fewer than 5"
    link = re.search(r'href="(/auditeventview/list/\?[^"]*owner.reveal[^"]*)"', table).group(1)
    listed = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert listed.count("Owner contact shown") >= 2
    # Each agency's count opens that agency's events only: 7 searches here, 1 in the other.
    second = factories.agency(1)
    counts = []
    for agency in (first, second):
        part = re.search(rf'id="figures-{agency.id}".*?</table>', html, re.S).group(0)
        found = re.search(r'href="(/auditeventview/list/\?[^"]*canvass[^"]*)"', part).group(1)
        listed_page = client.get(found.replace("&amp;", "&"))
        assert listed_page.status_code == 200
        counts.append(listed_page.get_data(as_text=True))
    assert "investigator2" not in counts[0] and "Canvass search" in counts[0]
    assert "investigator2" in counts[1]
    client.get("/logout/")
    assert login(client, "investigator").status_code == 302
    assert client.get("/oversight/transparency").status_code in (302, 403)


def test_an_agency_name_that_looks_like_a_formula_is_text_in_the_csv(client, usage):
    agency = factories.agency(0)
    agency.name = '=HYPERLINK("http://x","Sheriff")'
    db.session.flush()
    response = client.get("/transparency/report.csv?lang=en")
    assert 'filename=transparency-report-en.csv' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert "'" + agency.name in {row[0] for row in rows}
    assert agency.name not in {row[0] for row in rows}


@pytest.mark.parametrize("name", ["\t=HYPERLINK(\"http://x\")", "\r=1+1"])
def test_an_agency_name_starting_with_a_tab_or_return_is_text_in_the_csv(client, usage, name):
    """A leading tab or carriage return (the two characters OWASP adds to = + - @) gets the
    apostrophe too, as in the audit log's export."""
    agency = factories.agency(0)
    agency.name = name
    db.session.flush()
    response = client.get("/transparency/report.csv?lang=en")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))
    assert "'" + name in {row[0] for row in rows}
    assert name not in {row[0] for row in rows}
