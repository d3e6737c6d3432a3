"""What was sent to customers and when, the marks that keep each reminder to once, and the shop's notifications."""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, enum_column, utcnow


class MessageKind(enum.Enum):
    INVOICE = "invoice"
    RECEIPT = "receipt"
    STATEMENT = "statement"
    REMINDER_OVERDUE = "reminder_overdue"
    REMINDER_BALANCE = "reminder_balance"


class MessageChannel(enum.Enum):
    EMAIL = "email"
    WHATSAPP = "whatsapp"
    SMS = "sms"
    LINK = "link"  # the link copied, to be pasted wherever the shop likes


class MarkKind(enum.Enum):
    OVERDUE = "overdue"  # subject: an invoice; period: the stage, in days after the due date
    BALANCE = "balance"  # subject: a customer; period: the month, YYYY-MM
    DIGEST = "digest"  # subject: a shop; period: the day, YYYY-MM-DD


class CustomerMessage(db.Model):
    """A message to a customer: an invoice, receipt or statement link, or a reminder; by email or shared
    by hand on WhatsApp, SMS or a copied link. The reminder log reads these."""

    __tablename__ = "customer_messages"
    __table_args__ = (
        sa.Index("ix_customer_messages_shop_created", "shop_id", "created_at"),
        sa.Index("ix_customer_messages_customer_created", "customer_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customers.id", ondelete="SET NULL"))
    to_name: Mapped[str] = mapped_column(sa.String(120), default="")  # kept should the customer be deleted
    to_address: Mapped[str] = mapped_column(sa.String(254), default="")  # the email, or the phone shared to
    kind: Mapped[MessageKind] = mapped_column(enum_column(MessageKind, length=20))
    channel: Mapped[MessageChannel] = mapped_column(enum_column(MessageChannel))
    automatic: Mapped[bool] = mapped_column(default=False)
    invoice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoices.id", ondelete="SET NULL"), index=True)
    payment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payments.id", ondelete="SET NULL"), index=True)
    link_id: Mapped[int | None] = mapped_column(sa.ForeignKey("share_links.id", ondelete="SET NULL"), index=True)
    outbox_message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("outbox_messages.id", ondelete="SET NULL"), index=True)
    amount_minor: Mapped[int | None] = mapped_column(sa.BigInteger)  # what the message asked for or told of
    invoice_count: Mapped[int] = mapped_column(default=0)  # how many invoices a reminder listed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    created_by: Mapped["User | None"] = relationship()  # noqa: F821
    outbox_message: Mapped["OutboxMessage | None"] = relationship()  # noqa: F821


class ReminderMark(db.Model):
    """That a reminder went out: at most one per subject and period, written in the same transaction as
    its message, so a second run, a second worker or a restarted one finds it and sends nothing."""

    __tablename__ = "reminder_marks"
    __table_args__ = (
        sa.UniqueConstraint("kind", "subject_id", "period", name="uq_reminder_marks_kind_subject_period"),
        sa.Index("ix_reminder_marks_shop_created", "shop_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"))
    kind: Mapped[MarkKind] = mapped_column(enum_column(MarkKind))
    subject_id: Mapped[int] = mapped_column()
    period: Mapped[str] = mapped_column(sa.String(10))
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customer_messages.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notification(db.Model):
    """The day's news for one member of a shop: jobs due, jobs late, invoices that became overdue."""

    __tablename__ = "notifications"
    __table_args__ = (
        sa.UniqueConstraint("shop_id", "user_id", "day", name="uq_notifications_shop_user_day"),
        sa.Index("ix_notifications_user_shop_read", "user_id", "shop_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(sa.Date)
    # The ids of what the day's summary named, by group; the page shows them as they are when it is read.
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
