"""The pages a customer opens from a link, without logging in: an invoice, a receipt, a statement."""
from flask import Blueprint

bp = Blueprint("public", __name__, url_prefix="/l")

from . import routes  # noqa: E402,F401
