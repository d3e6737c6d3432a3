"""Reports over a chosen period: sales, payments received, receivables aging and jobs, summed in SQL.

Dates are the shop's: sales count issued invoices (never drafts or voids) by their issue date, payments
count live payments by the date they were received, both plain date columns. Moments (a job's status
change, a void) are compared with the UTC instants at which the shop's days begin, so the same SQL runs on
SQLite and PostgreSQL. Months are summed in Python from the daily sums SQL returns (at most one row a day),
which keeps the grouping portable.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    Customer,
    Invoice,
    InvoiceStatus,
    Job,
    JobStatus,
    JobStatusChange,
    Payment,
    PaymentAllocation,
    PaymentMethod,
    Shop,
)
from .invoices import OPEN_INVOICE  # issued, not fully paid, in ix_invoices_open's own words

# The widest period a report covers, and the widest shown day by day.
MAX_PERIOD_DAYS = 3660
MAX_DAILY_DAYS = 366
EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)


SALES_GROUPS = ("day", "month", "customer")
PAYMENT_GROUPS = ("method", "day", "month")
AGING_BUCKETS = ("current", "1_30", "31_60", "61_90", "over_90")
METHOD_ORDER = tuple(PaymentMethod)


@dataclass(frozen=True)
class Period:
    """A run of the shop's days, both ends included."""

    start: date
    end: date

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError("a period cannot end before it starts")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def each_day(self) -> list[date]:
        return [self.start + timedelta(days=offset) for offset in range(self.days)]

    def each_month(self) -> list[tuple[date, date]]:
        """The months the period touches, each cut to the period: (first day, last day)."""
        months, first = [], self.start.replace(day=1)
        while first <= self.end:
            following = next_month(first)
            months.append((max(first, self.start), min(following - timedelta(days=1), self.end)))
            first = following
        return months


def next_month(first: date) -> date:
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1)


