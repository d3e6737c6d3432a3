"""Housekeeping in the background: old security records are purged."""
from datetime import timedelta

import sqlalchemy as sa

from shopledger.models import Invitation, LoginAttempt, Role, UserSession
from shopledger.models.types import utcnow
from shopledger.services import accounts, members
from shopledger.tasks import huey, purge_security_records_task


def test_the_purge_keeps_what_is_still_useful_and_drops_the_rest(db, make_shop):
    shop = make_shop()
    owner = shop.memberships[0].user
    now = utcnow()
    db.session.add_all([
        LoginAttempt(email="a@example.com", address="x", created_at=now - timedelta(days=2)),
        LoginAttempt(email="b@example.com", address="x", created_at=now),
    ])
    live, ended = accounts.start_session(owner), accounts.start_session(owner)
    ended.revoked_at = now - timedelta(days=3)
    old_invitation, _ = members.invite(shop, by=owner, name="Old", role=Role.STAFF)
    old_invitation.expires_at = now - timedelta(days=40)
    members.invite(shop, by=owner, name="Fresh", role=Role.STAFF)
    db.session.commit()

    assert huey.immediate
    purged = purge_security_records_task.call_local()
    assert purged == {"login_attempts": 1, "sessions": 1, "invitations": 1}
    assert db.session.scalars(sa.select(LoginAttempt.email)).all() == ["b@example.com"]
    assert db.session.scalars(sa.select(UserSession.id)).all() == [live.id]
    assert db.session.scalars(sa.select(Invitation.name)).all() == ["Fresh"]


def test_the_purge_is_scheduled_once_an_hour(app):
    from datetime import datetime

    def due_at(minute):
        return [task.name for task in huey.read_periodic(datetime(2026, 11, 21, 9, minute))]

    assert "purge_security_records_hourly" in due_at(17)
    assert "purge_security_records_hourly" not in due_at(18)


def test_old_cached_pdfs_are_pruned_daily(app, db, tmp_path, monkeypatch):
    import os
    import time
    from datetime import datetime

    from shopledger import pdf
    from shopledger.tasks import prune_pdf_cache_daily

    monkeypatch.setitem(app.config, "PDF_CACHE_FOLDER", str(tmp_path))
    old, fresh = tmp_path / "old.pdf", tmp_path / "fresh.pdf"
    old.write_bytes(b"%PDF"), fresh.write_bytes(b"%PDF")
    month_ago = time.time() - 31 * 24 * 3600
    os.utime(old, (month_ago, month_ago))
    assert pdf.cache_folder() == tmp_path
    assert prune_pdf_cache_daily.call_local() == 1
    assert not old.exists() and fresh.exists()
    assert "prune_pdf_cache_daily" in [task.name for task in huey.read_periodic(datetime(2026, 11, 21, 3, 41))]


def test_planner_statistics_are_refreshed_daily_on_sqlite(app, db):
    from datetime import datetime

    from shopledger.extensions import db as database
    from shopledger.tasks import refresh_planner_statistics

    due = [task.name for task in huey.read_periodic(datetime(2026, 11, 21, 4, 13))]
    assert "refresh_planner_statistics_daily" in due
    if database.engine.dialect.name != "sqlite":
        assert refresh_planner_statistics() == "skipped"
        return
    with database.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS sqlite_stat1")
    assert refresh_planner_statistics() == "analyzed"
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM sqlite_stat1").scalar() > 0
