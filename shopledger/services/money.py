"""Money: integer minor units stored, Decimal computed, rounded half-up once where a rule says so."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import get_currency_precision
from flask_babel import format_currency as babel_format_currency


class MoneyError(ValueError):
    """The text is not an amount of money."""


def minor_digits(currency: str) -> int:
    """How many digits after the point the currency's minor unit has (PKR 2, JPY 0, KWD 3)."""
    # Babel knows cash rounding too, but the ledger keeps the ISO 4217 minor unit.
    return get_currency_precision(currency)


def to_minor(amount: Decimal, currency: str) -> int:
    """Round an exact amount to the currency's minor unit, half away from zero, and return it as an integer."""
    digits = minor_digits(currency)
    quantum = Decimal(1).scaleb(-digits)
    return int(amount.quantize(quantum, rounding=ROUND_HALF_UP).scaleb(digits))


def from_minor(minor: int, currency: str) -> Decimal:
    """Return the exact Decimal amount for an integer count of minor units."""
    return Decimal(minor).scaleb(-minor_digits(currency))


def parse_amount(text: str, currency: str) -> int:
    """Read what a person typed (\"1,250.50\", \"۱۲۵۰\") as minor units; refuse more decimals than the currency has."""
    cleaned = (text or "").strip().replace(",", "").replace("٬", "").replace("٫", ".")
    cleaned = cleaned.translate(_EASTERN_DIGITS)
    if not cleaned:
        raise MoneyError("empty")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise MoneyError(text) from None
    if not amount.is_finite():
        raise MoneyError(text)
    if amount.as_tuple().exponent < -minor_digits(currency):
        raise MoneyError(text)
    return to_minor(amount, currency)


def format_money(minor: int, currency: str) -> str:
    """Format minor units for the current locale (\"Rs 1,250.00\", \"Rs ۱٬۲۵۰٫۰۰\" as Babel sees fit)."""
    return babel_format_currency(from_minor(minor, currency), currency)


_EASTERN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
