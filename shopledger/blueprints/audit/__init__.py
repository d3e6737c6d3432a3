"""The audit log: who changed what, for owners."""
from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/audit")

from . import routes  # noqa: E402,F401
