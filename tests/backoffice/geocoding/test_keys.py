"""Search keys: the way people type (case, accents, punctuation, USPS abbreviations) does not matter."""
import itertools
import string

import pytest

from backoffice.geocoding.keys import KEY_END, lookup_keys, search_key, typed_prefixes


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("Calle Pena", "Calle Peña"),
        ("CALLE PEÑA", "Calle Peña"),
        ("1200 Truxtun Ave.", "1200 Truxtun Avenue"),
        ("1200 truxtun av", "1200 TRUXTUN AVENUE"),
        ("500 Oak St", "500 Oak Street"),
        ("9 Sunset Blvd", "9 Sunset Boulevard"),
        ("9 Panama Rd", "9 Panama Road"),
        ("9 Stine Dr", "9 Stine Drive"),
        ("9 Roberts Ln", "9 Roberts Lane"),
        ("9 Elm Ct", "9 Elm Court"),
        ("9 Golden State Hwy", "9 Golden State Highway"),
        ("1300 N Chester Ave", "1300 North Chester Avenue"),
        ("9 S H St", "9 South H Street"),
        ("9 E Brundage Ln", "9 East Brundage Lane"),
        ("9 W Columbus St", "9 West Columbus Street"),
        ("9 NE Oak St", "9 Northeast Oak Street"),
        ("9 St Marys Rd", "9 Saint Marys Road"),
        ("12 O'Neil Way", "12 ONeil Way"),
        ("1200 Truxtun Ave #101", "1200 Truxtun Avenue Apt 101"),
        ("1200 Truxtun Ave Ste 5", "1200 Truxtun Avenue Suite 5"),
        ("Straße", "Strasse"),
    ],
)
def test_spellings_of_one_address_share_a_key(typed, stored):
    assert search_key(typed) == search_key(stored)


def test_key_alphabet_sorts_below_the_range_end():
    key = search_key("1200 Truxtun Avenue, Bakersfield ÑÅ 93301-1234 !?%_*")
    assert set(key) <= set(string.ascii_lowercase + string.digits + " ")
    assert all(char < KEY_END for char in key)


def test_different_streets_keep_different_keys():
    assert search_key("1200 Truxtun Ave") != search_key("1200 Chester Ave")
    assert search_key("12 Front St") == "12 front st"  # "Front" is a unit word only before a number


@pytest.mark.parametrize(
    "typed, finds",
    [
        ("1200 main bou", "1200 main blvd bakersfield"),  # Boulevard, unfinished
        ("1200 Main Nor", "1200 main n bakersfield"),  # North, unfinished
        ("1200 Main Northw", "1200 main nw bakersfield"),
        ("1200 Truxtun Avenue", "1200 truxtun ave bakersfield"),
        ("1200 Truxtun Ave Ap", "1200 truxtun ave 101 bakersfield"),  # heading for "Apt 101"
        ("1200 Truxtun Ave ", "1200 truxtun ave bakersfield"),
        ("1200 Truxtun Ave.", "1200 truxtun ave bakersfield"),
    ],
)
def test_typed_text_finds_the_key_it_heads_for(typed, finds):
    assert any(finds.startswith(prefix) for prefix in typed_prefixes(typed))


def test_an_unfinished_word_is_also_matched_as_typed():
    assert "1200 av" in typed_prefixes("1200 Av")  # Avalon Street, not only Avenue
    assert typed_prefixes("1200 Truxtun") == ["1200 truxtun"]
    assert typed_prefixes("") == [] and typed_prefixes("!!") == []


def test_no_prefix_extends_another_and_there_are_few():
    worst = 0
    for letters in itertools.chain.from_iterable(
        itertools.product(string.ascii_lowercase, repeat=n) for n in (1, 2, 3)
    ):
        prefixes = typed_prefixes("12 Main " + "".join(letters))
        assert not any(a != b and b.startswith(a) for a in prefixes for b in prefixes)
        worst = max(worst, len(prefixes))
    assert worst <= 10  # branches of one suggestion query


def test_lookup_keys_start_at_the_number_and_at_each_street_name_word():
    assert lookup_keys("77 Calle Peña", "Bakersfield", "93307") == [
        "77 calle pena bakersfield 93307",
        "calle pena bakersfield 93307 77",
        "pena bakersfield 93307 77 calle",
    ]
    # never at a directional, the closing suffix or a unit number
    assert lookup_keys("1300 North Chester Avenue #4", "", "93301") == [
        "1300 n chester ave 4 93301",
        "chester ave 4 93301 1300 n",
    ]


@pytest.mark.parametrize(
    "address, starts",
    [
        ("12 Lake Street", ["12 lk st", "lk st"]),  # Lake is a suffix word, and the name here
        ("12 Park Avenue", ["12 park ave", "park ave"]),
        ("12 Park", ["12 park", "park"]),
        ("12 Avenue of the Stars", ["12 ave of the stars", "ave of the", "of the stars", "the stars", "stars"]),
        ("12 N Lake Dr S", ["12 n lk dr s", "lk dr s"]),
    ],
)
def test_street_names_made_of_suffix_words_are_found_by_them(address, starts):
    keys = lookup_keys(address, "Taft", "")
    assert len(keys) == len(starts)
    assert all(key.startswith(start) for key, start in zip(keys, starts, strict=True))


def test_only_unit_words_typed_give_no_prefix():
    assert typed_prefixes("Apt ") == [] and typed_prefixes("Suite.") == []
