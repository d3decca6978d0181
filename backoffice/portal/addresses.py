"""Address suggestions as people type, and the point of a known address: from the county's
address points (`flask registry import-addresses`), no outside service."""
from typing import Any

from sqlalchemy import Select, select, union_all

from ..extensions import db
from ..geocoding.keys import KEY_END, fold, search_key, typed_prefixes
from ..models import AddressKey, AddressPoint

MIN_TYPED = 3


def _starting_with(prefix: str, limit: int):
    """(key, point id) of keys starting with prefix, in key order: one range of the index."""
    return (
        select(AddressKey.key, AddressKey.point_id)
        .where(AddressKey.key >= prefix, AddressKey.key < prefix + KEY_END)
        .order_by(AddressKey.key)
        .limit(limit)
    )


def _points_starting_with(prefixes: list[str], limit: int) -> list[AddressPoint]:
    """The first `limit` points, in key order, with a key starting with any of the prefixes.

    One statement: each prefix's range reads at most `limit` index entries.
    """
    # Annotated: without it mypy 2.4 crashes inferring union_all's type (a mypy bug).
    ranges: list[Select[Any]] = [
        _starting_with(prefix, limit).subquery().select() for prefix in prefixes
    ]
    found = (ranges[0] if len(ranges) == 1 else union_all(*ranges)).subquery()
    rows = db.session.execute(
        select(AddressPoint)
        .join(found, AddressPoint.id == found.c.point_id)
        .order_by(found.c.key, AddressPoint.id)
        .limit(limit * len(prefixes))
    ).scalars()
    return list(dict.fromkeys(rows))[:limit]  # a point found by two of its keys, once


def _label(point: AddressPoint) -> str:
    place = " ".join(part for part in (point.city, point.postal_code) if part)
    return f"{point.address}, {place}" if place else point.address


def suggest(query: str, limit: int = 8) -> list[dict]:
    """Address points that what someone typed may be the start of, in key order.

    Typed from the house number ("1200 Truxtun Av") or from a word of the street name
    ("Truxtun", "Pena" for "Calle Peña"); case, accents, punctuation and USPS street-suffix,
    directional and unit abbreviations do not matter (see `geocoding.keys`). Under 3 letters
    or digits typed: nothing. One statement.
    """
    if len("".join(fold(query))) < MIN_TYPED:
        return []
    prefixes = typed_prefixes(query[:200])
    if not prefixes:
        return []
    return [
        {
            "label": _label(p),
            "address": p.address,
            "city": p.city,
            "state": p.state,
            "postal_code": p.postal_code,
            "lat": p.lat,
            "lon": p.lon,
        }
        for p in _points_starting_with(prefixes, limit)
    ]


def locate(address: str, city: str, postal_code: str = "") -> tuple[float, float] | None:
    """(lat, lon) of the one address point at address in city (or, for points the county gave
    without a city, at that ZIP code); None when unknown or ambiguous."""
    street = search_key(address)
    town, zip5 = search_key(city), (postal_code or "").strip()[:5]
    prefixes = [f"{street} {place}" for place in (town, zip5) if place]
    if not street or not prefixes:
        return None
    candidates = _points_starting_with(prefixes, 20)
    found = [
        p for p in candidates
        if search_key(p.address) == street
        and ((town and search_key(p.city) == town)
             or (not p.city and zip5 and p.postal_code[:5] == zip5))
    ]
    return (found[0].lat, found[0].lon) if len(found) == 1 else None