def month_start(day: date, months_back: int = 0) -> date:
    """The first day of the month `months_back` months before the one `day` is in."""
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def day_start(shop: Shop, day: date) -> datetime:
    """The UTC-comparable instant at which the shop's day begins (its wall clock's midnight)."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(shop.timezone))


def shop_date(shop: Shop, moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(shop.timezone)).date()


def _int(value) -> int:
    return int(value or 0)


# Buckets: a day or a month, its count and total.


@dataclass(frozen=True)
class Bucket:
    start: date
    end: date  # the last day it covers; a month is cut to the period
    count: int
    total_minor: int


def buckets(daily: dict[date, tuple[int, int]], period: Period, by: str) -> list[Bucket]:
    """Every day (or month) of the period with its count and total, quiet ones included as zero."""
    if by == "day":
        return [Bucket(day, day, *daily.get(day, (0, 0))) for day in period.each_day()]
    months: dict[tuple[int, int], tuple[int, int]] = {}
    for day, (count, total) in daily.items():
        before = months.get((day.year, day.month), (0, 0))
        months[(day.year, day.month)] = (before[0] + count, before[1] + total)
    return [Bucket(first, last, *months.get((first.year, first.month), (0, 0))) for first, last in period.each_month()]


# Sales


def _sales_conditions(shop: Shop, period: Period) -> list:
    return [Invoice.shop_id == shop.id, Invoice.status == InvoiceStatus.ISSUED,
            Invoice.issue_date >= period.start, Invoice.issue_date <= period.end]


def daily_sales(shop: Shop, period: Period) -> dict[date, tuple[int, int]]:
    """Issued invoices by issue date: {day: (how many, their total)}; one row a day at most."""
    rows = db.session.execute(
        sa.select(Invoice.issue_date, sa.func.count(), sa.func.sum(Invoice.total_minor))
        .where(*_sales_conditions(shop, period))
        .group_by(Invoice.issue_date)
    ).all()
    return {day: (_int(count), _int(total)) for day, count, total in rows}


@dataclass(frozen=True)
class SalesTotals:
    count: int
    total_minor: int
    tax_minor: int
    due_minor: int  # what is still unpaid on these invoices today
    void_count: int  # invoices issued in the period and voided since: not counted above
    void_minor: int

    @property
    def average_minor(self) -> int:
        return round(self.total_minor / self.count) if self.count else 0


def sales_totals(shop: Shop, period: Period) -> SalesTotals:
    issued = Invoice.status == InvoiceStatus.ISSUED
    void = Invoice.status == InvoiceStatus.VOID

    def total_of(condition, value):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, value), else_=0)), 0)

    row = db.session.execute(
        sa.select(total_of(issued, 1), total_of(issued, Invoice.total_minor), total_of(issued, Invoice.tax_minor),
                  total_of(issued, Invoice.total_minor - Invoice.paid_minor), total_of(void, 1),
                  total_of(void, Invoice.total_minor))
        .where(Invoice.shop_id == shop.id, Invoice.status.in_([InvoiceStatus.ISSUED, InvoiceStatus.VOID]),
               Invoice.issue_date >= period.start, Invoice.issue_date <= period.end)
    ).one()
    return SalesTotals(*(_int(value) for value in row))


@dataclass(frozen=True)
class CustomerSales:
    customer_id: int
    name: str
    count: int
    total_minor: int
    due_minor: int


def sales_by_customer(shop: Shop, period: Period, *, limit: int | None = None) -> tuple[list[CustomerSales], int]:
    """Each customer's sales in the period, the largest first (the first `limit`), and how many customers bought.

    One query: the number of customers rides along on every row as a window over the groups.
    """
    total = sa.func.sum(Invoice.total_minor)
    statement = (
        sa.select(Customer.id, Customer.name, sa.func.count(), total,
                  sa.func.sum(Invoice.total_minor - Invoice.paid_minor), sa.func.count().over())
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(*_sales_conditions(shop, period))
        .group_by(Customer.id, Customer.name)
        .order_by(total.desc(), Customer.id)
    )
    if limit is not None:
        statement = statement.limit(limit)
    rows = db.session.execute(statement).all()
    return ([CustomerSales(customer_id, name, _int(count), _int(amount), _int(due))
             for customer_id, name, count, amount, due, _customers in rows], _int(rows[0][5]) if rows else 0)


@dataclass(frozen=True)
class SalesReport:
    period: Period
    by: str
    totals: SalesTotals
    buckets: list[Bucket]  # by day or month
    customers: list[CustomerSales]  # by customer
    customer_count: int  # all the customers who bought, however many are listed


def sales(shop: Shop, period: Period, *, by: str, customer_limit: int | None = None) -> SalesReport:
    """The sales report: totals, and the sales by day, by month or by customer."""
    if by not in SALES_GROUPS:
        raise ValueError(f"unknown grouping {by!r}")
    totals = sales_totals(shop, period)
    if by == "customer":
        listed, count = sales_by_customer(shop, period, limit=customer_limit)
        return SalesReport(period, by, totals, [], listed, count)
    return SalesReport(period, by, totals, buckets(daily_sales(shop, period), period, by), [], 0)


# Payments received


def _payment_conditions(shop: Shop, period: Period) -> list:
    return [Payment.shop_id == shop.id, Payment.voided_at.is_(None),
            Payment.received_on >= period.start, Payment.received_on <= period.end]


def daily_payments(shop: Shop, period: Period) -> dict[date, tuple[int, int]]:
    """Live payments by the day they were received: {day: (how many, their total)}."""
    rows = db.session.execute(
        sa.select(Payment.received_on, sa.func.count(), sa.func.sum(Payment.amount_minor))
        .where(*_payment_conditions(shop, period))
        .group_by(Payment.received_on)
    ).all()
    return {day: (_int(count), _int(total)) for day, count, total in rows}


@dataclass(frozen=True)
class MethodTotal:
    method: PaymentMethod
    count: int
    total_minor: int


def payments_by_method(shop: Shop, period: Period) -> list[MethodTotal]:
    """What came in each way (cash, card, ...), in the form's order; only the ways used."""
    found = {method: (_int(count), _int(total)) for method, count, total in db.session.execute(
        sa.select(Payment.method, sa.func.count(), sa.func.sum(Payment.amount_minor))
        .where(*_payment_conditions(shop, period))
        .group_by(Payment.method)
    )}
    return [MethodTotal(method, *found[method]) for method in METHOD_ORDER if method in found]


