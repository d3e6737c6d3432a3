"""Accounts: sign-up, passwords, logging in with throttling, and server-side sessions."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import LoginAttempt, Membership, Shop, User, UserSession
from ..models.types import utcnow
from . import shops as shop_service
from .errors import DomainError

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128
# The passwords tried first by anyone guessing; refused whatever their length.
COMMON_PASSWORDS = frozenset(
    """
    password password1 password12 password123 12345678 123456789 1234567890 12345678910 qwertyuiop
    qwerty123 11111111 00000000 88888888 iloveyou1 abcd1234 abc12345 1q2w3e4r 1q2w3e4r5t admin123
    welcome1 welcome123 letmein1 pakistan pakistan1 pakistan123 karachi1 lahore123 islamabad
    asdfghjkl zxcvbnm1 sunshine1 football1 baseball1 princess1 passw0rd p@ssw0rd shopledger
    """.split()
)


def normalise_email(email: str) -> str:
    """Return the email in the one form we store and compare (trimmed, lowercase)."""
    return (email or "").strip().lower()


def check_email(email: str) -> str:
    """Return the normalised email, or raise DomainError when it is not a usable address."""
    try:
        return normalise_email(validate_email(email.strip(), check_deliverability=False).normalized)
    except EmailNotValidError:
        raise DomainError(_("Enter a valid email address, like name@example.com."), field="email")


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Return why a new password is not acceptable, or None when it is."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return _("Use at least %(count)d characters.", count=PASSWORD_MIN_LENGTH)
    if len(password) > PASSWORD_MAX_LENGTH:
        return _("Use at most %(count)d characters.", count=PASSWORD_MAX_LENGTH)
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) < 3:
        return _("This password is too easy to guess. Try a short sentence.")
    for personal in (normalise_email(email).split("@")[0], (name or "").strip().lower()):
        if len(personal) >= 4 and personal in lowered:
            return _("Do not use your name or email in the password.")
    return None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_hex(16), method=method)


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def create_user(*, email: str, name: str, password: str, locale: str | None = None) -> User:
    """Create an account after checking the email is free and the password is acceptable."""
    email = check_email(email)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Enter your name."), field="name")
    if find_user(email) is not None:
        raise DomainError(_("An account with this email already exists. Log in instead."), field="email")
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise DomainError(problem, field="password")
    user = User(email=email, name=name, password_hash=hash_password(password), locale=locale)
    db.session.add(user)
    db.session.flush()
    return user


def sign_up(*, shop_name: str, name: str, email: str, password: str, locale: str) -> tuple[User, Shop]:
    """Create an account and its first shop, with the new user as owner."""
    user = create_user(email=email, name=name, password=password, locale=locale)
    shop = shop_service.create_shop(owner=user, name=shop_name, locale=locale)
    return user, shop


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    throttled: bool = False


def authenticate(email: str, password: str, *, address: str, now: datetime | None = None) -> LoginResult:
    """Check the credentials, unless this account or address has failed too often lately.

    Unknown and known accounts take the same path and about the same time, so the answer
    tells a guesser nothing about which emails have accounts.
    """
    now = now or utcnow()
    email = normalise_email(email)[:254]
    address = (address or "unknown")[:64]
    config = current_app.config
    since = now - timedelta(seconds=config["LOGIN_THROTTLE_WINDOW_SECONDS"])
    failures = sa.select(sa.func.count()).select_from(LoginAttempt).where(
        LoginAttempt.succeeded.is_(False), LoginAttempt.created_at >= since
    )
    by_account = db.session.scalar(failures.where(LoginAttempt.email == email))
    by_address = db.session.scalar(failures.where(LoginAttempt.address == address))
    if by_account >= config["LOGIN_THROTTLE_PER_ACCOUNT"] or by_address >= config["LOGIN_THROTTLE_PER_ADDRESS"]:
        check_password_hash(_dummy_hash(config["PASSWORD_HASH_METHOD"]), password)
        return LoginResult(user=None, throttled=True)

    user = find_user(email)
    stored_hash = user.password_hash if user else _dummy_hash(config["PASSWORD_HASH_METHOD"])
    matches = check_password_hash(stored_hash, password)
    succeeded = bool(user and matches)
    db.session.add(LoginAttempt(email=email, address=address, succeeded=succeeded, created_at=now))
    if not succeeded:
        return LoginResult(user=None)
    # A right password forgives this account's earlier mistakes.
    db.session.execute(
        sa.delete(LoginAttempt).where(LoginAttempt.email == email, LoginAttempt.succeeded.is_(False))
    )
    user.last_login_at = now
    return LoginResult(user=user)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, *, user_agent: str = "") -> UserSession:
    """Open a new server-side session for a browser that has just logged in."""
    token = secrets.token_urlsafe(32)
    record = UserSession(user_id=user.id, token_hash=_hash_token(token), user_agent=(user_agent or "")[:200])
    db.session.add(record)
    db.session.flush()
    record.token = token
    user.current_session = record
    return record


@lru_cache(maxsize=1)
def _session_statement() -> sa.Select:
    """Built once: every request runs it, and building it costs more than running it."""
    shop_id = sa.bindparam("shop_id", type_=sa.Integer)
    return (
        sa.select(UserSession, User, Membership)
        .join(User, User.id == UserSession.user_id)
        .outerjoin(Membership, sa.and_(Membership.user_id == User.id,
                                       Membership.shop_id == sa.func.coalesce(shop_id, User.last_shop_id)))
        .outerjoin(Shop, Shop.id == Membership.shop_id)
        .options(contains_eager(Membership.shop))
        .where(UserSession.token_hash == sa.bindparam("token_hash"), UserSession.revoked_at.is_(None))
    )


def user_for_session_token(token: str, *, shop_id: int | None = None) -> User | None:
    """Return the user of a live session, or None when it was ended or never existed.

    In the same query it finds their membership of the shop they work in (`shop_id`, else the one they
    chose last), as `user.current_membership` with its shop, or None: the request needs both.
    """
    if not token:
        return None
    row = db.session.execute(_session_statement(), {"token_hash": _hash_token(token), "shop_id": shop_id}).first()
    if row is None:
        return None
    record, user, membership = row
    record.token = token
    user.current_session = record
    user.current_membership = membership
    return user


def end_session(user: User) -> None:
    """Log the current browser out for good: its cookies no longer work."""
    if user.current_session is not None:
        user.current_session.revoked_at = utcnow()


def end_all_sessions(user: User) -> None:
    """Log the user out everywhere."""
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def change_password(user: User, *, current_password: str, new_password: str) -> None:
    """Change the password after checking the current one; every existing session ends."""
    if not check_password_hash(user.password_hash, current_password):
        raise DomainError(_("That is not your current password."), field="current_password")
    problem = password_problem(new_password, email=user.email, name=user.name)
    if problem:
        raise DomainError(problem, field="new_password")
    user.password_hash = hash_password(new_password)
    end_all_sessions(user)


def update_profile(user: User, *, name: str, email: str, locale: str | None) -> None:
    """Change the user's name, email and language."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Enter your name."), field="name")
    email = check_email(email)
    if email != user.email and find_user(email) is not None:
        raise DomainError(_("Another account already uses this email."), field="email")
    user.name, user.email, user.locale = name, email, locale
