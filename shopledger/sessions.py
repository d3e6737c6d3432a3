"""Logging a browser in and out: a fresh Flask session and a server-side session record each time."""
from __future__ import annotations

from flask import request, session
from flask_login import login_user, logout_user
from flask_wtf.csrf import generate_csrf

from .models import User
from .services import accounts


def log_in(user: User, *, remember: bool, shop_id: int | None = None) -> None:
    """Start a fresh session for the user (nothing from before login carries over)."""
    session.clear()
    accounts.start_session(user, user_agent=request.headers.get("User-Agent", ""))
    login_user(user, remember=remember)
    generate_csrf()  # the new session's CSRF token, in the cookie the login answer sets
    if shop_id is not None:
        session["shop_id"] = shop_id


def log_out(user: User) -> None:
    """End this browser's session for good, remember cookie included."""
    accounts.end_session(user)
    logout_user()
    session.clear()
