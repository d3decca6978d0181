"""County local time: reading, writing and storing instants (backoffice.localtime, Instant).

The demo county is Pacific time. In 2026 the clocks go forward at 02:00 on 8 March (02:00–02:59
never happens) and back at 02:00 on 1 November (01:00–01:59 happens twice: PDT, then PST).
"""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.localtime import (
    AmbiguousLocalTime,
    LocalTimeError,
    NonexistentLocalTime,
    county_today,
    format_day,
    format_instant,
    input_value,
    iso,
    localize,
    parse_instant,
)
from backoffice.models import Case
from tests import factories

UTC = timezone.utc


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-11-30T06:30:00Z", utc(2026, 11, 30, 6, 30)),
        ("2026-11-30T06:30:00z", utc(2026, 11, 30, 6, 30)),
        ("2026-11-29T22:30:00-08:00", utc(2026, 11, 30, 6, 30)),
        ("2026-11-30T07:30:00+01:00", utc(2026, 11, 30, 6, 30)),
        ("2026-11-29T22:30", utc(2026, 11, 30, 6, 30)),  # no offset: county time (PST)
        ("2026-11-29 22:30:00", utc(2026, 11, 30, 6, 30)),
        ("2026-07-04T21:00", utc(2026, 7, 5, 4, 0)),  # summer: PDT, UTC-7
        ("2026-11-01T01:30:00-07:00", utc(2026, 11, 1, 8, 30)),  # the first 01:30, with its offset
        ("2026-11-01T01:30:00-08:00", utc(2026, 11, 1, 9, 30)),  # the second
        ("2026-11-30T06:30:00.123456Z", utc(2026, 11, 30, 6, 30, 0, 123456)),
    ],
)
def test_instants_are_read_with_their_offset_or_as_county_time(ctx, text, expected):
    assert parse_instant(text) == expected


def test_the_repeated_hour_of_the_fall_back_night_asks_which_one(ctx):
    wall = datetime(2026, 11, 1, 1, 30)
    with pytest.raises(AmbiguousLocalTime) as raised:
        localize(wall)
    assert raised.value.choices == (utc(2026, 11, 1, 8, 30), utc(2026, 11, 1, 9, 30))
    assert "PDT" in str(raised.value) and "PST" in str(raised.value)
    assert localize(wall, fold=0) == utc(2026, 11, 1, 8, 30)
    assert localize(wall, fold=1) == utc(2026, 11, 1, 9, 30)
    with pytest.raises(AmbiguousLocalTime):
        parse_instant("2026-11-01T01:30")
    assert parse_instant("2026-11-01T01:30", fold=1) == utc(2026, 11, 1, 9, 30)


def test_the_skipped_hour_of_spring_forward_is_refused_not_shifted(ctx):
    for text in ("2026-03-08T02:00", "2026-03-08T02:30", "2026-03-08T02:59"):
        with pytest.raises(NonexistentLocalTime, match="does not exist"):
            parse_instant(text)
    # Either side of the gap is fine and an hour of real time apart, not two.
    assert parse_instant("2026-03-08T03:00") - parse_instant("2026-03-08T01:59") == timedelta(minutes=1)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "yesterday", "2026-13-01T00:00", "2026-11-31T10:00", "10:30 PM", "9999-12-31T23:59:59-23:59",
     "0001-01-01T00:00:00+01:00", "1969-12-31T23:00", "2201-01-01T00:00Z", "2026-11-29T22:30+25:00"],
)
def test_unreadable_or_out_of_range_times_get_a_message_not_an_exception(ctx, text):
    with pytest.raises(LocalTimeError):
        parse_instant(text)


def test_people_read_county_time_with_its_zone_in_their_language(ctx):
    instant = utc(2026, 11, 30, 6, 30)
    assert format_instant(instant, "en") == "Sun 29 Nov 2026, 10:30 PM PST"
    assert format_instant(instant, "es") == "dom 29 nov 2026, 10:30 p.m. PST"
    assert format_instant(utc(2026, 7, 5, 4, 0), "en") == "Sat 4 Jul 2026, 9:00 PM PDT"
    assert format_instant(utc(2026, 11, 1, 8, 30), "en").endswith("1:30 AM PDT")
    assert format_instant(utc(2026, 11, 1, 9, 30), "en").endswith("1:30 AM PST")
    assert format_instant(None) == "—"
    assert format_day(date(2027, 11, 30), "en") == "30 Nov 2027"
    assert format_day(date(2027, 11, 30), "es") == "30 nov 2027"
    assert format_day(instant, "en") == "29 Nov 2026"  # an instant falls on the county's date


def test_the_api_writes_county_time_with_its_offset_and_the_form_input_county_wall_time(ctx):
    assert iso(utc(2026, 11, 30, 6, 30)) == "2026-11-29T22:30:00-08:00"
    assert iso(utc(2026, 7, 5, 4, 0)) == "2026-07-04T21:00:00-07:00"
    assert iso(None) is None
    assert input_value(utc(2026, 11, 30, 6, 30)) == "2026-11-29T22:30"


def test_the_zone_is_the_timezone_setting(ctx):
    ctx.config["TIMEZONE"] = "America/New_York"
    try:
        assert format_instant(utc(2026, 11, 30, 6, 30), "en") == "Mon 30 Nov 2026, 1:30 AM EST"
        assert parse_instant("2026-11-30T01:30") == utc(2026, 11, 30, 6, 30)
    finally:
        ctx.config["TIMEZONE"] = "America/Los_Angeles"


def test_county_today_is_the_county_calendar_not_the_servers(ctx, monkeypatch):
    import backoffice.localtime as localtime

    monkeypatch.setattr(localtime, "utcnow", lambda: utc(2026, 12, 1, 5, 0))  # 9 PM on 30 Nov
    assert county_today() == date(2026, 11, 30)


@pytest.mark.parametrize(
    "given",
    [
        datetime(2026, 11, 1, 1, 30, tzinfo=timezone(timedelta(hours=-8))),
        datetime(2026, 11, 1, 1, 30, tzinfo=timezone(timedelta(hours=-7))),
        utc(2026, 11, 30, 6, 30, 0, 250000),
        datetime(2026, 11, 30, 7, 30, tzinfo=timezone(timedelta(hours=1))),
    ],
)
def test_stored_instants_come_back_exactly_and_aware_on_both_databases(ctx, given):
    case = factories.case(occurred_from=given, occurred_to=given + timedelta(hours=1))
    db.session.expire_all()
    stored = db.session.get(Case, case.id)
    assert stored.occurred_from.tzinfo is not None
    assert stored.occurred_from == given
    assert stored.occurred_from.utcoffset() == timedelta(0)


def test_a_naive_value_in_a_query_is_county_time(ctx):
    case = factories.case(occurred_from=utc(2026, 11, 30, 6, 30), occurred_to=utc(2026, 11, 30, 7, 0))
    found = db.session.scalars(select(Case.id).where(Case.occurred_from == datetime(2026, 11, 29, 22, 30)))
    assert case.id in list(found)
