"""Measurement templates: what the shop measures for each kind of job."""
from flask import Blueprint

bp = Blueprint("measurements", __name__, url_prefix="/measurements")

from . import routes  # noqa: E402,F401
