"""The khata: each customer's running balance over invoices and payments.

The rows (issued invoices, live payments and allocations) are the truth. Sums of them are also stored,
so that lists read a column rather than add up a customer's or an invoice's history, or the whole shop's,
on every request: `Customer.balance_minor`, `Invoice.paid_minor` and the shop's `InvoiceTotals`. Only the functions below change them, with
SQL increments (`x = x + n`, safe when two people record at once), in the transaction of the change
that moves them; `stored_amount_mismatches` checks them against the rows (the tests do after each test)
and `recompute_stored_amounts` rebuilds them.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import (
    Customer, Invoice, InvoiceStatus, InvoiceTotals, Payment, PaymentAllocation, PaymentMethod, Shop, User,
)


def add_to_balance(customer: Customer, delta_minor: int) -> None:
    """Move what the customer owes by delta (an issued invoice adds, a payment takes off)."""
    if delta_minor:
        customer.balance_minor = Customer.balance_minor + delta_minor
        db.session.flush()


def add_to_paid(invoice: Invoice, delta_minor: int) -> None:
    """Move what is paid on an invoice by delta (an allocation adds, undoing it takes off)."""
    if delta_minor:
        invoice.paid_minor = Invoice.paid_minor + delta_minor
        db.session.flush()
        if invoice.status == InvoiceStatus.ISSUED:
            add_to_invoice_totals(invoice.shop_id, due_minor=-delta_minor)


def add_to_invoice_totals(shop_id: int, *, count: int = 0, total_minor: int = 0, due_minor: int = 0) -> None:
    """Move the shop's invoice totals (the invoices list's summary) by these amounts."""
    if not (count or total_minor or due_minor):
        return
    insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(InvoiceTotals).values(shop_id=shop_id, invoice_count=count, total_minor=total_minor,
                                             due_minor=due_minor)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[InvoiceTotals.shop_id],
        set_={"invoice_count": InvoiceTotals.invoice_count + statement.excluded.invoice_count,
              "total_minor": InvoiceTotals.total_minor + statement.excluded.total_minor,
              "due_minor": InvoiceTotals.due_minor + statement.excluded.due_minor},
    ), execution_options={"shop_id": shop_id})  # whose data changed, for the page cache's data version


def invoice_totals(shop: Shop) -> InvoiceTotals:
    return db.session.get(InvoiceTotals, shop.id) or InvoiceTotals(shop_id=shop.id, invoice_count=0,
                                                                   total_minor=0, due_minor=0)


def _computed_invoice_totals():
    """Per shop: every invoice counted, the totals of those not void, what is left to pay on issued ones."""
    issued = Invoice.status == InvoiceStatus.ISSUED
    return sa.select(
        Invoice.shop_id,
        sa.func.count(),
        sa.func.coalesce(sa.func.sum(sa.case((Invoice.status != InvoiceStatus.VOID, Invoice.total_minor),
                                             else_=0)), 0),
        sa.func.coalesce(sa.func.sum(sa.case((issued, Invoice.total_minor - Invoice.paid_minor), else_=0)), 0),
    ).group_by(Invoice.shop_id)


def _computed_paid():
    return (sa.select(sa.func.coalesce(sa.func.sum(PaymentAllocation.amount_minor), 0))
            .where(PaymentAllocation.invoice_id == Invoice.id, PaymentAllocation.voided_at.is_(None))
            .correlate(Invoice).scalar_subquery())


def _computed_balance():
    owed = (sa.select(sa.func.coalesce(sa.func.sum(Invoice.total_minor), 0))
            .where(Invoice.customer_id == Customer.id, Invoice.status == InvoiceStatus.ISSUED)
            .correlate(Customer).scalar_subquery())
    paid = (sa.select(sa.func.coalesce(sa.func.sum(Payment.amount_minor), 0))
            .where(Payment.customer_id == Customer.id, Payment.voided_at.is_(None))
            .correlate(Customer).scalar_subquery())
    return owed - paid


@dataclass(frozen=True)
class Mismatch:
    kind: str  # "invoice", "customer" or "shop" (its invoice totals)
    id: int
    stored_minor: int
    computed_minor: int


def stored_amount_mismatches(shop_id: int | None = None) -> list[Mismatch]:
    """Invoices and customers whose stored sums differ from their rows (all shops, or one)."""
    paid, balance = _computed_paid(), _computed_balance()
    invoices = sa.select(Invoice.id, Invoice.paid_minor, paid).where(Invoice.paid_minor != paid)
    customers = sa.select(Customer.id, Customer.balance_minor, balance).where(Customer.balance_minor != balance)
    if shop_id is not None:
        invoices = invoices.where(Invoice.shop_id == shop_id)
        customers = customers.where(Customer.shop_id == shop_id)
    found = ([Mismatch("invoice", *row) for row in db.session.execute(invoices)]
             + [Mismatch("customer", *row) for row in db.session.execute(customers)])
    computed = _computed_invoice_totals()
    if shop_id is not None:
        computed = computed.where(Invoice.shop_id == shop_id)
    expected = {row[0]: tuple(int(value) for value in row[1:]) for row in db.session.execute(computed)}
    rows = sa.select(InvoiceTotals)
    if shop_id is not None:
        rows = rows.where(InvoiceTotals.shop_id == shop_id)
    stored = {row.shop_id: (row.invoice_count, row.total_minor, row.due_minor) for row in db.session.scalars(rows)}
    for shop in sorted(set(expected) | set(stored)):
        want, have = expected.get(shop, (0, 0, 0)), stored.get(shop, (0, 0, 0))
        if want != have:
            found.append(Mismatch("shop", shop, have, want))
    return found


def recompute_stored_amounts(shop_id: int | None = None) -> int:
    """Rebuild the stored sums from the rows (all shops, or one); return how many were wrong."""
    wrong = stored_amount_mismatches(shop_id)
    invoices = sa.update(Invoice).values(paid_minor=_computed_paid())
    customers = sa.update(Customer).values(balance_minor=_computed_balance())
    if shop_id is not None:
        invoices = invoices.where(Invoice.shop_id == shop_id)
        customers = customers.where(Customer.shop_id == shop_id)
    db.session.execute(invoices, execution_options={"synchronize_session": False})
    db.session.execute(customers, execution_options={"synchronize_session": False})
    stale = sa.delete(InvoiceTotals)
    computed = _computed_invoice_totals()
    if shop_id is not None:
        stale = stale.where(InvoiceTotals.shop_id == shop_id)
        computed = computed.where(Invoice.shop_id == shop_id)
    db.session.execute(stale, execution_options={"synchronize_session": False})
    for shop, count, total, due in db.session.execute(computed).all():
        db.session.add(InvoiceTotals(shop_id=shop, invoice_count=count, total_minor=total, due_minor=due))
    db.session.flush()
    return len(wrong)


def balances(shop: Shop, customer_ids: list[int]) -> dict[int, int]:
    """What each customer owes (negative: the shop owes them, their credit), summed from the rows.

    Pages read `Customer.balance_minor`, kept equal to this; this is the reference it is checked against."""
    if not customer_ids:
        return {}
    owed = dict(db.session.execute(
        sa.select(Invoice.customer_id, sa.func.sum(Invoice.total_minor))
        .where(Invoice.shop_id == shop.id, Invoice.customer_id.in_(customer_ids),
               Invoice.status == InvoiceStatus.ISSUED)
        .group_by(Invoice.customer_id)
    ).all())
    paid = dict(db.session.execute(
        sa.select(Payment.customer_id, sa.func.sum(Payment.amount_minor))
        .where(Payment.shop_id == shop.id, Payment.customer_id.in_(customer_ids), Payment.voided_at.is_(None))
        .group_by(Payment.customer_id)
    ).all())
    return {customer_id: int(owed.get(customer_id) or 0) - int(paid.get(customer_id) or 0)
            for customer_id in customer_ids}


def balance(shop: Shop, customer: Customer) -> int:
    """What the customer owes (negative: their credit): the stored balance."""
    return customer.balance_minor


@dataclass(frozen=True)
class Owed:
    total_minor: int  # what all the customers who owe anything owe together
    customers: int  # how many of them there are


def total_owed(shop: Shop) -> Owed:
    """What the shop is owed in all, over every customer with a balance above zero (one query)."""
    total, count = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Customer.balance_minor), 0), sa.func.count())
        .where(Customer.shop_id == shop.id, Customer.balance_minor > 0)
    ).one()
    return Owed(total_minor=int(total), customers=int(count))


ENTRY_LABELS = {
    "invoice": _l("Invoice"),
    "invoice_void": _l("Invoice voided"),
    "payment": _l("Payment"),
    "payment_void": _l("Payment voided"),
}


@dataclass(frozen=True)
class Who:
    """Who recorded an entry: the name is all the khata shows."""

    id: int
    name: str


@dataclass(frozen=True)
class InvoiceRef:
    """What an entry shows of its invoice."""

    id: int
    number: str
    void_reason: str


@dataclass(frozen=True)
class PaymentRef:
    """What an entry shows of its payment."""

    id: int
    method: PaymentMethod
    reference: str
    void_reason: str


@dataclass(frozen=True)
class Entry:
    on: date
    at: datetime
    kind: str  # invoice, invoice_void, payment, payment_void
    reference: str  # the invoice number, or the payment's reference
    debit_minor: int  # what it adds to what the customer owes
    credit_minor: int  # what it takes off
    balance_minor: int
    by: Who | None  # None once the member who recorded it is gone
    invoice: InvoiceRef | None = None
    payment: PaymentRef | None = None

    @property
    def label(self):
        return ENTRY_LABELS[self.kind]


@dataclass(frozen=True)
class Statement:
    opening_minor: int
    entries: list[Entry]
    closing_minor: int
    date_from: date | None
    date_to: date | None

    def latest(self, count: int) -> Statement:
        """Only the last `count` entries, the balance before them carried in as the opening balance."""
        if len(self.entries) <= count:
            return self
        kept = self.entries[-count:]
        before = self.entries[-count - 1].balance_minor
        return replace(self, opening_minor=before, entries=kept, date_from=kept[0].on)


def _shop_date(shop: Shop, moment: datetime) -> date:
    """The day a moment fell on in the shop (a void at 1 am in Karachi is that day, not yesterday in UTC)."""
    return moment.astimezone(ZoneInfo(shop.timezone)).date()


@cache
def _entries_statement(newest_only: bool) -> sa.CompoundSelect:
    """The khata's query (see _raw_entries), built once: its parameters are shop_id, customer_id, newest."""
    shop_id, customer_id = sa.bindparam("shop_id"), sa.bindparam("customer_id")
    recorder, voider = aliased(User), aliased(User)
    invoice_rows = sa.and_(Invoice.shop_id == shop_id, Invoice.customer_id == customer_id,
                           Invoice.status != InvoiceStatus.DRAFT)
    payment_rows = sa.and_(Payment.shop_id == shop_id, Payment.customer_id == customer_id)
    first_payment = first_invoice = sa.null()
    if newest_only:
        newest = sa.bindparam("newest")
        newest_payments = (sa.select(Payment.id).where(payment_rows)
                           .order_by(Payment.received_on.desc(), Payment.created_at.desc()).limit(newest)
                           .subquery())
        newest_invoices = (sa.select(Invoice.id).where(invoice_rows)
                           .order_by(Invoice.issue_date.desc(), Invoice.issued_at.desc()).limit(newest)
                           .subquery())
        first_payment = sa.select(sa.func.min(Payment.received_on)).where(payment_rows).scalar_subquery()
        first_invoice = sa.select(sa.func.min(Invoice.issue_date)).where(invoice_rows).scalar_subquery()
        payment_rows = sa.and_(payment_rows, sa.or_(Payment.id.in_(sa.select(newest_payments.c.id)),
                                                    Payment.voided_at.is_not(None)))
        invoice_rows = sa.and_(invoice_rows, sa.or_(Invoice.id.in_(sa.select(newest_invoices.c.id)),
                                                    Invoice.status == InvoiceStatus.VOID))
    # The first part gives the columns their types (dates, moments in UTC, the payment method).
    payments_part = (
        sa.select(sa.literal("payment").label("kind"), Payment.id, Payment.received_on.label("on"),
                  Payment.created_at.label("at"), Payment.reference.label("reference"),
                  Payment.amount_minor.label("amount_minor"), Payment.method.label("method"),
                  Payment.voided_at.label("voided_at"), Payment.void_reason.label("void_reason"),
                  recorder.id.label("by_id"), recorder.name.label("by_name"),
                  voider.id.label("voided_by_id"), voider.name.label("voided_by_name"),
                  first_payment.label("first_on"))
        .outerjoin(recorder, recorder.id == Payment.recorded_by_id)
        .outerjoin(voider, voider.id == Payment.voided_by_id)
        .where(payment_rows)
    )
    recorder, voider = aliased(User), aliased(User)
    invoices_part = (
        sa.select(sa.literal("invoice"), Invoice.id, Invoice.issue_date, Invoice.issued_at,
                  sa.func.coalesce(Invoice.number, ""), Invoice.total_minor, sa.null(), Invoice.voided_at,
                  Invoice.void_reason, recorder.id, recorder.name, voider.id, voider.name, first_invoice)
        .outerjoin(recorder, recorder.id == Invoice.issued_by_id)
        .outerjoin(voider, voider.id == Invoice.voided_by_id)
        .where(invoice_rows)
    )
    return sa.union_all(payments_part, invoices_part)


