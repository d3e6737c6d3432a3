"""Public links to an invoice, a receipt or a statement, each opening of them, and failed look-ups."""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .customer import Customer
from .invoice import Invoice
from .payment import Payment
from .shop import Shop
from .types import UTCDateTime, enum_column, utcnow


class LinkKind(enum.Enum):
    INVOICE = "invoice"
    RECEIPT = "receipt"
    STATEMENT = "statement"


class ShareLink(db.Model):
    """A link a customer opens without logging in. Only a hash of its token is kept: the link itself is
    shown once, when it is made, and put in the message that carries it."""

    __tablename__ = "share_links"
    __table_args__ = (
        sa.Index("ix_share_links_invoice", "invoice_id", "revoked_at"),
        sa.Index("ix_share_links_payment", "payment_id", "revoked_at"),
        sa.Index("ix_share_links_customer_kind", "customer_id", "kind", "revoked_at"),
        sa.Index("ix_share_links_shop_viewed", "shop_id", "last_viewed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"))
    kind: Mapped[LinkKind] = mapped_column(enum_column(LinkKind))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"))
    invoice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoices.id", ondelete="CASCADE"))
    payment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payments.id", ondelete="CASCADE"))
    # A statement's dates; without an end it runs to the day it is opened.
    date_from: Mapped[date | None] = mapped_column(sa.Date)
    date_to: Mapped[date | None] = mapped_column(sa.Date)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    view_count: Mapped[int] = mapped_column(default=0)
    first_viewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_viewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    shop: Mapped[Shop] = relationship()
    customer: Mapped[Customer] = relationship()
    invoice: Mapped[Invoice | None] = relationship()
    payment: Mapped[Payment | None] = relationship()

    # The raw token exists only in memory, right after the link is made.
    token = ""

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now


class ShareLinkView(db.Model):
    """One opening of a public link: its page, or its PDF."""

    __tablename__ = "share_link_views"
    __table_args__ = (sa.Index("ix_share_link_views_link", "link_id", "viewed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    link_id: Mapped[int] = mapped_column(sa.ForeignKey("share_links.id", ondelete="CASCADE"))
    what: Mapped[str] = mapped_column(sa.String(8), default="page")  # page or pdf
    viewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LinkLookupFailure(db.Model):
    """A public link asked for that does not exist: counted per address to slow down guessing."""

    __tablename__ = "link_lookup_failures"
    __table_args__ = (sa.Index("ix_link_lookup_failures_address_created", "address", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
