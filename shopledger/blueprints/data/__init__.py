"""Data: exporting the shop's books as CSV, importing customers, and the shop's backups."""
from flask import Blueprint

bp = Blueprint("data", __name__, url_prefix="/data")

from . import routes  # noqa: E402,F401