def _raw_entries(shop: Shop, customer: Customer, latest: int | None = None) -> tuple[list[tuple], bool, date | None]:
    """The customer's entries in date order: all of them, or (with `latest`) enough to hold the latest ones.

    One query: the customer's payments and issued invoices side by side (UNION ALL), each with who
    recorded it and who voided it. With `latest`, only the newest `latest` + 1 of each kind and every
    void (voids are few, and a void's day can sort it after newer entries), so the cost does not grow
    with the history. It also says whether older entries were left out, and the day of the first entry.
    """
    statement = _entries_statement(latest is not None)
    parameters = {"shop_id": shop.id, "customer_id": customer.id}
    if latest is not None:
        parameters["newest"] = latest + 1
    rows, firsts = [], []
    for row in db.session.execute(statement, parameters):
        by = Who(row.by_id, row.by_name) if row.by_id is not None else None
        voided_by = Who(row.voided_by_id, row.voided_by_name) if row.voided_by_id is not None else None
        firsts.append(row.first_on if latest is not None else row.on)
        voided_on = max(_shop_date(shop, row.voided_at), row.on) if row.voided_at is not None else None
        if row.kind == "invoice":
            invoice = InvoiceRef(row.id, row.reference, row.void_reason)
            rows.append((row.on, row.at, "invoice", row.reference, row.amount_minor, 0, by, invoice, None))
            if voided_on is not None:
                rows.append((voided_on, row.voided_at, "invoice_void", row.reference, 0, row.amount_minor,
                             voided_by, invoice, None))
        else:
            payment = PaymentRef(row.id, row.method, row.reference, row.void_reason)
            rows.append((row.on, row.at, "payment", row.reference, 0, row.amount_minor, by, None, payment))
            if voided_on is not None:
                rows.append((voided_on, row.voided_at, "payment_void", row.reference, row.amount_minor, 0,
                             voided_by, None, payment))
    rows.sort(key=lambda row: (row[0], row[1], row[2].startswith("payment")))
    # A kind left partly unread still gave `latest` + 1 rows, so more rows than `latest` says it either way.
    earlier = latest is not None and len(rows) > latest
    first_on = min((first for first in firsts if first is not None), default=None)
    return rows, earlier, first_on


