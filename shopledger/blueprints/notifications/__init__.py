"""The shop's notifications: each day's jobs due, jobs late and invoices that became overdue."""
from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

from . import routes  # noqa: E402,F401
