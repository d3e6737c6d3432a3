"""Money: integer minor units stored, Decimal computed, rounded half-up once where a rule says so."""
from __future__ import annotations

import re
from functools import lru_cache
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel import Locale, UnknownLocaleError
from babel.numbers import NumberPattern, parse_pattern
from babel.numbers import get_currency_precision
from flask_babel import get_locale


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


def format_money(minor: int, currency: str, *, territory: str | None = None, locale: str | None = None) -> str:
    """Format minor units the way the shop's country writes them: "Rs 2,500", "Rs 2,500.50", "₹ 2,50,000".

    The language comes from the request (or `locale`), the symbol and grouping from the shop's country
    (en alone says "PKR", en_PK says "Rs"). Whole amounts drop the ".00" shopkeepers never write.
    """
    language = str(locale or get_locale() or "en").split("_")[0]
    amount = from_minor(minor, currency)
    whole = amount == amount.to_integral_value()
    chosen, pattern = _currency_pattern(language, territory, whole)
    return pattern.apply(amount, chosen, currency=currency, currency_digits=not whole)


@lru_cache(maxsize=128)
def _currency_pattern(language: str, territory: str | None, whole: bool) -> tuple[Locale, NumberPattern]:
    """The locale and parsed currency pattern for a language, country and kind of amount (a list shows
    dozens of amounts: parsing Babel's pattern once, not per amount, halves a list's formatting time)."""
    try:
        chosen = Locale(language, territory) if territory else Locale.parse(language)
    except (UnknownLocaleError, ValueError, TypeError):
        chosen = Locale.parse(language)
    patterns = []
    for pattern in chosen.currency_formats["standard"].pattern.split(";"):
        if pattern.startswith("¤") and not pattern.startswith(("¤ ", "¤\u00a0")):
            pattern = "¤\u00a0" + pattern[1:]
        if whole:
            pattern = re.sub(r"\.0+", "", pattern)
        patterns.append(pattern)
    return chosen, parse_pattern(";".join(patterns))


_EASTERN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