def latest_entries(shop: Shop, customer: Customer, count: int) -> tuple[Statement, bool, date | None]:
    """The customer's latest `count` entries with their running balance, counted back from the stored
    balance; whether there are earlier ones; and the day of the first entry of all."""
    rows, earlier, first_on = _raw_entries(shop, customer, latest=count)
    kept = rows[-count:]
    balance = customer.balance_minor
    entries = []
    for on, at, kind, reference, debit, credit, by, invoice, payment in reversed(kept):
        entries.append(Entry(on, at, kind, reference, debit, credit, balance, by, invoice, payment))
        balance -= debit - credit
    entries.reverse()
    return (Statement(opening_minor=balance, entries=entries, closing_minor=customer.balance_minor,
                      date_from=entries[0].on if entries else None, date_to=None), earlier, first_on)


def statement(shop: Shop, customer: Customer, *, date_from: date | None = None,
              date_to: date | None = None) -> Statement:
    """The customer's account in date order with a running balance, for a range of dates (or all of it)."""
    running = 0
    opening = 0
    entries = []
    for on, at, kind, reference, debit, credit, by, invoice, payment in _raw_entries(shop, customer)[0]:
        if date_to is not None and on > date_to:
            break
        running += debit - credit
        if date_from is not None and on < date_from:
            opening = running
            continue
        entries.append(Entry(on, at, kind, reference, debit, credit, running, by, invoice, payment))
    return Statement(opening_minor=opening, entries=entries, closing_minor=running,
                     date_from=date_from, date_to=date_to)


