"""People who log in, and the sessions they are logged in with."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    last_shop_id: Mapped[int | None] = mapped_column(sa.ForeignKey("shops.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list["Membership"]] = relationship(back_populates="user")  # noqa: F821

    # Set by the loader to the session this request was authenticated with.
    current_session = None
    current_membership = None  # set with the session by services.accounts.user_for_session_token

    def get_id(self) -> str:
        # Flask-Login keeps this in the session and the remember cookie: it names the
        # server-side session, so logging out or changing the password can end it.
        return self.current_session.token if self.current_session else ""

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email!r}>"


class UserSession(db.Model):
    """One logged-in browser. Revoking it logs that browser out, remember cookie and all."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")

    user: Mapped[User] = relationship()

    # The raw token exists only in memory, right after login, and in the signed cookie.
    token = ""
