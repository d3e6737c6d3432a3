"""Settings: safe defaults, then the environment; SQLite and SqliteHuey in the instance folder."""
import os
import secrets
from pathlib import Path


class ConfigError(RuntimeError):
    """The configuration cannot run safely."""


DEFAULTS = {
    "SHOPLEDGER_ENV": "production",
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "shopledger_session",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_NAME": "shopledger_remember",
    "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * 30,
    "WTF_CSRF_TIME_LIMIT": None,
    "WTF_CSRF_SSL_STRICT": True,
    # WTForms has no Urdu catalogue and every message the forms show is the app's own, translated; enabled,
    # Flask-WTF would read WTForms' catalogue from disk on every request that draws a form.
    "WTF_I18N_ENABLED": False,
    "MAX_CONTENT_LENGTH": 24 * 1024 * 1024,
    "BABEL_DEFAULT_LOCALE": "en",
    "LANGUAGES": ("en", "ur"),
    "PASSWORD_HASH_METHOD": "scrypt",
    "LOGIN_THROTTLE_WINDOW_SECONDS": 15 * 60,
    "LOGIN_THROTTLE_PER_ACCOUNT": 5,
    "LOGIN_THROTTLE_PER_ADDRESS": 20,
    "INVITATION_LIFETIME_DAYS": 7,
    "LOGO_MAX_BYTES": 2 * 1024 * 1024,
    "PHOTO_MAX_BYTES": 10 * 1024 * 1024,
    # Data: the customers import, and the shop's backups (see services/csv_import.py and services/backup.py).
    "IMPORT_MAX_BYTES": 2 * 1024 * 1024,
    "IMPORT_MAX_ROWS": 5000,
    "BACKUP_KEEP": 7,
    "BACKUP_MAX_BYTES": 512 * 1024 * 1024,
    "BACKUP_MAX_UNPACKED_BYTES": 4 * 1024 * 1024 * 1024,
    "BACKUP_MAX_MEMBERS": 200_000,
    "TRUSTED_PROXIES": 0,
    "HUEY_URL": "",
    "LOG_LEVEL": "INFO",
    # Email (see services/mail.py). Without SMTP_HOST and MAIL_FROM, messages are held in the outbox.
    "SMTP_HOST": "",
    "SMTP_PORT": 587,
    "SMTP_USERNAME": "",
    "SMTP_PASSWORD": "",
    "SMTP_SECURITY": "starttls",  # starttls, ssl (implicit TLS, usually port 465) or none (a local relay)
    "SMTP_TIMEOUT": 30,
    "MAIL_FROM": "",
    # Where the app is reached, for the links in emails and shared messages: never the request's Host.
    "BASE_URL": "",
    "PASSWORD_RESET_LIFETIME_MINUTES": 60,
    "PASSWORD_RESET_WINDOW_SECONDS": 60 * 60,
    "PASSWORD_RESET_PER_EMAIL": 3,
    "PASSWORD_RESET_PER_ADDRESS": 10,
    # Public links (services.links): failed look-ups from one address, over the window, before it waits.
    "PUBLIC_LINK_THROTTLE_WINDOW_SECONDS": 15 * 60,
    "PUBLIC_LINK_THROTTLE_PER_ADDRESS": 30,
    # Rendered pages kept per process until the shop's data changes (shopledger/page_cache.py); 0 turns it off.
    "PAGE_CACHE_MB": 32,
    "PAGE_CACHE_SECONDS": 60,
    # Reminders (services.reminders) go out from this hour of the shop's day (its time zone) onwards.
    "REMINDER_HOUR": 9,
}

# Settings taken exactly as written, never parsed as JSON (a password "12345" stays text).
TEXT_SETTINGS = frozenset({"SMTP_HOST", "SMTP_USERNAME", "SMTP_PASSWORD", "MAIL_FROM", "BASE_URL"})
SMTP_SECURITY_CHOICES = ("starttls", "ssl", "none")

# Variables read from the environment under their own, conventional names.
PLAIN_ENVIRONMENT = ("SECRET_KEY", "DATABASE_URL", "HUEY_URL", "SHOPLEDGER_ENV", "LOG_LEVEL")


