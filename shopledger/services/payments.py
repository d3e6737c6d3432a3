"""Payments: recording what a customer paid, spreading it over invoices, credit, voiding."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Customer, Invoice, InvoiceStatus, Payment, PaymentAllocation, PaymentMethod, Shop, User
from ..models.types import utcnow
from . import audit, customers, ledger
from .errors import DomainError

METHOD_LABELS = {
    PaymentMethod.CASH: _l("Cash"),
    PaymentMethod.CARD: _l("Card"),
    PaymentMethod.BANK_TRANSFER: _l("Bank transfer"),
    PaymentMethod.MOBILE_WALLET: _l("Mobile wallet (JazzCash, Easypaisa)"),
    PaymentMethod.CHEQUE: _l("Cheque"),
    PaymentMethod.OTHER: _l("Other"),
}


def open_invoices(shop: Shop, customer: Customer) -> list[tuple[Invoice, int]]:
    """The customer's issued invoices with money still due, oldest first, each with what is due."""
    invoices = db.session.scalars(
        sa.select(Invoice).where(Invoice.shop_id == shop.id, Invoice.customer_id == customer.id,
                                 Invoice.status == InvoiceStatus.ISSUED, Invoice.paid_minor < Invoice.total_minor)
        .order_by(Invoice.issue_date, Invoice.id)
    )
    return [(invoice, invoice.total_minor - invoice.paid_minor) for invoice in invoices]


def oldest_first(open_: list[tuple[Invoice, int]], amount_minor: int) -> list[tuple[Invoice, int]]:
    """Spread an amount over open invoices, oldest first, each taking no more than is due on it."""
    parts, remaining = [], amount_minor
    for invoice, owed in open_:
        if remaining <= 0:
            break
        part = min(owed, remaining)
        parts.append((invoice, part))
        remaining -= part
    return parts


@dataclass(frozen=True)
class AllocationPlan:
    """What recording a payment would do: which invoices take how much, and what is left as credit."""

    parts: list[tuple[Invoice, int]]
    credit_minor: int  # negative when more is set against invoices than was paid

    @property
    def over_minor(self) -> int:
        return max(0, -self.credit_minor)


def plan(open_: list[tuple[Invoice, int]], amount_minor: int,
         chosen: dict[int, int] | None = None) -> AllocationPlan:
    """Say how a payment would be set against the open invoices: the amounts chosen, else oldest first."""
    if chosen is None:
        parts = oldest_first(open_, amount_minor)
    else:
        parts = [(invoice, chosen[invoice.id]) for invoice, _owed in open_ if chosen.get(invoice.id, 0) > 0]
    return AllocationPlan(parts=parts, credit_minor=amount_minor - sum(part for _invoice, part in parts))


def allocated_minor(payment: Payment) -> int:
    return int(db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(PaymentAllocation.amount_minor), 0))
        .where(PaymentAllocation.payment_id == payment.id, PaymentAllocation.voided_at.is_(None))
    ))


def unallocated_minor(payment: Payment) -> int:
    """What is left of a payment after its allocations: the customer's credit from it."""
    return 0 if payment.is_void else payment.amount_minor - allocated_minor(payment)


def credit_minor(shop: Shop, customer: Customer) -> int:
    """The customer's credit: what they paid that no invoice has taken yet."""
    paid_in = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Payment.amount_minor), 0)).where(
        Payment.shop_id == shop.id, Payment.customer_id == customer.id, Payment.voided_at.is_(None)))
    allocated = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(PaymentAllocation.amount_minor), 0))
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .where(Payment.shop_id == shop.id, Payment.customer_id == customer.id, Payment.voided_at.is_(None),
               PaymentAllocation.voided_at.is_(None)))
    return int(paid_in) - int(allocated)


def _allocate(shop: Shop, payment: Payment, invoice: Invoice, amount: int, *, by: User) -> PaymentAllocation:
    allocation = PaymentAllocation(shop_id=shop.id, payment_id=payment.id, invoice_id=invoice.id,
                                   amount_minor=amount, created_by_id=by.id)
    db.session.add(allocation)
    db.session.flush()
    ledger.add_to_paid(invoice, amount)
    audit.record(shop, "payment.allocated", by=by, subject_type="payment", subject_id=payment.id,
                 invoice_id=invoice.id, number=invoice.number, amount_minor=amount)
    return allocation


