"""Customers: the people in the khata."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class Customer(db.Model):
    __tablename__ = "customers"
    __table_args__ = (
        sa.Index("ix_customers_shop_phone", "shop_id", "phone_national"),
        # Performance (0004): the same-phone warning looks customers up by their E.164 number.
        sa.Index("ix_customers_shop_phone_e164", "shop_id", "phone"),
        # Performance (0004): search reads the list's order with the searched columns alongside, so a
        # name or phone search checks every customer in the index without reading their rows.
        sa.Index("ix_customers_shop_archived_activity_search", "shop_id", "archived_at", "last_activity_at", "id",
                 "phone_national", "name_folded"),
        # Performance (0010): the list of current customers, most recent first, read in index order. The
        # index above cannot give PostgreSQL that order: it does not treat "archived_at IS NULL" as an
        # equality, so it sorted the whole shop for every page.
        sa.Index("ix_customers_current_activity", "shop_id", "last_activity_at", "id",
                 sqlite_where=sa.text("archived_at IS NULL"), postgresql_where=sa.text("archived_at IS NULL")),
        # Performance (0005): who owes what, largest first, and what the shop is owed in all.
        sa.Index("ix_customers_owing", "shop_id", "balance_minor",
                 sqlite_where=sa.text("balance_minor > 0"), postgresql_where=sa.text("balance_minor > 0")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(120))
    # Case- and form-folded name, so that search is one indexed-friendly LIKE in both scripts.
    name_folded: Mapped[str] = mapped_column(sa.String(120))
    phone: Mapped[str] = mapped_column(sa.String(20), default="")  # E.164, or empty
    # The national significant number (3001234567): what 0300-1234567 and +92 300 1234567 share.
    phone_national: Mapped[str] = mapped_column(sa.String(20), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    address: Mapped[str] = mapped_column(sa.String(500), default="")
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    # Issued invoices less live payments (negative: their credit), kept in step by services.invoices and
    # services.payments in the same transaction as the change (see migration 0005).
    balance_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    preferred_locale: Mapped[str] = mapped_column(sa.String(8), default="en")
    reminders_opted_out: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def whatsapp_number(self) -> str:
        """The number as wa.me wants it: digits only, with the country code."""
        return self.phone.lstrip("+")

    def __repr__(self) -> str:
        return f"<Customer {self.id} {self.name!r}>"
