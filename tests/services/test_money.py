"""Money: integer minor units, exact Decimal arithmetic, one rounding rule (half away from zero)."""
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flask_babel import force_locale

from shopledger.services.money import MoneyError, format_money, from_minor, minor_digits, parse_amount, to_minor


def test_minor_units_follow_iso_4217():
    assert (minor_digits("PKR"), minor_digits("INR"), minor_digits("JPY"), minor_digits("KWD")) == (2, 2, 0, 3)


@pytest.mark.parametrize(
    "text, minor",
    [("1250", 125000), ("1,250.5", 125050), ("0.01", 1), (" 99.99 ", 9999), ("۱۲۵۰", 125000), ("١٢٥٠٫٥", 125050)],
)
def test_amounts_are_read_as_people_type_them(text, minor):
    assert parse_amount(text, "PKR") == minor


@pytest.mark.parametrize("text", ["", "abc", "1.234", "NaN", "Infinity", "1e", "--5"])
def test_what_is_not_an_amount_is_refused(text):
    with pytest.raises(MoneyError):
        parse_amount(text, "PKR")


def test_half_a_paisa_rounds_away_from_zero():
    assert to_minor(Decimal("0.005"), "PKR") == 1
    assert to_minor(Decimal("-0.005"), "PKR") == -1
    assert to_minor(Decimal("0.0049"), "PKR") == 0


@given(st.integers(min_value=-(10**15), max_value=10**15), st.sampled_from(["PKR", "INR", "JPY", "KWD"]))
def test_minor_units_survive_the_round_trip_exactly(minor, currency):
    assert to_minor(from_minor(minor, currency), currency) == minor


@given(st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, allow_infinity=False, places=6))
def test_rounding_is_never_off_by_more_than_half_a_paisa(amount):
    assert abs(from_minor(to_minor(amount, "PKR"), "PKR") - amount) <= Decimal("0.005")


@pytest.mark.parametrize("locale", ["en", "ur"])
def test_money_is_written_the_way_the_shops_country_writes_it(request_context, locale):
    with force_locale(locale):
        assert format_money(250000, "PKR", territory="PK") == "Rs\u00a02,500"
        assert format_money(250050, "PKR", territory="PK") == "Rs\u00a02,500.50"
        assert format_money(-100000, "PKR", territory="PK") == "-Rs\u00a01,000"
    with force_locale("en"):
        assert format_money(25000000, "INR", territory="IN") == "₹\u00a02,50,000"
