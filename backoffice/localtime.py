"""County local time: instants are kept in UTC, people read and type the county's zone.

The zone is the `TIMEZONE` setting (an IANA name, SPEC §5). Everything that turns an instant
into words, or words into an instant, goes through this module, so there is one rule for the
whole product:

- a datetime with an offset (or `Z`) is that instant;
- a datetime without one is wall-clock time in the county's zone;
- a wall-clock time that happens twice (the fall-back night) must say which one is meant,
  and one that never happens (the spring-forward gap) is refused — neither is shifted silently.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from functools import lru_cache
from typing import overload
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from dateutil.relativedelta import relativedelta
from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "America/Los_Angeles"
# Instants people or clients give must lie in this span of years: far enough for any case or
# retention period, near enough that date arithmetic (window + retention) cannot overflow.
YEAR_RANGE = (1970, 2200)
INPUT_FORMAT = "%Y-%m-%dT%H:%M"  # what an HTML datetime-local input sends and shows
# Babel patterns (CLDR): "Sun 29 Nov 2026, 10:30 PM PST"; dates alone "30 Nov 2027".
INSTANT_PATTERN = "EEE d MMM y, h:mm a z"
DATE_PATTERN = "d MMM y"
INSTANT_SECONDS_PATTERN = "EEE d MMM y, h:mm:ss a z"
WALL_SECONDS_PATTERN = "EEE d MMM y, h:mm:ss a"  # what a clock shows: no zone
# The county's own variants of each language: US English, US Spanish (zone names as "PST").
LOCALES = {"en": "en_US", "es": "es_US"}


def _wall_words(wall: datetime) -> str:
    """A wall-clock time in words, e.g. "1:30 AM on 1 Nov 2026"."""
    return f"{wall.hour % 12 or 12}:{wall:%M} {'AM' if wall.hour < 12 else 'PM'} on {wall.day} {wall:%b %Y}"


class LocalTimeError(ValueError):
    """A date and time that cannot be read as one instant; `str()` says why, in plain words."""


class UnreadableTime(LocalTimeError):
    """Text that is not a date and time at all."""


class AmbiguousLocalTime(LocalTimeError):
    """A wall-clock time that happens twice (clocks go back); `choices` holds both instants."""

    def __init__(self, wall: datetime, choices: tuple[datetime, datetime]):
        self.wall = wall
        self.choices = choices
        first, second = (format_instant(choice, "en") for choice in choices)
        super().__init__(
            f"{_wall_words(wall)} happens twice as the clocks go back: say which one "
            f"({first} or {second})."
        )


class NonexistentLocalTime(LocalTimeError):
    """A wall-clock time the clocks skip (spring forward)."""

    def __init__(self, wall: datetime):
        self.wall = wall
        super().__init__(
            f"{_wall_words(wall)} does not exist in county time: the clocks go forward "
            "that night. Check the time."
        )


@lru_cache(maxsize=8)
def zone_named(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA name; ValueError naming the setting when it is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"TIMEZONE {name!r} is not an IANA time zone name") from error


def county_zone() -> ZoneInfo:
    """The county's time zone: the app's TIMEZONE, else the environment's, else the default."""
    if has_app_context():
        return zone_named(current_app.config.get("TIMEZONE") or DEFAULT_TIMEZONE)
    import config

    return zone_named(getattr(config, "TIMEZONE", DEFAULT_TIMEZONE))


def utcnow() -> datetime:
    """The current instant, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def county_today() -> date:
    """Today's date on the county's calendar (not the server's)."""
    return utcnow().astimezone(county_zone()).date()


def add_year(day: date) -> date:
    """The same day next year; 28 February for 29 February (dateutil's relativedelta keeps
    within the month)."""
    return day + relativedelta(years=1)


def to_utc(value: datetime) -> datetime:
    """An aware datetime as UTC; a naive one is taken as UTC (the database layer's rule only)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def to_local(value: datetime) -> datetime:
    """An instant as an aware datetime in the county's zone."""
    return to_utc(value).astimezone(county_zone())


def _check_year(value: datetime) -> None:
    low, high = YEAR_RANGE
    if not low <= value.year <= high:
        raise LocalTimeError(f"The year must be between {low} and {high}.")


def localize(wall: datetime, fold: int | None = None) -> datetime:
    """Wall-clock time in the county → the UTC instant.

    `fold` picks the first (0) or second (1) of a repeated hour; without it a repeated hour
    raises AmbiguousLocalTime. A skipped hour raises NonexistentLocalTime. Source of the rules:
    PEP 495 (the `fold` attribute) and the IANA time zone database through zoneinfo.
    """
    _check_year(wall)
    zone = county_zone()
    wall = wall.replace(tzinfo=None)
    first = wall.replace(tzinfo=zone, fold=0)
    second = wall.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        back = first.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None)
        if back != wall:
            raise NonexistentLocalTime(wall)
        if fold is None:
            raise AmbiguousLocalTime(
                wall, (first.astimezone(timezone.utc), second.astimezone(timezone.utc))
            )
        return (second if fold else first).astimezone(timezone.utc)
    return first.astimezone(timezone.utc)


def localize_leniently(wall: datetime) -> datetime:
    """Wall-clock time → UTC instant, taking the first of a repeated hour (filters, queries)."""
    try:
        return localize(wall)
    except AmbiguousLocalTime as error:
        return error.choices[0]
    except NonexistentLocalTime:
        return wall.replace(tzinfo=county_zone()).astimezone(timezone.utc)


