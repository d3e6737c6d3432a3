"""Invoices: drafts, issuing, voiding, the list."""
from flask import Blueprint

bp = Blueprint("invoices", __name__, url_prefix="/invoices")

from . import routes  # noqa: E402,F401
