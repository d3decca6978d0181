"""The data layer under every Flask-AppBuilder screen and model API.

FAB's SQLAInterface passes what arrives in a URL straight to the database: an id beyond the
column's range, a negative page, a sort column the model does not have, a filter value no
integer column can hold. PostgreSQL and SQLite refuse those with errors that FAB answers with
500. RegistryInterface checks them first: an impossible id is simply not found; the rest is
refused with InvalidInputError naming the argument (400).
"""
from typing import Any

from flask_appbuilder.exceptions import DatabaseException
from flask_appbuilder.models.filters import FilterRelation, Filters
from .instant_filters import CountyInterface
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError

from .errors import InvalidInputError
from .ids import ID_MAX, int_bounds, pk_bounds
from .scoping import refused_read, scope_request

MAX_PAGE = ID_MAX
MAX_PAGE_SIZE = 500  # as FAB_API_MAX_PAGE_SIZE: the screens' psize_<view> has the same limit


def _whole(value: Any) -> int | None:
    """value as FAB's filters convert it for an integer column (int(value)), else None."""
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


class DatabaseRefusal(Exception):
    """Why the database refused a change, in words: FAB shows the cause of a
    DatabaseException to the client, and the driver's own text carries SQL and values."""

    def __init__(self, cause: BaseException | None):
        if isinstance(cause, IntegrityError):
            text = ("the record conflicts with another one (a value that must be unique is taken) "
                    "or refers to a record that does not exist, or one still refers to it")
        elif isinstance(cause, DataError):
            text = "a value is out of range or malformed for the database"
        else:
            text = "the database refused the change"
        super().__init__(text)

    def as_exception(self) -> DatabaseException:
        """FAB's DatabaseException with this reason as message and cause (both are shown)."""
        error = DatabaseException(f"Not saved: {self}.")
        error.__cause__ = self
        return error


class RegistryFilters(Filters):
    """FAB's filters, refusing a filter number a column does not have (`_flt_9_name` on a
    screen: FAB indexed its list of filters with it, IndexError, 500)."""

    def add_filter_index(self, column_name: str, filter_instance_index: int, value: Any):
        available = self._all_filters.get(column_name)
        if available is not None and not 0 <= filter_instance_index < len(available):
            raise InvalidInputError(
                f"There is no filter number {filter_instance_index} for {column_name}.", field=column_name
            )
        super().add_filter_index(column_name, filter_instance_index, value)


