"""Configuration: safe defaults, the environment, and a refusal to run production without a secret."""
import os
import stat

import pytest

from shopledger import create_app
from shopledger.config import ConfigError, normalise_database_url


def test_production_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"SHOPLEDGER_ENV": "production", "INSTANCE_PATH": str(tmp_path)})


def test_production_is_the_default_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("SHOPLEDGER_ENV", raising=False)
    with pytest.raises(ConfigError):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_development_generates_a_private_secret_key_once_and_keeps_it(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app({"SHOPLEDGER_ENV": "development", "INSTANCE_PATH": str(tmp_path)})
    second = create_app({"SHOPLEDGER_ENV": "development", "INSTANCE_PATH": str(tmp_path)})
    key_file = tmp_path / "secret_key"
    assert first.secret_key == second.secret_key == key_file.read_text().strip()
    assert len(first.secret_key) >= 64
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_sqlite_in_the_instance_folder_is_the_default_and_tuned(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"SHOPLEDGER_ENV": "development", "INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'shopledger.db'}"
    from shopledger.extensions import db

    with app.app_context():
        with db.engine.connect() as connection:
            pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
            assert pragma("journal_mode") == "wal"
            assert pragma("busy_timeout") == 10000
            assert pragma("synchronous") == 2  # FULL: a commit survives a power cut
            assert pragma("foreign_keys") == 1
        db.engine.dispose()


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("DATABASE_URL", "postgres://shop:pw@db.internal/ledger")
    monkeypatch.setenv("SHOPLEDGER_INVITATION_LIFETIME_DAYS", "3")
    monkeypatch.setenv("SHOPLEDGER_SESSION_COOKIE_SECURE", "false")
    app = create_app({"SHOPLEDGER_ENV": "production", "INSTANCE_PATH": str(tmp_path)})
    assert app.secret_key == "from-the-environment"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://shop:pw@db.internal/ledger"
    assert app.config["INVITATION_LIFETIME_DAYS"] == 3
    assert app.config["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize("url, expected", [
    ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
    ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
    ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
])
def test_database_urls_use_psycopg_3(url, expected):
    assert normalise_database_url(url) == expected
