"""Phone numbers: one canonical form to store, and the digits to search by."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from flask_babel import gettext as _

from .errors import DomainError

_EASTERN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


@dataclass(frozen=True)
class Phone:
    e164: str  # +923001234567
    national: str  # 3001234567


def parse_phone(raw: str, country: str, *, field: str = "phone") -> Phone | None:
    """Read a phone number as typed, with the shop's country as the default; None when blank."""
    raw = (raw or "").strip().translate(_EASTERN_DIGITS)
    if not raw:
        return None
    try:
        number = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise DomainError(_("Enter a valid phone number, like 0300 1234567."), field=field)
    return Phone(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        national=str(number.national_number),
    )


def canonical_phone(raw: str, country: str, *, field: str = "phone") -> str:
    """Return the phone number in E.164 form, or "" when none was given."""
    phone = parse_phone(raw, country, field=field)
    return phone.e164 if phone else ""


def search_digits(query: str, country: str) -> str | None:
    """The digits to look for in stored national numbers, when the query looks like (part of) a phone.

    0300-1234567, 03001234567 and +92 300 1234567 all give 3001234567; 1234567 gives itself.
    """
    text = (query or "").strip().translate(_EASTERN_DIGITS)
    if not re.fullmatch(r"[+\d\s().-]+", text):
        return None
    digits = re.sub(r"\D", "", text)
    if len(digits) < 3:
        return None
    if text.startswith(("+", "00")):
        digits = digits[2:] if text.startswith("00") else digits
        for length in (1, 2, 3):
            if phonenumbers.region_code_for_country_code(int(digits[:length])) != "ZZ":
                return digits[length:] or None
        return digits
    code = str(phonenumbers.country_code_for_region(country))
    if digits.startswith("0"):
        return digits.lstrip("0") or None  # the trunk prefix is not part of the stored number
    if len(digits) > 10 and digits.startswith(code):
        return digits[len(code):]
    return digits


@lru_cache(maxsize=4096)
def format_phone(e164: str, country: str) -> str:
    """The stored number as people read it: 0300 1234567 at home, +971 50 123 4567 from abroad.

    Cached: a list shows a page of numbers on every request, and parsing one costs more than the row."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    home = phonenumbers.region_code_for_number(number) == country
    return phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.NATIONAL if home else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
