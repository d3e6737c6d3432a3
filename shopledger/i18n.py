"""Which language a request is answered in, and which way its text runs."""
from __future__ import annotations

from babel import Locale
from flask import current_app, g, has_request_context, request
from flask_login import current_user

LOCALE_COOKIE = "shopledger_lang"
LANGUAGE_NAMES = {"en": "English", "ur": "اردو"}


def select_locale() -> str:
    """The user's own choice, else the visitor's cookie, else the shop's language, else the browser's."""
    supported = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user.is_authenticated and current_user.locale in supported:
        return current_user.locale
    cookie = request.cookies.get(LOCALE_COOKIE)
    if cookie in supported:
        return cookie
    shop = g.get("shop")
    if shop is not None and shop.default_locale in supported:
        return shop.default_locale
    # Match on the language alone: "ur-PK,en;q=0.5" is an Urdu reader, though only "en" matches exactly.
    for tag, _quality in request.accept_languages:
        language = tag.replace("_", "-").split("-")[0].lower()
        if language in supported:
            return language
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    shop = g.get("shop")
    return shop.timezone if shop is not None else "UTC"


def text_direction(locale: str) -> str:
    return "rtl" if Locale.parse(locale).character_order == "right-to-left" else "ltr"


def speech_language(locale: str) -> str:
    """The tag for the browser's speech recogniser in this language."""
    return {"ur": "ur-PK", "en": "en-US"}.get(locale, "en-US")


def isolated(text: str) -> str:
    """Text the shop typed, set apart (first-strong isolate) so its direction does not reorder the sentence."""
    return f"\u2068{text}\u2069"
