"""The huey instance and its tasks. Tasks take ids, open an app context, call a service, commit."""
from __future__ import annotations

import logging
import os
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from huey import RedisHuey, SqliteHuey, crontab
from huey.api import Huey, TaskWrapper
from sqlalchemy import event

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
logger = logging.getLogger(__name__)

# Tasks waiting for their transaction to commit, kept on the database session they belong to.
_AFTER_COMMIT = "shopledger_tasks_after_commit"


def enqueue_after_commit(task: TaskWrapper, *args) -> None:
    """Queue a huey task once the current database transaction commits; nothing if it rolls back.

    A task enqueued before the commit could run before its rows exist, or for rows that a
    rollback then removed.
    """
    db.session.info.setdefault(_AFTER_COMMIT, []).append((task, args))


@event.listens_for(db.session, "after_commit")
def _enqueue_committed_tasks(session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: the work is not committed until the outer transaction is
    for task, args in session.info.pop(_AFTER_COMMIT, []):
        try:
            task(*args)
        except Exception:  # noqa: BLE001  (the commit stands; a periodic sweep finds the work the task would do)
            logger.exception("could not enqueue %s%r after commit", getattr(task, "func", task).__name__, args)


@event.listens_for(db.session, "after_soft_rollback")
def _forget_rolled_back_tasks(session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_AFTER_COMMIT, None)


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


def refresh_planner_statistics() -> str:
    """Let the database's planner see how the tables have grown (SQLite: ANALYZE; PostgreSQL's autovacuum
    does this by itself). Without them SQLite can prefer an index that reads every issued invoice."""
    if db.engine.dialect.name != "sqlite":
        return "skipped"
    with db.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    return "analyzed"


@huey.periodic_task(crontab(hour="4", minute="13"))
def refresh_planner_statistics_daily() -> str:
    with app_for_task().app_context():
        return refresh_planner_statistics()


def deliver_outbox_message(message_id: int) -> str:
    """Claim one outbox message, send it over SMTP, record what happened; commit around the send.

    The claim is committed before the SMTP conversation, so a second worker cannot take the same
    message, and the outcome right after it. Returns the outcome (sent, retry, failed, skipped).
    """
    from .services import clock, mail

    claim = mail.claim(message_id)
    db.session.commit()
    if claim is None:
        return "skipped"  # sent already, taken by another worker, not due yet, or gone
    error = mail.send(claim)
    outcome = mail.record_outcome(claim, error)
    db.session.commit()
    if outcome == "retry":
        # Try again when it is due (the sweep would too, a few minutes later at most).
        delay = (claim.message.next_attempt_at - clock.now()).total_seconds() + 1
        deliver_email_task.schedule(args=(message_id,), delay=max(delay, 1))
    return outcome


@huey.task()
def deliver_email_task(message_id: int) -> str:
    with app_for_task().app_context():
        return deliver_outbox_message(message_id)


@huey.task()
def sweep_outbox_task() -> dict:
    """Deliver every outbox message that is due: lost tasks, retries, and sends a killed worker left."""
    from .services import mail

    with app_for_task().app_context():
        outcomes: dict[str, int] = {}
        for message_id in mail.due_message_ids():
            outcome = deliver_outbox_message(message_id)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            if outcome == "retry":
                break  # the server is down or refusing: the rest wait for the next sweep, not a timeout each
        if outcomes:
            current_app.logger.info("outbox sweep: %s", outcomes)
        return outcomes


@huey.periodic_task(crontab(minute="*/2"))
def sweep_outbox_periodic() -> None:
    sweep_outbox_task.call_local()


@huey.periodic_task(crontab(hour="4", minute="23"))
def purge_password_resets_daily() -> int:
    """Drop password reset requests older than a week (throttling looks back an hour)."""
    from .services import password_resets

    with app_for_task().app_context():
        removed = password_resets.purge_old()
        db.session.commit()
        return removed


@huey.task()
def send_reminders_task() -> dict:
    """Every shop's daily summary and customer reminders that are due, each at most once (services.reminders)."""
    from .services import reminders

    with app_for_task().app_context():
        results = reminders.run_all()
        sent = {shop_id: result for shop_id, result in results.items() if result.emailed or result.digest}
        if sent:
            current_app.logger.info("reminders: %s", sent)
        return {shop_id: {"emailed": result.emailed, "by_hand": result.by_hand, "digest": result.digest,
                          "lost_races": result.lost_races} for shop_id, result in results.items()}


@huey.periodic_task(crontab(minute="*/15"))
def send_reminders_periodic() -> None:
    # Every quarter hour: each shop's reminder hour comes by its own clock (Kathmandu is +5:45), and a
    # worker that was down catches up on its first run back.
    send_reminders_task.call_local()


@huey.periodic_task(crontab(minute="29"))
def purge_link_lookups_hourly() -> int:
    """Forget failed public link look-ups once they no longer count towards the throttle."""
    from .services import links

    with app_for_task().app_context():
        removed = links.purge_failures()
        db.session.commit()
        return removed


@huey.task()
def backup_shop_task(shop_id: int, kind: str = "daily") -> str | None:
    """Make one shop's backup (nightly, or asked for by hand) in the instance folder, keeping the last
    BACKUP_KEEP of its kind (services.backup)."""
    from .models import Shop
    from .services import backup, csv_import

    with app_for_task().app_context():
        shop = db.session.get(Shop, shop_id)
        if shop is None:
            return None  # deleted since it was queued
        try:
            made = backup.store_backup(shop, kind=kind)
        finally:
            if kind == "manual":
                backup.clear_pending(shop)
        if kind == "daily":
            csv_import.prune_previews(shop)  # import previews nobody confirmed
        db.session.rollback()  # a backup only reads
        return made.name


@huey.periodic_task(crontab(hour="21", minute="23"))
def backup_shops_daily() -> list[int]:
    """Queue a backup of every shop each night (21:23 UTC: past two at night in Pakistan and India)."""
    from .models import Shop

    with app_for_task().app_context():
        shop_ids = list(db.session.scalars(sa.select(Shop.id).order_by(Shop.id)))
        db.session.rollback()
    for shop_id in shop_ids:
        backup_shop_task(shop_id)  # one task each: a shop that fails does not stop the others
    return shop_ids
