"""Jobs: the workshop's work orders, their board, photos and status."""
from flask import Blueprint

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

from . import notes, routes  # noqa: E402,F401
