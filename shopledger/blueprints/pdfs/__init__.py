"""PDFs of invoices, receipts and statements."""
from flask import Blueprint

bp = Blueprint("pdfs", __name__)

from . import routes  # noqa: E402,F401
