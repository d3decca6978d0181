"""The field rules (backoffice.models.validation) as WTForms validators, for the portal's and
the staff screens' forms: the same rule decides, the field keeps the normal form to store."""
from collections.abc import Callable

from flask_babel import gettext
from wtforms.validators import StopValidation

from .models.validation import FieldError


class Rule:
    """Run a field rule on a form field (a StringField: the rule reads the text as typed).

    On success the field's data becomes the value in its normal form (None when blank and
    optional); on failure the rule's message, in the page's language, is the field's error.
    """

    def __init__(self, check: Callable, *, required: bool = False):
        self.check = check
        self.required = required
        self.field_flags = {"required": True} if required else {"optional": True}

    def __call__(self, form, field) -> None:
        try:
            field.data = self.check(field.data, field=field.short_name, required=self.required)
        except FieldError as error:
            raise StopValidation(error.translated(gettext)) from None
