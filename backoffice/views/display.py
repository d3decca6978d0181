"""How model screens show their columns: in people's words, never as stored codes.

One mix-in for every ModelView: times in county time with the zone, dates as "30 Nov 2027",
codes in words (backoffice.labels), empty values as "—" (never "None"), yes/no for booleans,
and date-time filters typed in county time.
"""
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable

from flask import flash
from wtforms import SelectField

from ..instant_filters import filter_problems

from ..labels import COLUMN_KINDS, LABELS as LABELS_OF, choices, words
from ..localtime import format_day, format_instant
from .timefields import LocalDateTimeField

EMPTY = "—"
WHOLE_VALUE_FILTERS = ("FilterEqual", "FilterNotEqual")
LABELS = {"lat": "Latitude", "lon": "Longitude", "id": "No.", "created_at": "Created",
          "updated_at": "Last changed", "recording_mode": "Recording", "system_type": "System"}


def _instant(value) -> str:
    """A date-time column; FAB's own naive columns (users) are server-local time."""
    if value is None:
        return EMPTY
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.astimezone()
    return format_instant(value, "en")


def _day(value) -> str:
    return format_day(value, "en", empty=EMPTY)


def _plain(value):
    """Anything else: "—" for nothing, Yes/No for booleans, the value itself otherwise."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return value


def kind_of(datamodel, name: str) -> str | None:
    """The label kind of a model's coded column, if it is one."""
    return COLUMN_KINDS.get(f"{datamodel.obj.__name__}.{name}") or COLUMN_KINDS.get(name)


def _coded(kind: str):
    return lambda value: words(value, kind, EMPTY)


# mypy checks the mixins as the classes they are mixed into; at run time they stand alone.
if TYPE_CHECKING:
    from flask_appbuilder import ModelView as _ModelView
else:
    _ModelView = object


class ReadableColumns(_ModelView):
    """ModelView mix-in: columns shown in people's words (see module docstring)."""

    add_row_message = "Saved."
    edit_row_message = "Your changes are saved."
    delete_row_message = "Deleted."

    def _list(self, **kwargs):
        """The list; a date-time filter that is not one instant is explained above it."""
        widgets = super()._list(**kwargs)
        for problem in filter_problems():
            flash(f"Filter {problem}", "warning")
        return widgets

    formatters_columns: dict[str, Callable[[Any], Any]]  # FAB's; set per view below

    def _init_properties(self):
        super()._init_properties()
        datamodel = self.datamodel
        formatters = dict(self.formatters_columns or {})
        extra = dict(getattr(self, "search_form_extra_fields", None) or {})
        shown = set(self.list_columns or []) | set(self.show_columns or [])
        for name in shown:
            if name in formatters:
                continue
            if datamodel.is_datetime(name):
                formatters[name] = _instant
            elif datamodel.is_date(name):
                formatters[name] = _day
            elif kind := kind_of(datamodel, name):
                formatters[name] = _coded(kind)
            else:
                formatters[name] = _plain
        for name in self.search_columns or []:
            label = self.label_columns.get(name, name)
            if datamodel.is_datetime(name):
                extra.setdefault(name, LocalDateTimeField(label))
            elif kind := kind_of(datamodel, name):  # a choice, not free text
                extra.setdefault(name, SelectField(label, choices=choices(LABELS_OF[kind], kind)))
        for name, text in LABELS.items():
            # Not set by the view, or set by Flask-AppBuilder from the column name ("Created At").
            if self.label_columns.get(name) in (None, "", "None", self._prettify_column(name)):
                self.label_columns[name] = text
        self.formatters_columns = formatters
        if extra:
            self.search_form_extra_fields = extra
        self._choice_filters_match_whole_codes()

    def _choice_filters_match_whole_codes(self):
        """A column searched by a choice in words offers "Equal to" / "Not Equal to" only:
        "Starts with Active" or "Contains Withdrawn" make no sense for a choice."""
        for name in self.search_columns or []:
            if not kind_of(self.datamodel, name) or self.datamodel.is_datetime(name):
                continue
            for table in (self._filters._search_filters, self._filters._all_filters):
                whole = [f for f in table.get(name, []) if type(f).__name__ in WHOLE_VALUE_FILTERS]
                if whole:
                    table[name] = sorted(whole, key=lambda f: WHOLE_VALUE_FILTERS.index(type(f).__name__))
