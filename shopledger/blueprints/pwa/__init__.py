"""On the phone's home screen: the web app manifest, the service worker, the offline page, a fresh CSRF token."""
from flask import Blueprint

bp = Blueprint("pwa", __name__)

from . import routes  # noqa: E402,F401