@dataclass(frozen=True)
class Debtor:
    customer: Customer
    balance_minor: int
    oldest_due: date | None  # the due date of the oldest invoice not fully paid

    def days_overdue(self, today: date) -> int:
        """How many days the oldest unpaid invoice is past its due date (0 while it is not yet due)."""
        return max(0, (today - self.oldest_due).days) if self.oldest_due else 0


def _oldest_unpaid_due(shop: Shop):
    """A subquery: for each customer, the due date of their oldest issued invoice not yet fully paid."""
    return (
        sa.select(Invoice.customer_id.label("customer_id"), sa.func.min(Invoice.due_date).label("oldest_due"))
        .where(Invoice.shop_id == shop.id, Invoice.status == InvoiceStatus.ISSUED,
               Invoice.total_minor > Invoice.paid_minor)
        .group_by(Invoice.customer_id).subquery()
    )


def who_owes(shop: Shop, *, order: str = "amount", limit: int = 200) -> list[Debtor]:
    """Customers who owe the shop, largest amount first (or longest waiting first); one query."""
    oldest = _oldest_unpaid_due(shop)
    statement = (
        sa.select(Customer, oldest.c.oldest_due)
        .outerjoin(oldest, oldest.c.customer_id == Customer.id)
        .where(Customer.shop_id == shop.id, Customer.balance_minor > 0)
    )
    if order == "age":
        statement = statement.order_by(oldest.c.oldest_due.is_(None), oldest.c.oldest_due,
                                       Customer.balance_minor.desc(), Customer.id)
    else:
        statement = statement.order_by(Customer.balance_minor.desc(), Customer.id)
    return [Debtor(customer, customer.balance_minor, oldest_due)
            for customer, oldest_due in db.session.execute(statement.limit(limit)).all()]
