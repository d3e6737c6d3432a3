"""The khata: each customer's running balance over invoices and payments, computed, never stored."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Customer, Invoice, InvoiceStatus, Payment, PaymentAllocation, Shop, User


def balances(shop: Shop, customer_ids: list[int]) -> dict[int, int]:
    """What each customer owes (negative: the shop owes them, their credit): issued invoices less payments."""
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
    return balances(shop, [customer.id])[customer.id]


def _balance_per_customer(shop: Shop):
    """A subquery: each customer with an issued invoice, and what they owe (negative: their credit)."""
    owed = (
        sa.select(Invoice.customer_id.label("customer_id"), sa.func.sum(Invoice.total_minor).label("owed"))
        .where(Invoice.shop_id == shop.id, Invoice.status == InvoiceStatus.ISSUED)
        .group_by(Invoice.customer_id).subquery()
    )
    paid = (
        sa.select(Payment.customer_id.label("customer_id"), sa.func.sum(Payment.amount_minor).label("paid"))
        .where(Payment.shop_id == shop.id, Payment.voided_at.is_(None))
        .group_by(Payment.customer_id).subquery()
    )
    return (
        sa.select(owed.c.customer_id.label("customer_id"),
                  (owed.c.owed - sa.func.coalesce(paid.c.paid, 0)).label("balance"))
        .outerjoin(paid, paid.c.customer_id == owed.c.customer_id)
        .subquery()
    )


@dataclass(frozen=True)
class Owed:
    total_minor: int  # what all the customers who owe anything owe together
    customers: int  # how many of them there are


def total_owed(shop: Shop) -> Owed:
    """What the shop is owed in all, over every customer with a balance above zero (one query)."""
    per_customer = _balance_per_customer(shop)
    total, count = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(per_customer.c.balance), 0), sa.func.count())
        .where(per_customer.c.balance > 0)
    ).one()
    return Owed(total_minor=int(total), customers=int(count))


ENTRY_LABELS = {
    "invoice": _l("Invoice"),
    "invoice_void": _l("Invoice voided"),
    "payment": _l("Payment"),
    "payment_void": _l("Payment voided"),
}


@dataclass(frozen=True)
class Entry:
    on: date
    at: datetime
    kind: str  # invoice, invoice_void, payment, payment_void
    reference: str  # the invoice number, or the payment's method and reference
    debit_minor: int  # what it adds to what the customer owes
    credit_minor: int  # what it takes off
    balance_minor: int
    by: User | None
    invoice: Invoice | None = None
    payment: Payment | None = None

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


def _raw_entries(shop: Shop, customer: Customer) -> list[tuple]:
    rows = []
    for invoice in db.session.scalars(
        sa.select(Invoice).options(joinedload(Invoice.issued_by), joinedload(Invoice.voided_by))
        .where(Invoice.shop_id == shop.id, Invoice.customer_id == customer.id,
               Invoice.status != InvoiceStatus.DRAFT)
    ):
        rows.append((invoice.issue_date, invoice.issued_at, "invoice", invoice.number, invoice.total_minor, 0,
                     invoice.issued_by, invoice, None))
        if invoice.status == InvoiceStatus.VOID:
            voided_on = _shop_date(shop, invoice.voided_at)
            rows.append((max(voided_on, invoice.issue_date), invoice.voided_at, "invoice_void", invoice.number, 0,
                         invoice.total_minor, invoice.voided_by, invoice, None))
    found = list(db.session.scalars(
        sa.select(Payment).options(joinedload(Payment.recorded_by))
        .where(Payment.shop_id == shop.id, Payment.customer_id == customer.id)
    ))
    voiders = {payment.voided_by_id for payment in found if payment.voided_by_id is not None}
    voided_by = {user.id: user for user in db.session.scalars(sa.select(User).where(User.id.in_(voiders)))} \
        if voiders else {}
    for payment in found:
        reference = payment.reference
        rows.append((payment.received_on, payment.created_at, "payment", reference, 0, payment.amount_minor,
                     payment.recorded_by, None, payment))
        if payment.voided_at is not None:
            rows.append((max(_shop_date(shop, payment.voided_at), payment.received_on), payment.voided_at,
                         "payment_void", reference, payment.amount_minor, 0, voided_by.get(payment.voided_by_id),
                         None, payment))
    rows.sort(key=lambda row: (row[0], row[1]))
    return rows


def statement(shop: Shop, customer: Customer, *, date_from: date | None = None,
              date_to: date | None = None) -> Statement:
    """The customer's account in date order with a running balance, for a range of dates (or all of it)."""
    running = 0
    opening = 0
    entries = []
    for on, at, kind, reference, debit, credit, by, invoice, payment in _raw_entries(shop, customer):
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
    paid = (
        sa.select(PaymentAllocation.invoice_id.label("invoice_id"),
                  sa.func.sum(PaymentAllocation.amount_minor).label("paid"))
        .where(PaymentAllocation.shop_id == shop.id, PaymentAllocation.voided_at.is_(None))
        .group_by(PaymentAllocation.invoice_id).subquery()
    )
    return (
        sa.select(Invoice.customer_id.label("customer_id"), sa.func.min(Invoice.due_date).label("oldest_due"))
        .outerjoin(paid, paid.c.invoice_id == Invoice.id)
        .where(Invoice.shop_id == shop.id, Invoice.status == InvoiceStatus.ISSUED,
               Invoice.total_minor > sa.func.coalesce(paid.c.paid, 0))
        .group_by(Invoice.customer_id).subquery()
    )


def who_owes(shop: Shop, *, order: str = "amount", limit: int = 200) -> list[Debtor]:
    """Customers who owe the shop, largest amount first (or longest waiting first); one query."""
    per_customer = _balance_per_customer(shop)
    oldest = _oldest_unpaid_due(shop)
    statement = (
        sa.select(Customer, per_customer.c.balance, oldest.c.oldest_due)
        .join(per_customer, per_customer.c.customer_id == Customer.id)
        .outerjoin(oldest, oldest.c.customer_id == Customer.id)
        .where(Customer.shop_id == shop.id, per_customer.c.balance > 0)
    )
    if order == "age":
        statement = statement.order_by(oldest.c.oldest_due.is_(None), oldest.c.oldest_due,
                                       per_customer.c.balance.desc(), Customer.id)
    else:
        statement = statement.order_by(per_customer.c.balance.desc(), Customer.id)
    return [Debtor(customer, int(amount), oldest_due)
            for customer, amount, oldest_due in db.session.execute(statement.limit(limit)).all()]
