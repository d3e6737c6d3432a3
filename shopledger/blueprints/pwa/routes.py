"""Views for the installable app: the manifest (in the reader's language), the service worker, the offline page,
and a fresh CSRF token for sending what was saved on the phone while offline."""
from __future__ import annotations

import hashlib
import hmac
import json
from functools import lru_cache
from pathlib import Path

from flask import current_app, g, jsonify, make_response, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from ...assets import store
from ...htmx import wants_fragment
from ...i18n import text_direction
from ...templating import HTMX_VERSION
from . import bp

THEME_COLOUR = "#0b6b4f"
BACKGROUND_COLOUR = "#f6f4ef"

# The pages a member may still read with no connection: the lists they looked at last, kept on their phone
# by the service worker (network first), for them alone.
OFFLINE_READABLE = frozenset({"customers.index", "jobs.index"})

# What the service worker keeps from the moment it is installed: the shell, its styles, scripts, fonts
# and icons (all public, all under hashed names), and the offline page.
PRECACHE = (
    "app.css",
    "app.js",
    "offline.js",
    f"vendor/htmx-{HTMX_VERSION}.min.js",
    "fonts/NotoNastaliqUrdu-400.woff2",
    "fonts/NotoNastaliqUrdu-700.woff2",
    "fonts/NotoNastaliqUrdu-label.woff2",
    "icons/sprite.svg",
    "icons/favicon.svg",
    "icons/icon-192.png",
)
OFFLINE_TEMPLATES = ("offline.html", "pwa/_offline_message.html", "pwa/_connection.html")
SERVICE_WORKER = "sw.js"


def offline_user_key() -> str:
    """An opaque name for this member in this shop: the service worker keeps their pages apart under it.

    It says nothing about who they are (an HMAC of the ids under the app's secret) and is "-" for a visitor.
    """
    shop = g.get("shop")
    if not current_user.is_authenticated or shop is None:
        return "-"
    message = f"offline-pages:{current_user.id}:{shop.id}".encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), message, hashlib.sha256).hexdigest()[:24]


@lru_cache(maxsize=64)
def _digest(path: str, stamp: tuple[int, int]) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _file_digest(path: Path) -> str:
    if not path.is_file():
        return "-"
    stat = path.stat()
    return _digest(str(path), (stat.st_mtime_ns, stat.st_size))


def release() -> str:
    """The release as the phone sees it: a hash of everything the service worker keeps and of itself.

    Any change to the shell, the offline page or its translations makes new cache names, and the new
    worker deletes the old caches when it takes over.
    """
    assets = store()
    parts = [f"{name}={assets.get(name).digest}" for name in (*PRECACHE, SERVICE_WORKER)]
    templates = Path(current_app.root_path) / "templates"
    parts += [f"{name}={_file_digest(templates / name)}" for name in OFFLINE_TEMPLATES]
    translations = Path(current_app.config["BABEL_TRANSLATION_DIRECTORIES"])
    parts += [f"{mo.parent.parent.name}={_file_digest(mo)}" for mo in sorted(translations.glob("*/LC_MESSAGES/*.mo"))]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


@bp.app_context_processor
def pwa_helpers():
    return {"offline_user_key": offline_user_key}


@bp.after_app_request
def mark_pages_for_the_service_worker(response):
    """Tell the service worker whose page this is, and whether it may keep a copy for reading offline.

    Only whole pages are marked: a fragment is never kept, and never served from a cache.
    """
    if (request.method != "GET" or response.mimetype != "text/html" or wants_fragment()
            or request.endpoint == "pwa.offline"):
        return response
    key = offline_user_key()
    response.headers["X-ShopLedger-User"] = key
    if key != "-" and response.status_code == 200 and request.endpoint in OFFLINE_READABLE:
        response.headers["X-ShopLedger-Offline"] = "keep"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest, in the language asked for (the page links the one it is written in)."""
    languages = current_app.config["LANGUAGES"]
    lang = request.args.get("lang")
    lang = lang if lang in languages else str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])

    def static(name: str) -> str:
        return url_for("static", filename=name)

    with force_locale(lang):
        data = {
            "id": "/",
            "name": "ShopLedger",
            "short_name": "ShopLedger",
            "description": _("The book your shop keeps: customers, jobs, invoices, payments and who owes what."),
            "lang": lang,
            "dir": text_direction(lang),
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "orientation": "any",
            "theme_color": THEME_COLOUR,
            "background_color": BACKGROUND_COLOUR,
            "categories": ["business", "finance", "productivity"],
            "icons": [
                {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
                {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
                {"src": static("icons/icon-maskable-512.png"), "sizes": "512x512", "type": "image/png",
                 "purpose": "maskable"},
                {"src": static("icons/icon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
            ],
            "shortcuts": [
                {"name": _("Customers"), "url": url_for("customers.index"),
                 "icons": [{"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"}]},
                {"name": _("Jobs"), "url": url_for("jobs.index"),
                 "icons": [{"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"}]},
                {"name": _("Record a payment"), "url": url_for("payments.new"),
                 "icons": [{"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"}]},
            ],
        }
    response = make_response(json.dumps(data, ensure_ascii=False, indent=1))
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "public, no-cache"
    return response


@bp.get("/sw.js")
def service_worker():
    """The service worker, from the site's root so that it looks after every page; checked on every visit."""
    version = release()
    settings = {
        "release": version,
        "precache": [url_for("static", filename=name) for name in PRECACHE] + [url_for("pwa.offline")],
        "offline": url_for("pwa.offline"),
        "static": current_app.static_url_path + "/",
    }
    source = store().get(SERVICE_WORKER).body.decode()
    response = make_response(f"self.SHOPLEDGER = {json.dumps(settings)};\n{source}")
    response.mimetype = "text/javascript"
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    response.set_etag(version)
    return response.make_conditional(request)


@bp.get("/offline")
def offline():
    """What a navigation shows with no connection and no copy kept: in English and in Urdu, for anyone."""
    sections = []
    for lang in current_app.config["LANGUAGES"]:
        with force_locale(lang):
            sections.append(Markup(render_template("pwa/_offline_message.html", lang=lang,
                                                   dir=text_direction(lang))))
    response = make_response(render_template("offline.html", sections=sections))
    response.headers["Cache-Control"] = "public, no-cache"
    return response


@bp.get("/pwa/session")
def session_state():
    """A fresh CSRF token for sending what was saved offline, and whose it is; 401 once the session is over."""
    if not current_user.is_authenticated or g.get("shop") is None:
        response = jsonify(error="logged_out")
        response.status_code = 401
    else:
        response = jsonify(csrf_token=generate_csrf(), user=offline_user_key())
    response.headers["Cache-Control"] = "no-store"
    return response
