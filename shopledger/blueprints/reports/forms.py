"""What a report covers: a period and a grouping, or the date an aging is taken on; read from the URL."""
from __future__ import annotations

import re
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import ValidationError

from ...forms import choices
from ...i18n import isolated
from ...services import reports
from ...services.reports import Period

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# A period longer than this is shown by month unless day by day is asked for.
DAILY_UP_TO_DAYS = 62


def read_day(text: str | None) -> date | None:
    """A date as the browser's date field sends it (YYYY-MM-DD); None when empty."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if not _ISO_DAY.fullmatch(text):
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        raise ValidationError(_l("Enter the date as year-month-day, like %(example)s.",
                                 example=isolated("2026-11-01"))) from None
    if not reports.EARLIEST <= day <= reports.LATEST:
        raise ValidationError(_l("Enter a date between %(start)s and %(end)s.",
                                 start=isolated(reports.EARLIEST.isoformat()),
                                 end=isolated(reports.LATEST.isoformat())))
    return day


class PeriodForm(FlaskForm):
    """A period: this month when none is given."""

    class Meta:
        csrf = False  # a GET that changes nothing: the period is an address, not a request to act

    date_from = StringField(_l("From"), name="from")
    date_to = StringField(_l("To"), name="to")

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.period: Period | None = None

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        start, end = read_day(self.date_from.data), read_day(self.date_to.data)
        # Only a start: up to today (or the start). Only an end: from the first of its month. Neither: this month.
        end = end or max(start or self.today, self.today)
        start = start or end.replace(day=1)
        if start > end:
            self.date_to.errors = [*self.date_to.errors, _l("The end date cannot be before the start date.")]
            return False
        period = Period(start, end)
        if period.days > reports.MAX_PERIOD_DAYS:
            self.date_from.errors = [*self.date_from.errors, _l("Choose a period of ten years or less.")]
            return False
        if not self.accept(period):
            return False
        self.period = period
        self.date_from.data, self.date_to.data = start.isoformat(), end.isoformat()
        return True

    def accept(self, period: Period) -> bool:
        """Whatever else the report asks of the period; put any error next to its field."""
        return True

    def validate_date_from(self, field):
        read_day(field.data)

    def validate_date_to(self, field):
        read_day(field.data)


class GroupedPeriodForm(PeriodForm):
    """A period and how to group it: by day or month, or a way of its own (by customer, by way of payment)."""

    by = SelectField(_l("Show"), validate_choice=False)

    def __init__(self, *args, groups: dict, timeless: str | None = None, **kwargs):
        """`groups` maps each grouping to its label; `timeless`, when given, is the one chosen by default."""
        super().__init__(*args, **kwargs)
        self.groups = groups
        self.timeless = timeless
        self.by.choices = choices((value, label) for value, label in groups.items())

    def accept(self, period: Period) -> bool:
        by = self.by.data or self.timeless or ("day" if period.days <= DAILY_UP_TO_DAYS else "month")
        if by not in self.groups:
            self.by.errors = [*self.by.errors, _l("Choose one of the ways to show the report.")]
            return False
        if by == "day" and period.days > reports.MAX_DAILY_DAYS:
            self.by.errors = [*self.by.errors, _l("Day by day works for a year at most: choose By month.")]
            return False
        self.by.data = by
        return True


class AgingForm(FlaskForm):
    """The day the receivables are aged on: today unless another is given."""

    class Meta:
        csrf = False

    on = StringField(_l("On"))

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.day: date | None = None

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        day = read_day(self.on.data) or self.today
        if day > self.today:
            self.on.errors = [*self.on.errors, _l("Choose today or a day before it.")]
            return False
        self.day = day
        self.on.data = day.isoformat()
        return True

    def validate_on(self, field):
        read_day(field.data)


def _month_end(first: date) -> date:
    return reports.next_month(first) - timedelta(days=1)


def period_choices(today: date) -> list[tuple[object, date, date]]:
    """The periods most often wanted, one tap each."""
    this_month = today.replace(day=1)
    last_month = reports.month_start(today, 1)
    return [
        (_l("This month"), this_month, today),
        (_l("Last month"), last_month, _month_end(last_month)),
        (_l("This year"), today.replace(month=1, day=1), today),
        (_l("Last year"), date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
    ]


def aging_days(today: date) -> list[tuple[object, date]]:
    """The days an aging is most often taken on, one tap each: today, and the ends of last month and year."""
    return [
        (_l("Today"), today),
        (_l("End of last month"), today.replace(day=1) - timedelta(days=1)),
        (_l("End of last year"), date(today.year - 1, 12, 31)),
    ]
