"""The customer form: what the shop knows about a person; and the dates of a statement of account."""
import re
from calendar import monthrange
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Optional, ValidationError

from ...forms import language_choices, max_length
from ...i18n import isolated
from ...services.customers import ADDRESS_MAX, EDITABLE_FIELDS, EMAIL_MAX, NAME_MAX, NOTES_MAX
from ...services.errors import DomainError
from ...services.phones import parse_phone


class CustomerForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(_l("Enter the customer's name.")), max_length(NAME_MAX)])
    phone = StringField(_l("Phone"), validators=[max_length(32)])
    email = StringField(_l("Email"), validators=[
        Optional(), max_length(EMAIL_MAX), Email(_l("Enter a valid email address, like name@example.com.")),
    ])
    address = TextAreaField(_l("Address"), validators=[max_length(ADDRESS_MAX)])
    notes = TextAreaField(_l("Notes"), validators=[max_length(NOTES_MAX)],
                          description=_l("Sizes, likes, how they pay: anything worth remembering."))
    # The service checks the language (and fills in the shop's when none came): one message, in our words.
    preferred_locale = SelectField(_l("Language for messages"), choices=language_choices, validate_choice=False,
                                   description=_l("Reminders and invoices are sent in this language."))
    reminders_opted_out = BooleanField(
        _l("Send no automatic reminders"),
        description=_l("Invoices you send still go; overdue and balance reminders do not."))

    def __init__(self, *args, country: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.country = country
        # Straight to typing when the form opens; after a refusal the messages by the fields lead instead.
        if not self.is_submitted():
            self.name.render_kw = {"autofocus": True}

    def validate_phone(self, field):
        # Every message at once: the service checks again, with the same words, when it saves.
        try:
            parse_phone(field.data, self.country)
        except DomainError as error:
            raise ValidationError(error.message) from None

    def values(self) -> dict:
        return {name: self[name].data or ("" if name != "reminders_opted_out" else False) for name in EDITABLE_FIELDS}


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _day(text: str | None) -> date | None:
    """A date as the browser's date field sends it (YYYY-MM-DD); None when empty."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if not _ISO_DAY.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(_l("Enter the date as year-month-day, like %(example)s.",
                                 example=isolated("2026-11-01"))) from None


def _month_end(day: date) -> date:
    return day.replace(day=monthrange(day.year, day.month)[1])


class StatementForm(FlaskForm):
    """The dates a statement of account covers; both in the URL, this month when none are given."""

    class Meta:
        csrf = False  # a GET that changes nothing: the dates are an address, not a request to act

    date_from = StringField(_l("From"), name="from")
    date_to = StringField(_l("To"), name="to")

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.start: date | None = None
        self.end: date | None = None

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        start, end = _day(self.date_from.data), _day(self.date_to.data)
        # Only a start: up to the end of this month (or of the start's, if later). Only an end: its month.
        end = end or _month_end(max(start or self.today, self.today))
        start = start or end.replace(day=1)
        if start > end:
            self.date_to.errors = [*self.date_to.errors, _l("The end date cannot be before the start date.")]
            return False
        self.start, self.end = start, end
        self.date_from.data, self.date_to.data = start.isoformat(), end.isoformat()
        return True

    def validate_date_from(self, field):
        _day(field.data)

    def validate_date_to(self, field):
        _day(field.data)


def statement_periods(today: date) -> list[tuple[object, date, date]]:
    """The ranges a statement is most often wanted for, one tap each: this month, last month, this year."""
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    return [
        (_l("This month"), this_month, _month_end(this_month)),
        (_l("Last month"), last_month, this_month - timedelta(days=1)),
        (_l("This year"), today.replace(month=1, day=1), today.replace(month=12, day=31)),
    ]