def load(instance_path: str, overrides: dict | None = None) -> dict:
    """Return the settings: defaults, then the environment, then explicit overrides."""
    settings = dict(DEFAULTS)
    for name in PLAIN_ENVIRONMENT:
        if os.environ.get(name):
            settings[name] = os.environ[name]
    settings.update(_prefixed_environment())
    settings.update(overrides or {})

    settings.setdefault("DATABASE_URL", f"sqlite:///{Path(instance_path) / 'shopledger.db'}")
    settings["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(settings["DATABASE_URL"])
    if not settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A server's connection can drop while pooled; a SQLite file cannot (and pinging costs every request).
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True, **settings["SQLALCHEMY_ENGINE_OPTIONS"]}
    settings["HUEY_SQLITE_PATH"] = str(Path(instance_path) / "huey.db")
    settings["UPLOAD_FOLDER"] = settings.get("UPLOAD_FOLDER") or str(Path(instance_path) / "uploads")
    settings["IMPORT_FOLDER"] = settings.get("IMPORT_FOLDER") or str(Path(instance_path) / "imports")
    settings["BACKUP_FOLDER"] = settings.get("BACKUP_FOLDER") or str(Path(instance_path) / "backups")

    production = settings["SHOPLEDGER_ENV"] == "production"
    settings.setdefault("SESSION_COOKIE_SECURE", production)
    settings.setdefault("REMEMBER_COOKIE_SECURE", settings["SESSION_COOKIE_SECURE"])
    settings.setdefault("PREFERRED_URL_SCHEME", "https" if settings["SESSION_COOKIE_SECURE"] else "http")
    _check_mail_settings(settings, production=production)
    if not settings.get("SECRET_KEY"):
        if production:
            raise ConfigError(
                "SECRET_KEY is not set. In production ShopLedger refuses to start without one: "
                "set SECRET_KEY to a long random string (python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        settings["SECRET_KEY"] = _instance_secret_key(instance_path)
    return settings


def _check_mail_settings(settings: dict, *, production: bool) -> None:
    """Refuse mail settings that cannot work; outside production, links point at the development server."""
    settings["SMTP_SECURITY"] = str(settings["SMTP_SECURITY"]).lower()
    if settings["SMTP_SECURITY"] not in SMTP_SECURITY_CHOICES:
        raise ConfigError(f"SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY_CHOICES)}, "
                          f"not {settings['SMTP_SECURITY']!r}.")
    if settings["SMTP_HOST"] and not settings["MAIL_FROM"]:
        raise ConfigError("SMTP_HOST is set but MAIL_FROM is not: set SHOPLEDGER_MAIL_FROM to the address "
                          "the messages are sent from, like shopledger@example.com.")
    base_url = str(settings["BASE_URL"]).rstrip("/")
    if base_url and not base_url.startswith(("http://", "https://")):
        raise ConfigError(f"BASE_URL must start with https:// (or http://), not {base_url!r}.")
    if not base_url and not production:
        base_url = "http://127.0.0.1:5000"
    if not base_url and settings["SMTP_HOST"]:
        raise ConfigError("SMTP_HOST is set but BASE_URL is not: set SHOPLEDGER_BASE_URL to the address people "
                          "open ShopLedger at, like https://shop.example.com, for the links in emails.")
    settings["BASE_URL"] = base_url


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _prefixed_environment() -> dict:
    """SHOPLEDGER_<NAME>=value sets <NAME>, parsed as JSON when it is JSON (as Flask does)."""
    import json

    settings = {}
    for key, value in os.environ.items():
        if not key.startswith("SHOPLEDGER_") or key == "SHOPLEDGER_ENV":
            continue
        name = key[len("SHOPLEDGER_"):]
        if name in TEXT_SETTINGS:
            settings[name] = value
            continue
        try:
            settings[name] = json.loads(value)
        except ValueError:
            settings[name] = value
    return settings


def _instance_secret_key(instance_path: str) -> str:
    """Read the development secret key from the instance folder, creating it on first run."""
    path = Path(instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()
