"""Sending and sharing: emailing an invoice, receipt or statement link, or passing it on by WhatsApp or SMS."""
from flask import Blueprint

bp = Blueprint("links", __name__, url_prefix="/links")

from . import routes  # noqa: E402,F401
