"""The outbox: every email is a row here first, written in the transaction of the action that caused it."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, enum_column, utcnow


class OutboxStatus(enum.Enum):
    PENDING = "pending"  # waiting for its (next) attempt, due at next_attempt_at
    SENDING = "sending"  # claimed by a worker until next_attempt_at (its lease); then anyone may take it again
    SENT = "sent"
    FAILED = "failed"  # refused for good, or out of attempts
    HELD = "held"  # no SMTP configured: it waits in the app, to be shared by hand


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        # The sweep's question: which pending (or abandoned sending) messages are due?
        sa.Index("ix_outbox_messages_status_next_attempt", "status", "next_attempt_at"),
        sa.Index("ix_outbox_messages_shop_created", "shop_id", "created_at"),
        sa.Index("ix_outbox_messages_related", "related_type", "related_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for account mail (a password reset), which belongs to no shop.
    shop_id: Mapped[int | None] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(32))
    to_address: Mapped[str] = mapped_column(sa.String(254))
    to_name: Mapped[str] = mapped_column(sa.String(200), default="")
    # The sender as the message will show it, fixed when it is queued: the shop's name and reply address.
    from_name: Mapped[str] = mapped_column(sa.String(200), default="")
    reply_to: Mapped[str] = mapped_column(sa.String(254), default="")
    subject: Mapped[str] = mapped_column(sa.String(400))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str] = mapped_column(sa.Text)
    locale: Mapped[str] = mapped_column(sa.String(8), default="en")
    related_type: Mapped[str] = mapped_column(sa.String(32), default="")
    related_id: Mapped[int | None] = mapped_column(sa.Integer)
    status: Mapped[OutboxStatus] = mapped_column(enum_column(OutboxStatus), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set by the worker that claimed the message: only it may record the attempt's outcome.
    claim_token: Mapped[str] = mapped_column(sa.String(32), default="")
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A held or failed message that someone passed on by hand (WhatsApp, SMS, copied).
    shared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # The Message-ID header, the same on every attempt, so a re-delivery after a crash can be recognised.
    message_id: Mapped[str] = mapped_column(sa.String(250), unique=True)

    created_by: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def is_waiting(self) -> bool:
        """Whether the message still needs someone: held or failed, and not passed on by hand."""
        return self.status in (OutboxStatus.HELD, OutboxStatus.FAILED) and self.shared_at is None

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.status.value}>"
