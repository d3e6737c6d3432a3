"""The shop settings form."""
import zoneinfo
from functools import lru_cache

import phonenumbers
from babel import Locale
from babel.dates import get_timezone_location
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired

from ...forms import choices, language_choices, max_length

COMMON_CURRENCIES = ("PKR", "INR", "BDT", "AED", "SAR", "GBP", "USD", "EUR")


def _country_choices():
    names = Locale.parse(str(get_locale())).territories
    return choices(sorted(
        ((code, names.get(code, code)) for code in phonenumbers.SUPPORTED_REGIONS if code in names),
        key=lambda pair: pair[1],
    ))


def _currency_choices():
    locale = Locale.parse(str(get_locale()))
    return choices((code, f"{code} · {locale.currencies.get(code, code)}") for code in COMMON_CURRENCIES)


def _timezone_choices():
    return list(_localised_timezones(str(get_locale())))


@lru_cache(maxsize=4)
def _localised_timezones(locale: str):
    # "پاکستان وقت (Asia/Karachi)": readable in the page's language, exact in the IANA name.
    named = [
        (name, f"{get_timezone_location(name, locale=locale)} ({name})")
        for name in zoneinfo.available_timezones() if "/" in name and not name.startswith(("Etc/", "SystemV/"))
    ]
    return tuple(choices(sorted(named, key=lambda pair: pair[1])))


class ShopSettingsForm(FlaskForm):
    name = StringField(_l("Shop name"), validators=[InputRequired(_l("Enter the shop's name.")), max_length(120)])
    phone = StringField(_l("Phone"), validators=[max_length(32)])
    address = TextAreaField(_l("Address"), validators=[max_length(500)])
    country = SelectField(_l("Country"), validate_choice=False)
    currency = SelectField(_l("Currency"), validate_choice=False)
    timezone = SelectField(_l("Time zone"), validate_choice=False)
    default_locale = SelectField(_l("Language for new members and customers"), validate_choice=False)
    invoice_prefix = StringField(
        _l("Invoice number prefix"),
        validators=[InputRequired(_l("Enter a prefix, like INV.")), max_length(12)],
        description=_l("Invoices will be numbered like INV-2026-0001."),
    )
    payment_instructions = TextAreaField(
        _l("How customers can pay you"), validators=[max_length(2000)],
        description=_l("Printed on invoices: bank account, JazzCash or Easypaisa number."),
    )
    # Text, not IntegerField: the service reads the number and says what is wrong in our words.
    link_lifetime_days = StringField(
        _l("Links work for (days)"), validators=[max_length(5)],
        description=_l("How long a link to an invoice, receipt or statement keeps working. Each new one starts again."),
    )
    reminder_stages = StringField(
        _l("Remind customers of overdue invoices, days after the due date"), validators=[max_length(40)],
        description=_l("Like 1, 7, 14: one reminder at each. Leave empty for none."),
    )
    balance_reminders = BooleanField(_l("Remind customers who owe of their balance at the start of each month"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = _country_choices()
        self.currency.choices = _currency_choices()
        self.timezone.choices = _timezone_choices()
        self.default_locale.choices = language_choices()


class LogoForm(FlaskForm):
    logo = FileField(_l("Logo"), validators=[FileRequired(_l("Choose an image."))])
