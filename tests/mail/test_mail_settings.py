"""Email settings: refused when they cannot work, read from the environment as written."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from shopledger import config
from shopledger.models import PasswordReset
from shopledger.services import clock, password_resets


def _load(tmp_path, **overrides):
    return config.load(str(tmp_path), {"SECRET_KEY": "x", **overrides})


def test_without_a_base_url_outside_production_links_point_at_the_development_server(tmp_path):
    assert _load(tmp_path, SHOPLEDGER_ENV="development")["BASE_URL"] == "http://127.0.0.1:5000"
    assert _load(tmp_path, BASE_URL="https://books.example.com/")["BASE_URL"] == "https://books.example.com"


@pytest.mark.parametrize("settings, complaint", [
    ({"SMTP_HOST": "smtp.example.com"}, "MAIL_FROM"),
    ({"SMTP_HOST": "smtp.example.com", "MAIL_FROM": "books@example.com", "SHOPLEDGER_ENV": "production"},
     "BASE_URL"),
    ({"BASE_URL": "books.example.com"}, "https://"),
    ({"SMTP_SECURITY": "tls"}, "SMTP_SECURITY"),
])
def test_mail_settings_that_cannot_work_stop_the_app_from_starting(tmp_path, settings, complaint):
    with pytest.raises(config.ConfigError, match=complaint):
        _load(tmp_path, **settings)


def test_text_settings_are_taken_as_written_and_numbers_as_numbers(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPLEDGER_SMTP_PASSWORD", "12345")
    monkeypatch.setenv("SHOPLEDGER_SMTP_USERNAME", "true")
    monkeypatch.setenv("SHOPLEDGER_SMTP_PORT", "465")
    monkeypatch.setenv("SHOPLEDGER_SMTP_SECURITY", "SSL")
    settings = _load(tmp_path)
    assert settings["SMTP_PASSWORD"] == "12345" and settings["SMTP_USERNAME"] == "true"
    assert settings["SMTP_PORT"] == 465 and settings["SMTP_SECURITY"] == "ssl"


def test_old_reset_requests_are_purged_daily(app, db):
    from datetime import datetime

    from shopledger.tasks import huey, purge_password_resets_daily

    now = clock.now()
    for age in (timedelta(days=8), timedelta(days=6)):
        db.session.add(PasswordReset(email="a@example.com", address="x", created_at=now - age,
                                     expires_at=now - age + timedelta(hours=1)))
    db.session.commit()
    assert purge_password_resets_daily.call_local() == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PasswordReset)) == 1
    assert password_resets.purge_old() == 0
    due = [task.name for task in huey.read_periodic(datetime(2026, 11, 21, 4, 23))]
    assert "purge_password_resets_daily" in due
    assert "sweep_outbox_periodic" in [task.name for task in huey.read_periodic(datetime(2026, 11, 21, 4, 24))]
    assert "sweep_outbox_periodic" not in [task.name for task in huey.read_periodic(datetime(2026, 11, 21, 4, 25))]
