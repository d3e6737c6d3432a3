"""Password reset by email: a single-use link that expires, kept only as a hash, throttled.

The answer to "send me a link" is the same whether or not the email has an account, and takes the
same path (a row is written either way), so the form tells nobody which emails have accounts.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import PasswordReset, User
from . import accounts, clock, mail
from .errors import DomainError


@dataclass(frozen=True)
class ResetRequest:
    throttled: bool = False


class LinkClosed(Exception):
    """The reset link was used, expired, outdated by a password change, or never existed."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _fingerprint(user: User) -> str:
    # Changes whenever the password does, so a link asked for before a password change dies with it.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()


def request_reset(email: str, *, address: str, locale: str | None = None) -> ResetRequest:
    """Email a reset link to the account with this email, if there is one; throttled by email and address.

    The email is in the account's language, else in `locale` (the one the form was filled in).
    """
    now = clock.now()
    config = current_app.config
    email = accounts.normalise_email(email)[:254]
    address = (address or "unknown")[:64]
    since = now - timedelta(seconds=config["PASSWORD_RESET_WINDOW_SECONDS"])
    recent = sa.select(sa.func.count()).select_from(PasswordReset).where(PasswordReset.created_at >= since)
    if (db.session.scalar(recent.where(PasswordReset.email == email)) >= config["PASSWORD_RESET_PER_EMAIL"]
            or db.session.scalar(recent.where(PasswordReset.address == address)) >= config["PASSWORD_RESET_PER_ADDRESS"]):
        return ResetRequest(throttled=True)

    user = accounts.find_user(email)
    lifetime = int(config["PASSWORD_RESET_LIFETIME_MINUTES"])
    reset = PasswordReset(email=email, address=address, created_at=now, expires_at=now + timedelta(minutes=lifetime))
    db.session.add(reset)
    if user is None:
        db.session.flush()
        return ResetRequest()
    token = secrets.token_urlsafe(32)
    reset.user_id = user.id
    reset.token_hash = _hash(token)
    reset.password_fingerprint = _fingerprint(user)
    locale = user.locale or locale or config["BABEL_DEFAULT_LOCALE"]
    subject, text, html = mail.render_email(
        "password_reset", locale, user_name=user.name, lifetime_minutes=lifetime,
        reset_url=mail.absolute_url("auth.reset_password", token=token),
    )
    mail.queue_email(None, to_address=user.email, to_name=user.name, subject=subject, text=text, html=html,
                     kind="password_reset", locale=locale, related_type="user", related_id=user.id)
    return ResetRequest()


def find_open_reset(token: str) -> PasswordReset | None:
    """Return the reset a link's token names, while it is unused, unexpired and the password unchanged."""
    if not token or len(token) > 128:
        return None
    reset = db.session.scalar(sa.select(PasswordReset).where(PasswordReset.token_hash == _hash(token)))
    if reset is None or reset.used_at is not None or reset.expires_at <= clock.now() or reset.user_id is None:
        return None
    user = db.session.get(User, reset.user_id)
    if user is None or reset.password_fingerprint != _fingerprint(user):
        return None
    return reset


def reset_password(token: str, *, new_password: str) -> User:
    """Set a new password through a reset link: the link is used up and every session of the user ends.

    Raises DomainError (field "password") for an unacceptable password, and LinkClosed for a link that
    is no longer good, including one used a moment ago by another request.
    """
    reset = find_open_reset(token)
    if reset is None:
        raise LinkClosed()
    user = db.session.get(User, reset.user_id)
    problem = accounts.password_problem(new_password, email=user.email, name=user.name)
    if problem:
        raise DomainError(problem, field="password")
    now = clock.now()
    # Used up atomically: of two requests with the same link, exactly one gets here with rowcount 1.
    used = db.session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if used != 1:
        raise LinkClosed()
    # Any other link the user asked for is no good any more either.
    db.session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    user.password_hash = accounts.hash_password(new_password)
    accounts.end_all_sessions(user)
    return user


def purge_old(now=None) -> int:
    """Delete requests older than a week: throttling looks back an hour, a link lives an hour."""
    now = now or clock.now()
    return db.session.execute(
        sa.delete(PasswordReset).where(PasswordReset.created_at < now - timedelta(days=7))
    ).rowcount
