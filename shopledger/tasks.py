"""The huey instance and its tasks. Tasks take ids, open an app context, call a service, commit."""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from huey import RedisHuey, SqliteHuey, crontab
from huey.api import Huey

from .extensions import db
from .models import Invitation, LoginAttempt, UserSession
from .models.types import utcnow

_worker_app: Flask | None = None


def make_huey(url: str, sqlite_path: str) -> Huey:
    """SqliteHuey in the instance folder by default; Redis when HUEY_URL says redis://."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey("shopledger", url=url)
    if url:
        raise ValueError(f"HUEY_URL must be empty (SQLite) or a redis:// URL, not {url!r}")
    Path(sqlite_path).parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("shopledger", filename=sqlite_path)


def _huey_from_environment() -> Huey:
    # The consumer imports this module without an app; read the same settings the app reads.

    instance = os.environ.get("INSTANCE_PATH") or str(Path(__file__).resolve().parent.parent / "instance")
    return make_huey(os.environ.get("HUEY_URL", ""), str(Path(instance) / "huey.db"))


huey = _huey_from_environment()


def app_for_task() -> Flask:
    """The app the task runs in: the caller's (immediate mode, tests) or the worker's own."""
    global _worker_app
    if has_app_context():
        return current_app._get_current_object()
    if _worker_app is None:
        from . import create_app

        _worker_app = create_app()
    return _worker_app


def purge_expired_security_records(now=None) -> dict:
    """Delete login attempts past the throttle window, ended sessions and dead invitations."""
    now = now or utcnow()
    window = timedelta(seconds=current_app.config["LOGIN_THROTTLE_WINDOW_SECONDS"])
    attempts = db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.created_at < now - window)).rowcount
    sessions = db.session.execute(
        sa.delete(UserSession).where(UserSession.revoked_at.is_not(None), UserSession.revoked_at < now - timedelta(days=1))
    ).rowcount
    invitations = db.session.execute(
        sa.delete(Invitation).where(Invitation.accepted_at.is_(None), Invitation.expires_at < now - timedelta(days=30))
    ).rowcount
    return {"login_attempts": attempts, "sessions": sessions, "invitations": invitations}


@huey.task()
def purge_security_records_task() -> dict:
    with app_for_task().app_context():
        purged = purge_expired_security_records()
        db.session.commit()
        current_app.logger.info("purged %s", purged)
        return purged


@huey.periodic_task(crontab(minute="17"))
def purge_security_records_hourly() -> None:
    # Periodic tasks keep no result; the work is the plain task's, so it can also be enqueued on demand.
    purge_security_records_task.call_local()


@huey.periodic_task(crontab(hour="3", minute="41"))
def prune_pdf_cache_daily() -> int:
    """Drop cached PDFs nobody downloaded for a month (a later download renders them again)."""
    from . import pdf

    with app_for_task().app_context():
        removed = pdf.prune_cache()
        current_app.logger.info("removed %d cached PDFs", removed)
        return removed
