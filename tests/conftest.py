"""The app on a real database (SQLite, or PostgreSQL when TEST_DATABASE_URL is set), emptied after every test."""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

# Before the app is imported: huey's SqliteHuey and the uploads live in this run's own instance folder.
os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="shopledger-test-instance-"))

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from shopledger import create_app
from shopledger.extensions import db as _db
from shopledger.tasks import huey

pytest_plugins = ["tests.factories", "tests.mail.server"]  # server: the loopback SMTP server (smtp_server)

TEST_PASSWORD = "correct horse battery"
CSRF_PATTERN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


class Client(FlaskClient):
    """A test client that behaves like a browser against a real server.

    Each request runs in its own app context, so `g` and the database session are fresh per request
    as they are in production (an app context held by the test would otherwise be shared). The test's
    own session is committed before and after, so the request sees the test's rows and the test then
    sees the request's changes. POSTs carry the CSRF token the way a browser's form would.
    """

    def open(self, *args, **kwargs):
        _db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        _db.session.commit()
        return response

    def post(self, *args, csrf: bool = True, **kwargs):
        if csrf:
            data = kwargs.setdefault("data", {})
            if isinstance(data, dict) and "csrf_token" not in data:
                data["csrf_token"] = self.csrf_token()
        return super().post(*args, **kwargs)

    def csrf_token(self) -> str:
        page = self.get("/account", follow_redirects=True).get_data(as_text=True)
        found = CSRF_PATTERN.search(page)
        assert found, "no CSRF token on the page"
        return found.group(1) or found.group(2)


@pytest.fixture(scope="session", autouse=True)
def compiled_translations():
    """Compile translations/*/LC_MESSAGES/*.po to the (gitignored) .mo when missing or older than the .po."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (Path(__file__).resolve().parent.parent / "translations").glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            partial = po.with_name(f"{po.stem}.mo.{os.getpid()}.tmp")
            with po.open("rb") as source, partial.open("wb") as target:
                write_mo(target, read_po(source))
            partial.replace(mo)  # atomic: a run beside this one never reads half a file


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    instance = Path(os.environ["INSTANCE_PATH"])
    app = create_app(
        {
            "TESTING": True,
            "SHOPLEDGER_ENV": "test",
            "SECRET_KEY": "test-secret-key",
            "DATABASE_URL": database_url(tmp_path_factory),
            "INSTANCE_PATH": str(instance),
            "UPLOAD_FOLDER": str(instance / "uploads"),
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "SESSION_COOKIE_SECURE": False,
        }
    )
    app.test_client_class = Client
    huey.immediate = True
    with app.app_context():
        _reset_schema()
    yield app
    with app.app_context():
        _db.engine.dispose()


def _reset_schema() -> None:
    """Build the schema the way production does: every migration, from empty."""
    from flask_migrate import upgrade

    _db.drop_all()
    with _db.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    upgrade()


@pytest.fixture
def db(app):
    with app.app_context():
        yield _db
        app.extensions["shopledger_page_cache"].clear()
        _db.session.remove()
        try:
            _check_stored_amounts()
        finally:
            _empty_tables()


def _check_stored_amounts() -> None:
    """Whatever a test did, the stored sums (invoice paid, customer balance) still match the rows."""
    from shopledger.services import ledger

    mismatches = ledger.stored_amount_mismatches()
    _db.session.remove()
    assert not mismatches, f"stored amounts out of step with the rows: {mismatches}"


def _empty_tables() -> None:
    tables = [table.name for table in reversed(_db.metadata.sorted_tables)]
    with _db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(sa.text(f"DELETE FROM {table}"))


@pytest.fixture
def client(app, db) -> Client:
    return app.test_client()


@pytest.fixture
def request_context(app, db):
    with app.test_request_context():
        yield


def log_in(client: Client, email: str, password: str = TEST_PASSWORD):
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 303, response.get_data(as_text=True)
    return response


@pytest.fixture
def login():
    return log_in
