"""Signing up, logging in and out, and accepting an invitation."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import routes  # noqa: E402,F401
