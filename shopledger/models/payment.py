"""Payments received from customers, and how they are spread over invoices."""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .customer import Customer
from .invoice import Invoice
from .types import UTCDateTime, enum_column, utcnow


class PaymentMethod(enum.Enum):
    CASH = "cash"
    CARD = "card"
    BANK_TRANSFER = "bank_transfer"
    MOBILE_WALLET = "mobile_wallet"  # JazzCash, Easypaisa
    CHEQUE = "cheque"
    OTHER = "other"


class Payment(db.Model):
    __tablename__ = "payments"
    __table_args__ = (
        # A double tap or a retried request carries the same key: one payment, not two.
        sa.UniqueConstraint("shop_id", "idempotency_key", name="uq_payments_shop_idempotency_key"),
        sa.Index("ix_payments_shop_customer", "shop_id", "customer_id"),
        sa.Index("ix_payments_shop_received", "shop_id", "received_on", "id"),
        # Performance (0004): balances sum live payments per customer from the index alone; deleting a
        # customer checks for their payments by customer_id.
        sa.Index("ix_payments_customer_balance", "customer_id", "shop_id", "voided_at", "amount_minor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="RESTRICT"))
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    received_on: Mapped[date] = mapped_column(sa.Date)
    method: Mapped[PaymentMethod] = mapped_column(enum_column(PaymentMethod, length=20))
    reference: Mapped[str] = mapped_column(sa.String(120), default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(64))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    void_reason: Mapped[str] = mapped_column(sa.String(500), default="")

    customer: Mapped[Customer] = relationship()
    allocations: Mapped[list[PaymentAllocation]] = relationship(back_populates="payment",
                                                                order_by="PaymentAllocation.id")
    recorded_by: Mapped["User | None"] = relationship(foreign_keys=[recorded_by_id])  # noqa: F821
    voided_by: Mapped["User | None"] = relationship(foreign_keys=[voided_by_id])  # noqa: F821

    @property
    def is_void(self) -> bool:
        return self.voided_at is not None


class PaymentAllocation(db.Model):
    """Part of a payment set against one invoice. Undone (voided) rather than deleted."""

    __tablename__ = "payment_allocations"
    __table_args__ = (
        # Performance (0004): what is paid on an invoice, and what is left of a payment, from the index alone.
        sa.Index("ix_payment_allocations_invoice_paid", "invoice_id", "voided_at", "amount_minor"),
        sa.Index("ix_payment_allocations_payment_paid", "payment_id", "voided_at", "amount_minor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"))
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payments.id", ondelete="CASCADE"))
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id", ondelete="CASCADE"))
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    payment: Mapped[Payment] = relationship(back_populates="allocations")
    invoice: Mapped[Invoice] = relationship()
