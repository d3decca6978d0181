"""Record ids and other whole numbers as the databases can hold them.

An integer column holds -2**31 .. 2**31-1 on PostgreSQL (a BIGINT -2**63 .. 2**63-1); SQLite
takes any 64-bit value. A number outside its column's range makes PostgreSQL refuse the query
("integer out of range") and the SQLite driver raise OverflowError, so it never reaches the
database: an id no row can have is simply not found.
"""
from typing import Any, TypeVar

from sqlalchemy import BigInteger, Integer, SmallInteger, inspect
from sqlalchemy.types import TypeEngine

from .extensions import db

ID_MIN, ID_MAX = 1, 2**31 - 1  # every primary key here is an autoincrementing INTEGER
_BOUNDS = (
    (SmallInteger, (-(2**15), 2**15 - 1)),
    (BigInteger, (-(2**63), 2**63 - 1)),
    (Integer, (-(2**31), 2**31 - 1)),
)

Model = TypeVar("Model")


def int_bounds(column_type: TypeEngine) -> tuple[int, int] | None:
    """(lowest, highest) value of an integer column type on both databases; None if not integer."""
    for kind, bounds in _BOUNDS:
        if isinstance(column_type, kind):
            return bounds
    return None


def as_id(value: Any) -> int | None:
    """value as a record id (a whole number in ID_MIN..ID_MAX, given as int or digits), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value.isascii() or not value.isdigit() or len(value) > 10:
            return None
        value = int(value)
    if not isinstance(value, int):
        return None
    return value if ID_MIN <= value <= ID_MAX else None


def get_by_id(model: type[Model], value: Any, **options) -> Model | None:
    """The row of model with this primary key, or None (also for anything that is not an id)."""
    number = as_id(value)
    if number is None:
        return None
    return db.session.get(model, number, **options)


def pk_bounds(model) -> tuple[int, int] | None:
    """The range of model's single integer primary key, None if it has another kind of key."""
    keys = inspect(model).primary_key
    if len(keys) != 1:
        return None
    return int_bounds(keys[0].type)