@dataclass(frozen=True)
class PaymentTotals:
    count: int
    total_minor: int
    void_count: int  # received in the period and voided since: not counted above
    void_minor: int


def payment_totals(shop: Shop, period: Period) -> PaymentTotals:
    live = Payment.voided_at.is_(None)
    row = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(sa.case((live, 1), else_=0)), 0),
                  sa.func.coalesce(sa.func.sum(sa.case((live, Payment.amount_minor), else_=0)), 0),
                  sa.func.coalesce(sa.func.sum(sa.case((live, 0), else_=1)), 0),
                  sa.func.coalesce(sa.func.sum(sa.case((live, 0), else_=Payment.amount_minor)), 0))
        .where(Payment.shop_id == shop.id, Payment.received_on >= period.start, Payment.received_on <= period.end)
    ).one()
    return PaymentTotals(*(_int(value) for value in row))


@dataclass(frozen=True)
class PaymentsReport:
    period: Period
    by: str
    totals: PaymentTotals
    methods: list[MethodTotal]
    buckets: list[Bucket]  # by day or month; empty by method


def payments_received(shop: Shop, period: Period, *, by: str) -> PaymentsReport:
    """The payments report: totals, what came in each way, and by day or month when asked."""
    if by not in PAYMENT_GROUPS:
        raise ValueError(f"unknown grouping {by!r}")
    rows = [] if by == "method" else buckets(daily_payments(shop, period), period, by)
    return PaymentsReport(period, by, payment_totals(shop, period), payments_by_method(shop, period), rows)


# Receivables aging


@dataclass(frozen=True)
class AgingRow:
    customer_id: int
    name: str
    amounts: dict[str, int]  # by bucket
    invoices: int

    @property
    def total_minor(self) -> int:
        return sum(self.amounts.values())


@dataclass(frozen=True)
class AgingReport:
    on: date
    amounts: dict[str, int]  # by bucket, every bucket present
    counts: dict[str, int]  # open invoices in each bucket
    customers: list[AgingRow]  # the largest total first

    @property
    def total_minor(self) -> int:
        return sum(self.amounts.values())

    @property
    def count(self) -> int:
        return sum(self.counts.values())


def _bucket_of(due_date, on: date):
    """Which bucket an invoice falls in, by how many days past its due date it is on `on`."""
    return sa.case(
        (due_date >= on, "current"),
        (due_date >= on - timedelta(days=30), "1_30"),
        (due_date >= on - timedelta(days=60), "31_60"),
        (due_date >= on - timedelta(days=90), "61_90"),
        else_="over_90",
    )


