"""Read the audit trail: a shop's events page by page, or those about one invoice or payment, with what they name."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import (
    AuditEvent, Customer, Invitation, Invoice, Job, MeasurementTemplate, Payment, PaymentAllocation, Shop, User,
)

PER_PAGE = 30
MAX_PAGE = 100_000

# What the log can be narrowed to, and the actions each covers (by the part of the action before the dot).
KIND_PREFIXES: dict[str, tuple[str, ...]] = {
    "invoice": ("invoice",),
    "payment": ("payment",),
    "customer": ("customer",),
    "job": ("job", "measurement_template"),
    "member": ("member",),
    "shop": ("shop",),
}
KIND_LABELS = {
    "invoice": _l("Invoices"),
    "payment": _l("Payments"),
    "customer": _l("Customers"),
    "job": _l("Jobs"),
    "member": _l("Members"),
    "shop": _l("Shop"),
}


@dataclass(frozen=True)
class LogEntry:
    """An event and the rows it names, where they still exist (a deleted draft or customer does not)."""

    event: AuditEvent
    subject: object | None = None  # the invoice, payment, customer, job, template or invitation it is about
    invoice: Invoice | None = None  # for money set against an invoice: that invoice
    member: User | None = None  # for a change to someone's membership: that person

    @property
    def details(self) -> dict:
        return self.event.details or {}


@dataclass(frozen=True)
class LogPage:
    entries: list[LogEntry]
    kind: str | None
    page: int
    has_previous: bool
    has_next: bool


def kind_of(value: str | None) -> str | None:
    """The kind asked for in a URL, or None (everything) for anything that is not one."""
    return value if value in KIND_PREFIXES else None


def events_page(shop: Shop, *, kind: str | None = None, page: int = 1, per_page: int = PER_PAGE) -> LogPage:
    """One page of the shop's events, newest first, optionally only those of one kind."""
    page = min(max(1, page), MAX_PAGE)
    statement = sa.select(AuditEvent).where(AuditEvent.shop_id == shop.id)
    if kind is not None:
        statement = statement.where(sa.or_(*(AuditEvent.action.startswith(f"{prefix}.", autoescape=True)
                                             for prefix in KIND_PREFIXES[kind])))
    events = list(db.session.scalars(
        statement.options(joinedload(AuditEvent.user))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .offset((page - 1) * per_page).limit(per_page + 1)
    ))
    return LogPage(entries=_with_subjects(shop, events[:per_page]), kind=kind, page=page,
                   has_previous=page > 1, has_next=len(events) > per_page)


def invoice_events(shop: Shop, invoice: Invoice) -> list[LogEntry]:
    """Everything that happened to an invoice and to the money set against it, newest first."""
    if invoice.shop_id != shop.id:
        raise ValueError("the invoice is not the shop's")
    paying = sa.select(PaymentAllocation.payment_id).where(PaymentAllocation.shop_id == shop.id,
                                                           PaymentAllocation.invoice_id == invoice.id)
    return _events_where(shop, sa.or_(
        sa.and_(AuditEvent.subject_type == "invoice", AuditEvent.subject_id == invoice.id),
        sa.and_(AuditEvent.action == "payment.allocated",
                AuditEvent.details["invoice_id"].as_integer() == invoice.id),
        sa.and_(AuditEvent.action == "payment.voided", AuditEvent.subject_type == "payment",
                AuditEvent.subject_id.in_(paying)),
    ))


def payment_events(shop: Shop, payment: Payment) -> list[LogEntry]:
    """Everything that happened to a payment, and the voids of invoices that gave its money back, newest first."""
    if payment.shop_id != shop.id:
        raise ValueError("the payment is not the shop's")
    paid_for = sa.select(PaymentAllocation.invoice_id).where(PaymentAllocation.shop_id == shop.id,
                                                             PaymentAllocation.payment_id == payment.id)
    return _events_where(shop, sa.or_(
        sa.and_(AuditEvent.subject_type == "payment", AuditEvent.subject_id == payment.id),
        sa.and_(AuditEvent.action == "invoice.voided", AuditEvent.subject_type == "invoice",
                AuditEvent.subject_id.in_(paid_for)),
    ))


def _events_where(shop: Shop, condition) -> list[LogEntry]:
    events = list(db.session.scalars(
        sa.select(AuditEvent).options(joinedload(AuditEvent.user))
        .where(AuditEvent.shop_id == shop.id, condition)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    ))
    return _with_subjects(shop, events)


def _detail_id(event: AuditEvent, key: str) -> int | None:
    value = (event.details or {}).get(key)
    return value if isinstance(value, int) else None


def _load(model, shop: Shop, ids: set[int], *options) -> dict[int, object]:
    """The shop's rows of one model with these ids, in one query (none when there are no ids)."""
    if not ids:
        return {}
    rows = db.session.scalars(sa.select(model).options(*options).where(model.shop_id == shop.id, model.id.in_(ids)))
    return {row.id: row for row in rows}


def _with_subjects(shop: Shop, events: list[AuditEvent]) -> list[LogEntry]:
    """Attach the rows the events name: one query per kind of row on the page, never one per event."""
    wanted: dict[str, set[int]] = {}
    for event in events:
        if event.subject_id is not None:
            wanted.setdefault(event.subject_type, set()).add(event.subject_id)
        invoice_id = _detail_id(event, "invoice_id")
        if invoice_id is not None:
            wanted.setdefault("invoice", set()).add(invoice_id)
    loaded = {
        "invoice": _load(Invoice, shop, wanted.get("invoice", set())),
        "payment": _load(Payment, shop, wanted.get("payment", set()), joinedload(Payment.customer)),
        "customer": _load(Customer, shop, wanted.get("customer", set())),
        "job": _load(Job, shop, wanted.get("job", set())),
        "measurement_template": _load(MeasurementTemplate, shop, wanted.get("measurement_template", set())),
        "invitation": _load(Invitation, shop, wanted.get("invitation", set())),
    }
    # A membership is gone once revoked; the event keeps whose it was.
    member_ids = {_detail_id(event, "user_id") for event in events if event.action.startswith("member.")} - {None}
    members = {user.id: user for user in db.session.scalars(sa.select(User).where(User.id.in_(member_ids)))} \
        if member_ids else {}
    entries = []
    for event in events:
        subject = loaded.get(event.subject_type, {}).get(event.subject_id) if event.subject_id is not None else None
        invoice_id = _detail_id(event, "invoice_id")
        entries.append(LogEntry(
            event=event,
            subject=subject,
            invoice=loaded["invoice"].get(invoice_id) if invoice_id is not None else None,
            member=members.get(_detail_id(event, "user_id")) if event.action.startswith("member.") else None,
        ))
    return entries
