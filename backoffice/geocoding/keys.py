"""Search keys for addresses: what people type and what county files hold, made comparable.

A key is lower-case ASCII words separated by single spaces, so it sorts and prefix-matches the
same way on SQLite and PostgreSQL. Folding: accents and other letters are transliterated by
`anyascii` ("Peña" and "PEÑA" give "pena"), apostrophes are dropped ("O'Neil" gives "oneil"),
any other punctuation separates words ("St." gives "st"). Abbreviations: street suffixes and
directionals are replaced by their USPS standard abbreviation ("Avenue", "Av", "Ave" give "ave";
"North" gives "n"), and secondary unit designators ("Apt", "Unit", "Suite") are left out, so
"#101" and "Apt 101" agree. The abbreviation lists are USPS Publication 28, Appendix C1 (street
suffixes), C2 (secondary unit designators) and B (directionals), as packaged by
usaddress-scourgify (`scourgify.address_constants`).
"""
import re
from functools import lru_cache

from anyascii import anyascii
from scourgify.address_constants import (
    CITY_ABBRS,
    DIRECTIONAL_REPLACEMENTS,
    OCCUPANCY_TYPE_ABBREVIATIONS,
    STREET_TYPE_ABBREVIATIONS,
)

# Designators (Publication 28, C2) that always precede a unit number; the others ("Front",
# "Rear", "Side", "Key", "Pier", "Lot"...) are also ordinary words of street names.
_UNIT_DESIGNATORS = {"APT", "BLDG", "RM", "SPC", "STE", "TRLR", "UNIT"}
_APOSTROPHES = re.compile(r"['`\u2019]")
_SEPARATORS = re.compile(r"[^a-z0-9]+")
# Every key is made of these characters; a prefix range ends with one above them all.
KEY_END = "~"


@lru_cache(maxsize=1)
def _abbreviations() -> dict[str, str]:
    """word -> its standard abbreviation, for one-word suffixes, directionals and "Saint"."""
    table = {
        long.lower(): short.lower()
        for long, short in STREET_TYPE_ABBREVIATIONS.items()
        if " " not in long
    }
    table.update((long.lower(), short.lower()) for long, short in DIRECTIONAL_REPLACEMENTS.items())
    # "St Marys Rd" and "Saint Marys Rd": Saint is abbreviated like the USPS does in city names.
    table.update((long.lower(), short.lower()) for short, long in CITY_ABBRS.items() if long == "SAINT")
    return table


@lru_cache(maxsize=1)
def _word_kinds() -> tuple[frozenset[str], frozenset[str]]:
    """(directional abbreviations, street suffix abbreviations)."""
    directionals = frozenset(short.lower() for short in DIRECTIONAL_REPLACEMENTS.values())
    return directionals, frozenset(_abbreviations().values()) - directionals


@lru_cache(maxsize=1)
def _designators() -> frozenset[str]:
    """Unit designator words, spelled out and abbreviated."""
    words = {
        word.lower()
        for long, short in OCCUPANCY_TYPE_ABBREVIATIONS.items()
        if short in _UNIT_DESIGNATORS
        for word in (long, short)
    }
    return frozenset(words)


def fold(text: str | None) -> list[str]:
    """The words of text in lower-case ASCII, punctuation removed (no abbreviation applied)."""
    ascii_text = _APOSTROPHES.sub("", anyascii(text or "").lower())
    # anyascii may itself produce apostrophes (from letters such as the Hebrew geresh)
    return _SEPARATORS.sub(" ", ascii_text.replace("'", "")).split()


def _standard(words: list[str]) -> list[str]:
    abbreviations, designators = _abbreviations(), _designators()
    return [abbreviations.get(word, word) for word in words if word not in designators]


def search_key(*parts: str | None) -> str:
    """One comparison key for the parts of an address (street line, city, ZIP, ...)."""
    return " ".join(_standard([word for part in parts for word in fold(part)]))


def lookup_keys(address: str, city: str, postal_code: str) -> list[str]:
    """The keys an address point is found by: its search key, and one starting at each word
    of the street name, the words before it moved to the end ("77 Calle Peña", Bakersfield,
    93307: "77 calle pena bakersfield 93307", "calle pena bakersfield 93307 77", "pena
    bakersfield 93307 77 calle"). No key starts at a number, a directional or the street's
    closing suffix ("Avenue" of "Park Avenue"; "Park" itself, or "Lake" of "Lake Street", is a
    name there and does start one)."""
    street = _standard(fold(address))
    place = _standard(fold(city) + fold(postal_code))
    keys = [" ".join(street + place)]
    directionals, suffixes = _word_kinds()
    named = False  # a name word came before
    for i, word in enumerate(street[1:], start=1):
        if word.isdigit() or word in directionals:
            continue
        closing = all(w.isdigit() or w in directionals or len(w) == 1 for w in street[i + 1:])
        if not (named and closing and word in suffixes):
            keys.append(" ".join(street[i:] + place + street[:i]))
        named = True
    return list(dict.fromkeys(key for key in keys if key))


def typed_prefixes(text: str) -> list[str]:
    """Key prefixes that what someone has typed so far may continue into (1 to a few).

    The last word may be unfinished: "1200 Truxtun Ave" matches keys starting with
    "1200 truxtun ave", but "1200 Main Bou" must also find "1200 main blvd ..." and
    "1200 Main Nor" "1200 main n ...". So a last word that begins a spelled-out suffix or
    directional also gives that abbreviation, as a whole word (and one that begins a unit
    designator after a street line, the street line itself). Text ending in a space or
    punctuation has no unfinished word. No prefix is the extension of another.
    """
    words = fold(text)
    if not words:
        return []
    finished = not text[-1:].isalnum()
    if finished:
        key = search_key(text)  # "" when only unit words were typed
        return [key] if key else []
    head, last = _standard(words[:-1]), words[-1]
    stem = " ".join(head)
    stem = f"{stem} " if stem else ""
    prefixes = {stem + last}
    for long, short in _abbreviations().items():
        if long.startswith(last):
            prefixes.add(f"{stem}{short} ")
    # "1200 Truxtun Ave Ap..." may be heading for "Apt 101": every unit of the street line.
    if len(head) >= 2 and any(word.startswith(last) for word in _designators()):
        prefixes.add(stem)
    prefixes.discard("")
    ordered = sorted(prefixes, key=len)
    kept: list[str] = []
    for prefix in ordered:
        if not any(prefix.startswith(shorter) for shorter in kept):
            kept.append(prefix)
    return sorted(kept)
