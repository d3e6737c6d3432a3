"""Settings: safe defaults, then the environment; SQLite and SqliteHuey in the instance folder."""
import os
import secrets
from pathlib import Path


class ConfigError(RuntimeError):
    """The configuration cannot run safely."""


DEFAULTS = {
    "SHOPLEDGER_ENV": "production",
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
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
    "TRUSTED_PROXIES": 0,
    "HUEY_URL": "",
    "LOG_LEVEL": "INFO",
}

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
    settings["HUEY_SQLITE_PATH"] = str(Path(instance_path) / "huey.db")
    settings["UPLOAD_FOLDER"] = settings.get("UPLOAD_FOLDER") or str(Path(instance_path) / "uploads")

    production = settings["SHOPLEDGER_ENV"] == "production"
    settings.setdefault("SESSION_COOKIE_SECURE", production)
    settings.setdefault("REMEMBER_COOKIE_SECURE", settings["SESSION_COOKIE_SECURE"])
    settings.setdefault("PREFERRED_URL_SCHEME", "https" if settings["SESSION_COOKIE_SECURE"] else "http")
    if not settings.get("SECRET_KEY"):
        if production:
            raise ConfigError(
                "SECRET_KEY is not set. In production ShopLedger refuses to start without one: "
                "set SECRET_KEY to a long random string (python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        settings["SECRET_KEY"] = _instance_secret_key(instance_path)
    return settings


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
        try:
            settings[key[len("SHOPLEDGER_"):]] = json.loads(value)
        except ValueError:
            settings[key[len("SHOPLEDGER_"):]] = value
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