def parse_instant(text: str, fold: int | None = None) -> datetime:
    """ISO 8601 text → UTC instant. With an offset or `Z` it is that instant; without, county time.

    Accepts `2026-11-01T01:30:00-08:00`, `...Z`, `2026-11-01T01:30`, `2026-11-01 01:30:00`.
    Raises LocalTimeError (or its Ambiguous/Nonexistent kinds) with a message for people.
    """
    if not isinstance(text, str) or not text.strip():
        raise UnreadableTime(
            "Give a date and time as ISO 8601 text, e.g. 2026-11-29T22:30 (county time) "
            "or 2026-11-30T06:30:00Z."
        )
    raw = text.strip()
    try:
        value = datetime.fromisoformat(raw.upper())
    except ValueError:
        raise UnreadableTime(
            f"{raw[:40]!r} is not a date and time: use ISO 8601, e.g. 2026-11-29T22:30 "
            "(county time) or 2026-11-30T06:30:00Z."
        ) from None
    if value.tzinfo is None:
        return localize(value, fold)
    _check_year(value)
    try:
        return value.astimezone(timezone.utc)
    except OverflowError:
        raise LocalTimeError(f"The year must be between {YEAR_RANGE[0]} and {YEAR_RANGE[1]}.") from None


def page_language() -> str:
    """The language of the page or document being made ("en" when there is none)."""
    from flask_babel import get_locale

    try:
        return str(get_locale() or "en")
    except Exception:  # noqa: BLE001  outside a request Flask-Babel may have no locale to give
        return "en"


def babel_locale(locale: str | None = None) -> str:
    """The county's variant of a language for Babel ("es" → "es_US"); the page's by default."""
    locale = locale or page_language()
    return LOCALES.get(locale.split("_")[0], locale)


def format_instant(value: datetime | None, locale: str | None = None, empty: str = "—") -> str:
    """An instant as people read it: "Sun 29 Nov 2026, 10:30 PM PST" (county zone, no seconds).

    `locale` "en" or "es" (default: the request's language); None gives `empty`.
    """
    if value is None:
        return empty
    return babel_format_datetime(
        to_utc(value), INSTANT_PATTERN, tzinfo=county_zone(), locale=babel_locale(locale)
    )


def format_instant_seconds(value: datetime | None, locale: str | None = None, empty: str = "—") -> str:
    """As format_instant, to the second ("Sun 29 Nov 2026, 10:30:05 PM PST"): for clock readings."""
    if value is None:
        return empty
    return babel_format_datetime(
        to_utc(value), INSTANT_SECONDS_PATTERN, tzinfo=county_zone(), locale=babel_locale(locale)
    )


def format_wall_seconds(wall: datetime | None, locale: str | None = None, empty: str = "—") -> str:
    """What a clock showed, as people read it, without a zone (a recorder's own clock has
    none): "Tue 1 Dec 2026, 10:10:05 PM"."""
    if wall is None:
        return empty
    return babel_format_datetime(wall.replace(tzinfo=None), WALL_SECONDS_PATTERN, tzinfo=None,
                                 locale=babel_locale(locale))


def format_day(value: date | datetime | None, locale: str | None = None, empty: str = "—") -> str:
    """A date as people read it: "30 Nov 2027" (an instant is first put on the county calendar)."""
    if value is None:
        return empty
    if isinstance(value, datetime):
        value = to_local(value).date()
    return babel_format_date(value, DATE_PATTERN, locale=babel_locale(locale))


def input_value(value: datetime | None) -> str:
    """An instant as an HTML datetime-local value in county time ("2026-11-29T22:30")."""
    return to_local(value).strftime(INPUT_FORMAT) if value is not None else ""


def repeated_hour_choices(value: datetime) -> tuple[datetime, datetime] | None:
    """Both instants of the repeated wall-clock hour an instant falls in, or None."""
    try:
        localize(to_local(value).replace(tzinfo=None))
    except AmbiguousLocalTime as error:
        return error.choices
    return None


def typed_repeated_hour(text) -> list[str]:
    """For a county time typed without an offset that falls in the fall-back night's repeated
    hour: both readings in words ("Sun 1 Nov 2026, 1:30 AM PDT", "... PST"), else []."""
    try:
        parse_instant(str(text or ""))
    except AmbiguousLocalTime as error:
        return [format_instant(choice) for choice in error.choices]
    except LocalTimeError:
        return []
    return []


@overload
def iso(value: datetime) -> str: ...
@overload
def iso(value: None) -> None: ...
@overload
def iso(value: datetime | None) -> str | None: ...
def iso(value: datetime | None) -> str | None:
    """An instant for the API: ISO 8601 in county time with its offset (exact to the µs)."""
    if value is None:
        return None
    return to_local(value).isoformat()


def init_app(app) -> None:
    """Check TIMEZONE at start-up and give templates the `instant` and `day` filters."""
    zone_named(app.config.get("TIMEZONE") or DEFAULT_TIMEZONE)
    app.jinja_env.filters["instant"] = format_instant
    app.jinja_env.filters["day"] = format_day
    app.jinja_env.filters["repeated_hour"] = typed_repeated_hour


def format_month(month: str, locale: str = "en") -> str:
    """A county month "2026-03" as people of `locale` write it: "Mar 2026", "mar 2026" (CLDR)."""
    year, number = (int(part) for part in month.split("-"))
    return babel_format_date(date(year, number, 1), "MMM y", locale=babel_locale(locale))