def find_by_key(shop: Shop, key: str) -> Payment | None:
    return db.session.scalar(sa.select(Payment).where(Payment.shop_id == shop.id, Payment.idempotency_key == key))


def record(shop: Shop, customer: Customer, *, by: User, amount_minor: int, received_on: date,
           method: PaymentMethod, reference: str = "", note: str = "",
           allocations: list[tuple[Invoice, int]] | None = None, idempotency_key: str | None = None
           ) -> tuple[Payment, bool]:
    """Record a payment and set it against invoices: the ones given, else the oldest open ones first.

    Whatever is left stays as the customer's credit. With an idempotency key already used, the
    payment recorded then is returned and nothing new is made (the second value says which).
    """
    if customer.shop_id != shop.id:
        raise ValueError("the customer is not the shop's")
    key = (idempotency_key or "").strip()[:64] or None
    if key is not None:
        existing = find_by_key(shop, key)
        if existing is not None:
            return existing, False
    if amount_minor <= 0:
        raise DomainError(_("Enter an amount above zero."), field="amount")
    payment = Payment(shop_id=shop.id, customer_id=customer.id, amount_minor=amount_minor, currency=shop.currency,
                      received_on=received_on, method=method, reference=(reference or "").strip()[:120],
                      note=(note or "").strip(), idempotency_key=key, recorded_by_id=by.id)
    db.session.add(payment)
    db.session.flush()
    ledger.add_to_balance(customer, -amount_minor)
    audit.record(shop, "payment.recorded", by=by, subject_type="payment", subject_id=payment.id,
                 amount_minor=amount_minor, method=method.value)
    open_ = open_invoices(shop, customer)
    due = {invoice.id: owed for invoice, owed in open_}
    if allocations is None:
        for invoice, part in oldest_first(open_, amount_minor):
            _allocate(shop, payment, invoice, part, by=by)
    else:
        if sum(amount for _invoice, amount in allocations) > amount_minor:
            raise DomainError(_("The amounts set against invoices add up to more than was paid."), field="amount")
        for invoice, amount in allocations:
            if amount == 0:
                continue
            if invoice.shop_id != shop.id or invoice.customer_id != customer.id or invoice.id not in due:
                raise DomainError(_("That invoice is not open for this customer."), field="allocations")
            if amount < 0 or amount > due[invoice.id]:
                raise DomainError(_("%(number)s has only %(due)s due.", number=invoice.number,
                                    due=_money(due[invoice.id], shop)), field="allocations")
            _allocate(shop, payment, invoice, amount, by=by)
    customers.touch(customer)
    return payment, True


def _money(minor: int, shop: Shop) -> str:
    from .money import format_money

    return format_money(minor, shop.currency, territory=shop.country)


def apply_credit(shop: Shop, invoice: Invoice, *, by: User) -> int:
    """Use the customer's credit (payments not yet set against anything, oldest first) on this invoice."""
    owed = invoice.total_minor - invoice.paid_minor
    applied = 0
    if owed <= 0:
        return 0
    allocated = (
        sa.select(PaymentAllocation.payment_id, sa.func.sum(PaymentAllocation.amount_minor).label("allocated"))
        .where(PaymentAllocation.shop_id == shop.id, PaymentAllocation.voided_at.is_(None))
        .group_by(PaymentAllocation.payment_id).subquery()
    )
    free = Payment.amount_minor - sa.func.coalesce(allocated.c.allocated, 0)
    candidates = db.session.execute(
        sa.select(Payment, free).outerjoin(allocated, allocated.c.payment_id == Payment.id)
        .where(Payment.shop_id == shop.id, Payment.customer_id == invoice.customer_id,
               Payment.voided_at.is_(None), free > 0)
        .order_by(Payment.received_on, Payment.id)
    ).all()
    for payment, unallocated in candidates:
        part = min(int(unallocated), owed - applied)
        _allocate(shop, payment, invoice, part, by=by)
        applied += part
        if applied >= owed:
            break
    return applied


