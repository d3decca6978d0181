"""List filters on date-time columns (screens and the API's `q`), read as county time.

Flask-AppBuilder parses filter values with dateutil, which accepts any year and offset and so
let bad input reach the database (500s) or shift it silently. These filters read values with
backoffice.localtime instead. A value that is not one instant lists nothing and is reported:
the API answers 400 with the message, a screen shows it above the list. "Equal to" a time
typed to the minute matches that whole minute, as people mean it.
"""
from datetime import datetime, timedelta

from flask import g, has_request_context, request
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import get_field_setup_query
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import false

from .localtime import AmbiguousLocalTime, LocalTimeError, format_instant, parse_instant

PROBLEMS = "instant_filter_problems"


def filter_problems() -> list[str]:
    """What was wrong with this request's date-time filters (empty when nothing)."""
    return list(dict.fromkeys(g.get(PROBLEMS, []))) if has_request_context() else []


def _report(message: str) -> None:
    if has_request_context():
        g.setdefault(PROBLEMS, []).append(message)


class InstantFilter(BaseFilter):
    """Base: reads the value as an instant; None (and a report) when it is not one."""

    def read(self, raw) -> datetime | None:
        label = self.column_name
        if isinstance(raw, datetime):
            return raw
        try:
            return parse_instant(str(raw))
        except AmbiguousLocalTime as error:
            if has_request_context() and request.path.startswith("/api/"):
                _report(f"{label}: {error} Give the offset.")
                return None
            _report(f"{label}: {error} The filter uses the first, {format_instant(error.choices[0], 'en')}.")
            return error.choices[0]
        except LocalTimeError as error:
            _report(f"{label}: {error}")
            return None

    def _compare(self, query, raw, compare):
        query, field = get_field_setup_query(query, self.model, self.column_name)
        value = self.read(raw)
        if value is None:
            return query.filter(false())
        return query.filter(compare(field, value))


def _to_the_minute(raw) -> bool:
    text = str(raw).strip()
    return len(text) <= 16 and "+" not in text[10:] and not text.upper().endswith("Z")


class InstantEqual(InstantFilter):
    name = "Equal to"
    arg_name = "eq"

    def apply(self, query, value):
        if _to_the_minute(value):
            return self._compare(
                query, value, lambda f, v: (f >= v) & (f < v + timedelta(minutes=1))
            )
        return self._compare(query, value, lambda f, v: f == v)


class InstantNotEqual(InstantFilter):
    name = "Not Equal to"
    arg_name = "neq"

    def apply(self, query, value):
        if _to_the_minute(value):
            return self._compare(
                query, value, lambda f, v: (f < v) | (f >= v + timedelta(minutes=1))
            )
        return self._compare(query, value, lambda f, v: f != v)


class InstantGreater(InstantFilter):
    name = "Greater than"
    arg_name = "gt"

    def apply(self, query, value):
        return self._compare(query, value, lambda f, v: f > v)


class InstantSmaller(InstantFilter):
    name = "Smaller than"
    arg_name = "lt"

    def apply(self, query, value):
        return self._compare(query, value, lambda f, v: f < v)


BY_ARG = {cls.arg_name: cls for cls in (InstantEqual, InstantNotEqual, InstantGreater, InstantSmaller)}


def county_filters(filters):
    """The same Filters with FAB's own date-time filters swapped for county-time ones (in place;
    FAB picks its own classes, by column type on screens and by operator name in the REST `q`)."""
    swapped = []
    for flt in filters.filters:
        cls = BY_ARG.get(flt.arg_name)
        if cls and not isinstance(flt, InstantFilter) and flt.datamodel.is_datetime(flt.column_name):
            flt = cls(flt.column_name, flt.datamodel)
        swapped.append(flt)
    filters.filters = swapped
    return filters


class CountyInterface(SQLAInterface):
    """The data interface of every screen and model API: date-time filters read county time,
    whichever of FAB's filter classes the screen or the REST `q` picked."""

    def apply_filters(self, query, filters):
        if filters:
            county_filters(filters)
        return super().apply_filters(query, filters)