def _open_invoices(shop: Shop, on: date, today: date):
    """A subquery of the invoices open on `on`: (customer_id, due_date, open_minor).

    Today (or later) the stored amount paid says it. For a day gone by the book is read back to then: the
    invoices issued by that day and not voided by its end, less what payments received by that day had
    paid on them, an allocation undone (a void) counting until the day it was undone.
    """
    if on >= today:
        return (
            sa.select(Invoice.customer_id, Invoice.due_date,
                      (Invoice.total_minor - Invoice.paid_minor).label("open_minor"))
            .where(Invoice.shop_id == shop.id, OPEN_INVOICE, Invoice.issue_date <= on)
            .subquery()
        )
    # What was paid on each invoice by then, worked out from what is paid now (the stored amount) and the
    # allocations that differ: live now but from payments received after that day (not paid then), or
    # undone after that day from payments received by it (still paid then). Only recent allocations are read.
    end = day_start(shop, on + timedelta(days=1))
    # Two parts, each read from its own index: payments received since (by date), allocations undone since.
    not_paid_then = (
        sa.select(PaymentAllocation.invoice_id.label("invoice_id"), (-PaymentAllocation.amount_minor).label("change"))
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .where(Payment.shop_id == shop.id, Payment.received_on > on, PaymentAllocation.voided_at.is_(None))
    )
    paid_then = (
        sa.select(PaymentAllocation.invoice_id.label("invoice_id"), PaymentAllocation.amount_minor.label("change"))
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .where(Payment.shop_id == shop.id, Payment.received_on <= on, PaymentAllocation.voided_at >= end)
    )
    changes = sa.union_all(not_paid_then, paid_then).subquery()
    differs = (
        sa.select(changes.c.invoice_id, sa.func.sum(changes.c.change).label("change"))
        .group_by(changes.c.invoice_id)
        .subquery()
    )
    open_minor = Invoice.total_minor - Invoice.paid_minor - sa.func.coalesce(differs.c.change, 0)
    standing = sa.or_(Invoice.status == InvoiceStatus.ISSUED,
                      sa.and_(Invoice.status == InvoiceStatus.VOID, Invoice.voided_at >= end))
    return (
        sa.select(Invoice.customer_id, Invoice.due_date, open_minor.label("open_minor"))
        .outerjoin(differs, differs.c.invoice_id == Invoice.id)
        .where(Invoice.shop_id == shop.id, standing, Invoice.issue_date <= on, open_minor > 0)
        .subquery()
    )


def aging(shop: Shop, *, on: date, today: date) -> AgingReport:
    """What customers owe on open invoices on a date, by how long past due: one grouped query."""
    invoices = _open_invoices(shop, on, today)
    bucket = _bucket_of(invoices.c.due_date, on)
    # Summed by customer and bucket first, then named: the planner reads the invoices once, in index order.
    grouped = (
        sa.select(invoices.c.customer_id, bucket.label("bucket"), sa.func.count().label("count"),
                  sa.func.sum(invoices.c.open_minor).label("owed"))
        .group_by(invoices.c.customer_id, bucket)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Customer.id, Customer.name, grouped.c.bucket, grouped.c.count, grouped.c.owed)
        .join(grouped, grouped.c.customer_id == Customer.id)
    ).all()
    amounts = dict.fromkeys(AGING_BUCKETS, 0)
    counts = dict.fromkeys(AGING_BUCKETS, 0)
    names: dict[int, str] = {}
    per_customer: dict[int, dict[str, int]] = {}
    invoice_counts: dict[int, int] = {}
    for customer_id, name, name_of_bucket, count, amount in rows:
        amounts[name_of_bucket] += _int(amount)
        counts[name_of_bucket] += _int(count)
        names[customer_id] = name
        per_customer.setdefault(customer_id, dict.fromkeys(AGING_BUCKETS, 0))[name_of_bucket] += _int(amount)
        invoice_counts[customer_id] = invoice_counts.get(customer_id, 0) + _int(count)
    customers = sorted(
        (AgingRow(customer_id, names[customer_id], owed, invoice_counts[customer_id])
         for customer_id, owed in per_customer.items()),
        key=lambda row: (-row.total_minor, row.name, row.customer_id),
    )
    return AgingReport(on=on, amounts=amounts, counts=counts, customers=customers)


# Jobs


@dataclass(frozen=True)
class DueJob:
    job_id: int
    title: str
    customer_id: int
    customer_name: str
    due_date: date
    status: JobStatus
    done_on: date | None  # the shop's day it was last marked completed; None while it is not done
    today: date

    @property
    def outcome(self) -> str:
        """on_time, late (done after its due date), overdue (not done, past due) or open (not yet due)."""
        if self.done_on is not None:
            return "late" if self.done_on > self.due_date else "on_time"
        return "overdue" if self.due_date < self.today else "open"

    @property
    def days_late(self) -> int:
        until = self.done_on if self.done_on is not None else self.today
        return max(0, (until - self.due_date).days)