def _key(value: Any) -> int | None:
    """A primary key given as int or as decimal digits (from a URL), else None."""
    if isinstance(value, str) and value.isascii() and value.lstrip("-").isdigit() and len(value) <= 20:
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class RegistryInterface(CountyInterface):
    """SQLAInterface that keeps impossible ids, pages, sort columns and filter values away from
    the database. Raises InvalidInputError (field: page, page_size, order_column or the
    filtered column); get() answers None for an id no row can have.

    Every query of an agency-scoped model (backoffice.scoping) is kept to what the signed-in
    user may see: lists, counts, single records, and the choices of related-field drop-downs
    and filters (FAB builds those on get_related_interface, an instance of this class)."""

    # --- single records ---------------------------------------------------------------

    def get(self, id, filters=None, select_columns=None, outer_default_load=False):
        """The row with this primary key (within filters), or None; ids arrive as text from URLs."""
        bounds = pk_bounds(self.obj)
        if bounds is not None:
            number = _key(id)
            if number is None or not bounds[0] <= number <= bounds[1]:
                return None
            id = number
        item = super().get(id, filters, select_columns=select_columns, outer_default_load=outer_default_load)
        if item is None:
            refused_read(self.obj, id)  # another agency's record: audited, still not found
        return item

    def _apply_inner_all(self, query, *args, **kwargs):
        """FAB's filtering, sorting and paging (under every list, count and get), on the
        signed-in user's agency scope."""
        return super()._apply_inner_all(scope_request(query, self.obj), *args, **kwargs)

    def get_related_obj(self, col_name: str, value):
        """The related record a form names, within the user's scope (None otherwise)."""
        return self.get_related_interface(col_name).get(value)

    def add(self, item, commit: bool = True) -> None:
        """FAB 5.3's add() lets a database refusal (duplicate, missing reference) escape as a
        server error while edit() reports it as DatabaseException (422 in the API, a flash
        message on screens); make add() behave like edit()."""
        try:
            super().add(item, commit)
        except SQLAlchemyError as ex:
            raise DatabaseRefusal(ex).as_exception()  # noqa: B904  it sets the cause FAB shows

    def edit(self, item, commit: bool = True) -> None:
        """FAB's edit(), saying why the database refused without its SQL and values."""
        try:
            super().edit(item, commit)
        except DatabaseException as ex:
            raise DatabaseRefusal(ex.__cause__).as_exception()  # noqa: B904  it sets the cause FAB shows

    def delete(self, item, commit: bool = True) -> None:
        """FAB's delete(), saying why the database refused without its SQL and values; an
        owner who still has registrations is refused (their registrations would go with them)."""
        from .models import Owner

        if isinstance(item, Owner) and item.registrations:
            reason = Exception(
                f"this owner still has {len(item.registrations)} registration(s); "
                "withdraw or delete those first"
            )
            error = DatabaseException(f"Not deleted: {reason}.")
            error.__cause__ = reason  # FAB shows the cause, as for DatabaseRefusal
            raise error
        try:
            super().delete(item, commit)
        except DatabaseException as ex:
            raise DatabaseRefusal(ex.__cause__).as_exception()  # noqa: B904  it sets the cause FAB shows

    # --- lists --------------------------------------------------------------------------

    def get_filters(self, search_columns=None, search_filters=None) -> RegistryFilters:
        """The filters of a screen or API (RegistryFilters)."""
        return RegistryFilters(self.filter_converter_class, self, search_columns=search_columns or [],
                               search_filters=search_filters)

    def is_orderable(self, name: str) -> bool:
        """True for a column of the model, a column of a many-to-one relation ("owner.name"),
        or a method marked with FAB's @renders; plain Python properties are not."""
        if "." in name:
            relation, _, leaf = name.partition(".")
            if relation not in self.list_properties or not (
                self.is_relation_many_to_one(relation) or self.is_relation_one_to_one(relation)
            ):
                return False
            related = self.get_related_interface(relation)
            return leaf in related.list_columns
        if name in self.list_columns:
            return True
        return hasattr(getattr(self.obj, name, None), "_col_name")

    def get_order_columns_list(self, list_columns: list[str] | None = None) -> list[str]:
        """The columns lists may be sorted by (FAB also offered properties, which fail)."""
        return [name for name in super().get_order_columns_list(list_columns) if self.is_orderable(name)]

    def apply_order_by(self, query, order_column, order_direction, aliases_mapping=None,
                       bypass_many_to_many=False, add_pk=False):
        """Sort, refusing a column that cannot be sorted by."""
        if order_column and not self.is_orderable(order_column):
            raise InvalidInputError(
                f"The list cannot be sorted by {str(order_column)[:60]!r}.", field="order_column"
            )
        return super().apply_order_by(query, order_column, order_direction, aliases_mapping,
                                      bypass_many_to_many, add_pk)

    def apply_pagination(self, query, page, page_size):
        """Offset and limit, refusing a page or page size the database cannot take."""
        if page is not None and not (isinstance(page, int) and 0 <= page <= MAX_PAGE):
            raise InvalidInputError(f"page must be a whole number from 0 to {MAX_PAGE}.", field="page")
        if page_size is not None and not (isinstance(page_size, int) and 1 <= page_size <= MAX_PAGE_SIZE):
            raise InvalidInputError(
                f"The page size must be a whole number from 1 to {MAX_PAGE_SIZE}.", field="page_size"
            )
        return super().apply_pagination(query, page, page_size)

    def apply_filters(self, query, filters: Filters | None):
        """Filter, refusing a value the filtered column cannot be compared with (_check_filter_value)."""
        if filters:
            for flt, value in zip(filters.filters, filters.values, strict=True):
                _check_filter_value(flt, value)
        return super().apply_filters(query, filters)

    def _get_base_query(self, query, filters=None, order_column="", order_direction=""):
        """The query of FAB's charts, with the same check of filter values."""
        if filters:
            for flt, value in zip(filters.filters, filters.values, strict=True):
                _check_filter_value(flt, value)
        return super()._get_base_query(query, filters, order_column, order_direction)


def _check_filter_value(flt, value) -> None:
    """InvalidInputError (naming the column) for a filter value the column cannot be compared
    with: FAB converts integers with int() and passes the rest through, so a number beyond an
    integer column's range, an id no related record can have, text that is not "y" for a
    yes/no column, or a number or list for a text column reached the database (500)."""
    datamodel, column = flt.datamodel, flt.column_name
    if callable(value) or value is None:
        return
    if getattr(flt, "arg_name", None) in ("in", "not_in") and not isinstance(value, (list, tuple)):
        raise InvalidInputError(f"{column}: give a list of values to compare with.", field=column)
    items = value if isinstance(value, (list, tuple)) else [value]
    if isinstance(flt, FilterRelation):
        if column in datamodel.list_properties:
            _check_numbers(column, items, pk_bounds(datamodel.get_related_model(column)), strict=True)
        return
    mapped = datamodel.list_columns.get(column) if hasattr(datamodel, "list_columns") else None
    if mapped is None:
        return
    if datamodel.is_boolean(column):
        if any(not (isinstance(item, bool) or item == "y") for item in items):
            raise InvalidInputError(f"{column}: a yes/no value (y, true or false).", field=column)
    elif datamodel.is_string(column) or datamodel.is_text(column) or datamodel.is_enum(column):
        if any(not isinstance(item, str) for item in items):
            raise InvalidInputError(f"{column}: compare text with text.", field=column)
    else:
        _check_numbers(column, items, int_bounds(mapped.type), strict=False)


def _check_numbers(column: str, items, bounds: tuple[int, int] | None, *, strict: bool) -> None:
    """Numbers within bounds; with strict, every item must be a number (a record id)."""
    if bounds is None:
        return
    for item in items:
        number = _whole(item)
        if number is None:
            if strict and item is not None:
                raise InvalidInputError(f"{column}: {str(item)[:40]!r} is not a record number.", field=column)
            continue
        if not bounds[0] <= number <= bounds[1]:
            raise InvalidInputError(f"{column}: {str(item)[:40]} is out of range.", field=column)
