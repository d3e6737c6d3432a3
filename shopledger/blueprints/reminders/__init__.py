"""Reminders: who to remind today by hand, and the log of every message sent to customers."""
from flask import Blueprint

bp = Blueprint("reminders", __name__, url_prefix="/reminders")

from . import routes  # noqa: E402,F401
