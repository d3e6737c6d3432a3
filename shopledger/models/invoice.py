"""Invoices, their lines, and the per-shop, per-year counter their numbers come from."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .customer import Customer
from .types import UTCDateTime, enum_column, utcnow


class InvoiceStatus(enum.Enum):
    """What is stored. What a person sees (Partly paid, Paid, Overdue) is derived from it and the money."""

    DRAFT = "draft"
    ISSUED = "issued"
    VOID = "void"


class PaymentTerms(enum.Enum):
    ON_RECEIPT = "on_receipt"
    NET_7 = "net_7"
    NET_15 = "net_15"
    NET_30 = "net_30"
    CUSTOM = "custom"


TERM_DAYS = {PaymentTerms.ON_RECEIPT: 0, PaymentTerms.NET_7: 7, PaymentTerms.NET_15: 15, PaymentTerms.NET_30: 30}


class Invoice(db.Model):
    __tablename__ = "invoices"
    __table_args__ = (
        sa.UniqueConstraint("shop_id", "number", name="uq_invoices_shop_number"),
        sa.Index("ix_invoices_shop_status_due", "shop_id", "status", "due_date"),
        sa.Index("ix_invoices_shop_customer", "shop_id", "customer_id"),
        sa.Index("ix_invoices_shop_issue_date", "shop_id", "issue_date", "id"),
        # Performance (0004): balances sum issued totals per customer from the index alone; deleting a
        # customer checks for their invoices by customer_id.
        sa.Index("ix_invoices_customer_balance", "customer_id", "shop_id", "status", "total_minor"),
        # Performance (0004): the list's totals and the overdue filter read status, due date and total only.
        sa.Index("ix_invoices_shop_status_due_total", "shop_id", "status", "due_date", "total_minor"),
        # Performance (0004): deleting a draft sets replaces_id to NULL where it pointed at it.
        sa.Index("ix_invoices_replaces_id", "replaces_id"),
        # Performance (0005): the open invoices (issued, not fully paid), newest first: the list's overdue
        # rows come first, read from here without a pass over the paid ones.
        sa.Index("ix_invoices_open", "shop_id", "issue_date", "id",
                 sqlite_where=sa.text("status = 'issued' AND paid_minor < total_minor"),
                 postgresql_where=sa.text("status = 'issued' AND paid_minor < total_minor")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="RESTRICT"))
    number: Mapped[str | None] = mapped_column(sa.String(32))  # given at issue, never reused
    status: Mapped[InvoiceStatus] = mapped_column(enum_column(InvoiceStatus), default=InvoiceStatus.DRAFT)
    currency: Mapped[str] = mapped_column(sa.String(3))
    issue_date: Mapped[date] = mapped_column(sa.Date)
    terms: Mapped[PaymentTerms] = mapped_column(enum_column(PaymentTerms), default=PaymentTerms.ON_RECEIPT)
    due_date: Mapped[date] = mapped_column(sa.Date)
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    # Totals in minor units, kept in step with the lines by services.invoices (frozen once issued).
    discount_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # the invoice-level discount asked for
    subtotal_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # lines after their own discounts
    tax_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    total_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    # What live allocations have paid on it, kept in step by services.payments (see migration 0005).
    paid_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    replaces_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoices.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Last sent to the customer (by email, or shared on WhatsApp or SMS): services.links.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Last opened by the customer from a link (services.links): the list shows "viewed" without a query.
    viewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    void_reason: Mapped[str] = mapped_column(sa.String(500), default="")

    customer: Mapped[Customer] = relationship()
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position", cascade="all, delete-orphan"
    )
    issued_by: Mapped["User | None"] = relationship(foreign_keys=[issued_by_id])  # noqa: F821
    voided_by: Mapped["User | None"] = relationship(foreign_keys=[voided_by_id])  # noqa: F821

    @property
    def is_draft(self) -> bool:
        return self.status == InvoiceStatus.DRAFT

    @property
    def is_void(self) -> bool:
        return self.status == InvoiceStatus.VOID


class InvoiceLine(db.Model):
    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"))
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(sa.String(300), default="")
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(12, 3), default=Decimal(1))
    unit_price_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    discount_percent: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal(0))
    tax_percent: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal(0))
    job_id: Mapped[int | None] = mapped_column(sa.ForeignKey("jobs.id", ondelete="SET NULL"), index=True)
    # Worked out by services.invoices under the rounding rule written there.
    net_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # quantity × price − line discount
    invoice_discount_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # its share of the invoice's
    tax_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    total_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class InvoiceTotals(db.Model):
    """What the invoices list's summary shows with no filter, kept in step by services.ledger (0005)."""

    __tablename__ = "invoice_totals"

    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True,
                                         autoincrement=False)
    invoice_count: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # drafts and voids too
    total_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # every invoice but the void ones
    due_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # what is left to pay on issued ones


class InvoiceCounter(db.Model):
    """The last number given for a shop and year. It only goes up: numbers are never reused."""

    __tablename__ = "invoice_counters"

    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)