@dataclass(frozen=True)
class JobsReport:
    period: Period
    taken_in: int  # jobs taken in the period
    completed: int  # jobs marked completed in the period
    delivered: int  # jobs handed over in the period
    due: list[DueJob]  # the jobs due in the period, the latest first

    def count(self, outcome: str) -> int:
        return sum(1 for job in self.due if job.outcome == outcome)

    @property
    def late(self) -> list[DueJob]:
        """Late jobs, done late or still not done, the longest late first."""
        return sorted((job for job in self.due if job.outcome in ("late", "overdue")),
                      key=lambda job: (-job.days_late, job.due_date, job.job_id))


def _moved_in(shop: Shop, period: Period):
    start, end = day_start(shop, period.start), day_start(shop, period.end + timedelta(days=1))
    return [JobStatusChange.shop_id == shop.id, JobStatusChange.created_at >= start, JobStatusChange.created_at < end]


def jobs(shop: Shop, period: Period, *, today: date) -> JobsReport:
    """Jobs taken in, completed and delivered in the period, and how the jobs due in it went.

    A job counts as completed in the period when it moved forward to Completed then (moved back and done
    again, it counts once); it was done on time when its last completion fell on or before its due date.
    """
    start, end = day_start(shop, period.start), day_start(shop, period.end + timedelta(days=1))
    taken_in = db.session.scalar(
        sa.select(sa.func.count()).select_from(Job)
        .where(Job.shop_id == shop.id, Job.created_at >= start, Job.created_at < end)
    )
    # Forward moves only: taking a delivered job back to Completed is not completing it again.
    forward = sa.or_(
        sa.and_(JobStatusChange.to_status == JobStatus.COMPLETED, JobStatusChange.from_status == JobStatus.IN_PROGRESS),
        JobStatusChange.to_status == JobStatus.DELIVERED,
    )
    moved = dict(db.session.execute(
        sa.select(JobStatusChange.to_status, sa.func.count(sa.distinct(JobStatusChange.job_id)))
        .where(*_moved_in(shop, period), forward)
        .group_by(JobStatusChange.to_status)
    ).all())
    completions = (
        sa.select(JobStatusChange.job_id.label("job_id"), sa.func.max(JobStatusChange.created_at).label("done_at"))
        .where(JobStatusChange.shop_id == shop.id, JobStatusChange.to_status == JobStatus.COMPLETED,
               JobStatusChange.from_status == JobStatus.IN_PROGRESS)
        .group_by(JobStatusChange.job_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Job.id, Job.title, Customer.id, Customer.name, Job.due_date, Job.status,
                  sa.func.coalesce(completions.c.done_at, Job.updated_at))
        .join(Customer, Customer.id == Job.customer_id)
        .outerjoin(completions, completions.c.job_id == Job.id)
        .where(Job.shop_id == shop.id, Job.due_date >= period.start, Job.due_date <= period.end)
        .order_by(Job.due_date.desc(), Job.id.desc())
    ).all()
    # The shop's day of each completion is worked out here: a time zone in SQL is not portable.
    due = [DueJob(job_id, title, customer_id, name, due_date, status,
                  None if status == JobStatus.IN_PROGRESS else _as_shop_date(shop, done_at), today)
           for job_id, title, customer_id, name, due_date, status, done_at in rows]
    return JobsReport(period=period, taken_in=_int(taken_in), completed=_int(moved.get(JobStatus.COMPLETED)),
                      delivered=_int(moved.get(JobStatus.DELIVERED)), due=due)


def _as_shop_date(shop: Shop, moment) -> date:
    # A moment read through a subquery's max() comes back without the column type on SQLite: naive UTC text.
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return shop_date(shop, moment)
