"""A shop, the people in it, and the invitations that bring them in."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, enum_column, utcnow


class Role(enum.Enum):
    OWNER = "owner"
    MANAGER = "manager"
    STAFF = "staff"
    VIEWER = "viewer"


class Shop(db.Model):
    __tablename__ = "shops"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    phone: Mapped[str] = mapped_column(sa.String(32), default="")
    address: Mapped[str] = mapped_column(sa.String(500), default="")
    country: Mapped[str] = mapped_column(sa.String(2), default="PK")
    currency: Mapped[str] = mapped_column(sa.String(3), default="PKR")
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Karachi")
    default_locale: Mapped[str] = mapped_column(sa.String(8), default="en")
    invoice_prefix: Mapped[str] = mapped_column(sa.String(12), default="INV")
    payment_instructions: Mapped[str] = mapped_column(sa.Text, default="")
    logo_filename: Mapped[str | None] = mapped_column(sa.String(64))
    # Sending and reminding (services.links, services.reminders).
    link_lifetime_days: Mapped[int] = mapped_column(default=90, server_default="90")
    reminder_stages: Mapped[str] = mapped_column(sa.String(40), default="1,7,14", server_default="1,7,14")
    balance_reminders: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Goes up with every committed change to the shop's rows; kept pages are keyed on it (page_cache.py).
    data_version: Mapped[int] = mapped_column(default=0, server_default="0")

    memberships: Mapped[list[Membership]] = relationship(back_populates="shop", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Shop {self.id} {self.name!r}>"


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("shop_id", "user_id", name="uq_memberships_shop_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Notifications not yet read here, kept in step by services.reminders: the bell's badge costs no query.
    unread_notifications: Mapped[int] = mapped_column(default=0, server_default="0")

    shop: Mapped[Shop] = relationship(back_populates="memberships")
    user: Mapped["User"] = relationship(back_populates="memberships")  # noqa: F821


class Invitation(db.Model):
    """A single-use link that makes whoever opens it a member with the given role."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(sa.ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    # Only a hash is kept: the link is shown once, when it is made.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    shop: Mapped[Shop] = relationship()
    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id])  # noqa: F821

    def is_open(self, now: datetime) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now
