"""Reports: sales, payments received, receivables aging and jobs, each as a page, a CSV and a PDF."""
from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from . import routes  # noqa: E402,F401
