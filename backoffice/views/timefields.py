"""Date-and-time inputs and columns in county local time, for every screen.

Flask-AppBuilder's own date-time widget keeps only the date (its issues #2250 and #2408), so
forms and list filters use the browser's `datetime-local` input instead. What is typed is
county wall-clock time (backoffice.localtime); the repeated hour of the fall-back night asks
which one is meant, and the skipped hour of spring-forward is refused.
"""
from datetime import datetime

from babel.dates import get_timezone_name
from markupsafe import Markup, escape
from wtforms import Field

from ..localtime import (
    AmbiguousLocalTime,
    LocalTimeError,
    UnreadableTime,
    county_zone,
    format_instant,
    input_value,
    localize,
    parse_instant,
    repeated_hour_choices,
    to_utc,
)

FOLD_SUFFIX = "__fold"
# What people type when a browser has no date-time picker (older Safari, text-mode clients).
TYPED_FORMATS = ("%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M%p")


def zone_label() -> str:
    """The county's zone in words, e.g. "Pacific Time"."""
    return get_timezone_name(county_zone(), width="long", uncommon=False, locale="en_US")


def read_typed(text: str, fold: int | None = None) -> datetime:
    """What a person typed → UTC instant (ISO forms, or US month/day/year with AM/PM)."""
    text = " ".join(text.split())
    for pattern in TYPED_FORMATS:
        try:
            return localize(datetime.strptime(text.upper(), pattern), fold)
        except ValueError as error:
            if isinstance(error, LocalTimeError):
                raise
    return parse_instant(text, fold)


class LocalDateTimeInput:
    """`<input type="datetime-local">` in county time, with the zone beside it and, for the
    repeated hour, a choice of the first or second."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        kwargs.setdefault("class", "form-control")
        attrs = {
            "type": "datetime-local",
            "name": field.name,
            "value": field._value(),
            "step": "60",
            **{k.replace("class_", "class"): v for k, v in kwargs.items()},
        }
        if field.flags.required:
            attrs["required"] = True
        html = "".join(
            f' {escape(k)}' if v is True else f' {escape(k)}="{escape(v)}"'
            for k, v in attrs.items()
            if v is not False and v is not None
        )
        parts = [
            '<div class="input-group">',
            f"<input{html}>",
            f'<span class="input-group-addon">{escape(zone_label())}</span>',
            "</div>",
        ]
        choices = field.fold_choices()
        if choices:
            chosen = field.chosen_fold()
            parts.append(
                '<fieldset class="fold-choice"><legend class="small">Which one?</legend>'
            )
            for fold, (instant, words) in enumerate(zip(choices, ("first", "second"), strict=False)):
                checked = " checked" if chosen == fold else ""
                parts.append(
                    f'<label class="radio-inline"><input type="radio" name="{escape(field.name)}{FOLD_SUFFIX}"'
                    f' value="{fold}"{checked}> {escape(format_instant(instant, "en"))} ({words})</label>'
                )
            parts.append("</fieldset>")
        return Markup("".join(parts))


class LocalDateTimeField(Field):
    """A date and time typed in county local time; `data` is the UTC instant (or None)."""

    widget = LocalDateTimeInput()

    def process(self, formdata, data=None, extra_filters=None):
        self._fold = None
        self._ambiguous = None
        if formdata is not None:
            raw = formdata.get(self.name + FOLD_SUFFIX)
            self._fold = int(raw) if raw in ("0", "1") else None
        super().process(formdata, data, extra_filters)

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "") or ""
        if not text.strip():
            self.data = None
            return
        try:
            self.data = read_typed(text, self._fold)
        except AmbiguousLocalTime as error:
            self.data = None
            self._ambiguous = error
            raise ValueError(f"{error} Choose below.") from None
        except UnreadableTime:
            self.data = None
            raise ValueError(
                f"{text.strip()[:40]!r} is not a date and time: pick one, or type it like "
                "11/29/2026 10:30 PM."
            ) from None
        except LocalTimeError as error:
            self.data = None
            raise ValueError(str(error)) from None

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return input_value(self.data) if self.data else ""

    def fold_choices(self):
        """Both instants of a repeated hour, when the value typed or held falls in one."""
        if self._ambiguous is not None:
            return self._ambiguous.choices
        return repeated_hour_choices(self.data) if self.data is not None else None

    def chosen_fold(self) -> int | None:
        if self._fold is not None:
            return self._fold
        choices = self.fold_choices()
        if choices and self.data is not None:
            return choices.index(to_utc(self.data)) if to_utc(self.data) in choices else None
        return None


def local_datetime_field(label: str, description: str = "", validators=()) -> LocalDateTimeField:
    """A county-time date-and-time form field with the zone named in its hint."""
    hint = f"{description} ({zone_label()})" if description else zone_label()
    return LocalDateTimeField(label, description=hint, validators=list(validators))
