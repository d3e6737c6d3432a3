"""The email outbox: what waits to go out, and passing a held message on by WhatsApp, SMS or copying."""
from flask import Blueprint

bp = Blueprint("outbox", __name__, url_prefix="/outbox")

from . import routes  # noqa: E402,F401