def void(shop: Shop, payment: Payment, *, by: User, reason: str) -> None:
    """Cancel a payment with a reason: its allocations are undone and balances follow; nothing is deleted."""
    if payment.is_void:
        raise DomainError(_("This payment is already void."))
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError(_("Say why the payment is voided, for the record."), field="reason")
    now = utcnow()
    for allocation in payment.allocations:
        if allocation.voided_at is None:
            allocation.voided_at = now
            ledger.add_to_paid(allocation.invoice, -allocation.amount_minor)
    ledger.add_to_balance(payment.customer, payment.amount_minor)
    payment.voided_at, payment.voided_by_id, payment.void_reason = now, by.id, reason[:500]
    audit.record(shop, "payment.voided", by=by, subject_type="payment", subject_id=payment.id,
                 amount_minor=payment.amount_minor, reason=reason)
    customers.touch(payment.customer)


def list_payments(shop: Shop, *, customer_id: int | None = None, page: int = 1, per_page: int = 25
                  ) -> tuple[list[Payment], bool]:
    statement = sa.select(Payment).where(Payment.shop_id == shop.id)
    if customer_id is not None:
        statement = statement.where(Payment.customer_id == customer_id)
    page = max(1, min(page, 100_000))
    found = list(db.session.scalars(
        statement.options(joinedload(Payment.customer))
        .order_by(Payment.received_on.desc(), Payment.id.desc())
        .offset((page - 1) * per_page).limit(per_page + 1)
    ))
    return found[:per_page], len(found) > per_page


@dataclass(frozen=True)
class PaymentList:
    payments: list[Payment]
    page: int
    has_previous: bool
    has_next: bool
    count: int  # of everything the filters select, not only this page
    total_minor: int  # received, voided payments left out


def list_filtered(shop: Shop, *, customer_id: int | None = None, method: PaymentMethod | None = None,
                  date_from: date | None = None, date_to: date | None = None, page: int = 1,
                  per_page: int = 25) -> PaymentList:
    """List the shop's payments, newest first, filtered, with the count and total of everything selected.

    Two statements: the page, read in index order (ix_payments_shop_received), and the count and total,
    summed from a covering index. (As window functions on the page's own statement they made the
    database number and sort every selected payment for each page: 380 ms at 80,000 payments.)
    """
    page = max(1, min(page, 100_000))
    conditions = [Payment.shop_id == shop.id]
    if customer_id is not None:
        conditions.append(Payment.customer_id == customer_id)
    if method is not None:
        conditions.append(Payment.method == method)
    if date_from is not None:
        conditions.append(Payment.received_on >= date_from)
    if date_to is not None:
        conditions.append(Payment.received_on <= date_to)
    rows = list(db.session.scalars(
        sa.select(Payment)
        .options(joinedload(Payment.customer))
        .where(*conditions)
        .order_by(Payment.received_on.desc(), Payment.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page + 1)
    ))
    received = sa.case((Payment.voided_at.is_(None), Payment.amount_minor), else_=0)
    count, total = db.session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(received), 0)).where(*conditions)).one()
    return PaymentList(payments=rows[:per_page], page=page, has_previous=page > 1,
                       has_next=len(rows) > per_page, count=int(count), total_minor=int(total))


def customers_with_payments(shop: Shop) -> list[tuple[int, str]]:
    """List the customers who have paid something, as (id, name), by name: the payments list's filter."""
    paid = sa.select(Payment.customer_id).where(Payment.shop_id == shop.id).distinct()
    return [(row.id, row.name) for row in db.session.execute(
        sa.select(Customer.id, Customer.name)
        .where(Customer.shop_id == shop.id, Customer.id.in_(paid))
        .order_by(Customer.name_folded, Customer.id)
    )]


@dataclass(frozen=True)
class PaymentDetails:
    payment: Payment
    allocations: list[PaymentAllocation]  # undone ones too, each with its invoice
    credit_minor: int  # what is left of the payment for the customer's credit
    voided_by: User | None


def details(shop: Shop, payment: Payment) -> PaymentDetails:
    """Gather what the payment's page shows: where the money went, what is left, who voided it."""
    if payment.shop_id != shop.id:
        raise ValueError("the payment is not the shop's")
    allocations = list(db.session.scalars(
        sa.select(PaymentAllocation).options(joinedload(PaymentAllocation.invoice))
        .where(PaymentAllocation.shop_id == shop.id, PaymentAllocation.payment_id == payment.id)
        .order_by(PaymentAllocation.id)
    ))
    standing = sum(allocation.amount_minor for allocation in allocations if allocation.voided_at is None)
    return PaymentDetails(payment=payment, allocations=allocations,
                          credit_minor=0 if payment.is_void else payment.amount_minor - standing,
                          voided_by=payment.voided_by)
