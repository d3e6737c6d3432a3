"""The home page's figures: today's takings, this month against last, what is owed and overdue, jobs due,
and the sales of the last 30 days or 12 months. Each is one small grouped query, in the shop's dates."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import Invoice, InvoiceStatus, Job, JobStatus, Shop
from . import ledger, reports
from .reports import Bucket, MethodTotal, Period

CHART_SPANS = ("days", "months")
CHART_DAYS = 30
CHART_MONTHS = 12
JOBS_AHEAD_DAYS = 7  # as the job board's "This week" reaches


@dataclass(frozen=True)
class Takings:
    on: date
    methods: list[MethodTotal]

    @property
    def total_minor(self) -> int:
        return sum(method.total_minor for method in self.methods)

    @property
    def count(self) -> int:
        return sum(method.count for method in self.methods)


def takings(shop: Shop, *, today: date) -> Takings:
    """Live payments received today, by way of payment."""
    return Takings(on=today, methods=reports.payments_by_method(shop, Period(today, today)))


@dataclass(frozen=True)
class MonthSales:
    today: date
    this_month_minor: int  # from the 1st to today
    this_month_count: int
    last_month_minor: int  # the whole of last month
    last_month_to_date_minor: int  # last month up to the same day of the month (or its end)

    @property
    def this_month(self) -> Period:
        return Period(self.today.replace(day=1), self.today)

    @property
    def last_month(self) -> Period:
        first = reports.month_start(self.today, 1)
        return Period(first, self.today.replace(day=1) - timedelta(days=1))

    @property
    def same_day_last_month(self) -> date:
        return min(self.last_month.start + timedelta(days=self.today.day - 1), self.last_month.end)

    @property
    def change_percent(self) -> int | None:
        """This month so far against last month by the same day, in whole percent (None with nothing to compare)."""
        if self.last_month_to_date_minor <= 0:
            return None
        return round((self.this_month_minor - self.last_month_to_date_minor) * 100 / self.last_month_to_date_minor)


def month_sales(shop: Shop, *, today: date) -> MonthSales:
    """Sales this month so far, all of last month, and last month up to the same day: one query."""
    this_month = today.replace(day=1)
    last_month = reports.month_start(today, 1)
    same_day = min(last_month + timedelta(days=today.day - 1), this_month - timedelta(days=1))

    def total_between(start, end, value):
        inside = sa.and_(Invoice.issue_date >= start, Invoice.issue_date <= end)
        return sa.func.coalesce(sa.func.sum(sa.case((inside, value), else_=0)), 0)

    row = db.session.execute(
        sa.select(total_between(this_month, today, Invoice.total_minor), total_between(this_month, today, 1),
                  total_between(last_month, this_month - timedelta(days=1), Invoice.total_minor),
                  total_between(last_month, same_day, Invoice.total_minor))
        .where(Invoice.shop_id == shop.id, Invoice.status == InvoiceStatus.ISSUED,
               Invoice.issue_date >= last_month, Invoice.issue_date <= today)
    ).one()
    return MonthSales(today, *(int(value or 0) for value in row))


@dataclass(frozen=True)
class Overdue:
    count: int
    amount_minor: int  # what is still unpaid on them


def overdue_invoices(shop: Shop, *, today: date) -> Overdue:
    """Issued invoices past their due date and not fully paid, as the invoices list's Overdue filter counts them."""
    count, amount = db.session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(Invoice.total_minor - Invoice.paid_minor), 0))
        .where(Invoice.shop_id == shop.id, reports.OPEN_INVOICE, Invoice.due_date < today)
    ).one()
    return Overdue(int(count), int(amount))


@dataclass(frozen=True)
class JobsDue:
    overdue: int  # still in progress, past their due date
    today: int
    ahead: int  # due from tomorrow to a week from today


def jobs_due(shop: Shop, *, today: date) -> JobsDue:
    """Open jobs by when they are due, in the job board's groups: one query."""
    ahead_until = today + timedelta(days=JOBS_AHEAD_DAYS)

    def count_where(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    row = db.session.execute(
        sa.select(count_where(Job.due_date < today), count_where(Job.due_date == today),
                  count_where(sa.and_(Job.due_date > today, Job.due_date <= ahead_until)))
        .where(Job.shop_id == shop.id, Job.status == JobStatus.IN_PROGRESS, Job.due_date.is_not(None),
               Job.due_date <= ahead_until)
    ).one()
    return JobsDue(*(int(value or 0) for value in row))


def sales_series(shop: Shop, *, today: date, span: str) -> list[Bucket]:
    """Sales of each of the last 30 days, or of each of the last 12 months (this one so far), oldest first."""
    if span not in CHART_SPANS:
        raise ValueError(f"unknown span {span!r}")
    if span == "days":
        period = Period(today - timedelta(days=CHART_DAYS - 1), today)
        return reports.buckets(reports.daily_sales(shop, period), period, "day")
    period = Period(reports.month_start(today, CHART_MONTHS - 1), today)
    return reports.buckets(reports.daily_sales(shop, period), period, "month")


@dataclass(frozen=True)
class Dashboard:
    """What the home page shows; a part the member may not see is None."""

    today: date
    takings: Takings | None
    month: MonthSales | None
    owed: ledger.Owed | None
    overdue: Overdue | None
    jobs: JobsDue | None

    @property
    def quiet(self) -> bool:
        """Nothing to show yet: no money in or owed, no sales this month or last, no job due (a new shop)."""
        return not any((
            self.takings and self.takings.count,
            self.month and (self.month.this_month_count or self.month.last_month_minor),
            self.owed and self.owed.customers,
            self.jobs and (self.jobs.overdue or self.jobs.today or self.jobs.ahead),
        ))


def dashboard(shop: Shop, *, today: date, money: bool, takings_only: bool = False, jobs: bool = True) -> Dashboard:
    """The figures for one member: `money` for all of them, `takings_only` for today's takings alone."""
    return Dashboard(
        today=today,
        takings=takings(shop, today=today) if money or takings_only else None,
        month=month_sales(shop, today=today) if money else None,
        owed=ledger.total_owed(shop) if money else None,
        overdue=overdue_invoices(shop, today=today) if money else None,
        jobs=jobs_due(shop, today=today) if jobs else None,
    )
