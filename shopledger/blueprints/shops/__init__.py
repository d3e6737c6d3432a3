"""The shops a user belongs to: making another, switching between them."""
from flask import Blueprint

bp = Blueprint("shops", __name__, url_prefix="/shops")

from . import routes  # noqa: E402,F401
