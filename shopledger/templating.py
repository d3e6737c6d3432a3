"""What every template can use: the current shop and role, the language and direction, the navigation."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, g, url_for
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l

from .i18n import LANGUAGE_NAMES, speech_language, text_direction
from .permissions import ROLE_LABELS, can
from .services.money import format_money

HTMX_VERSION = "2.0.11"


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    icon: str
    permission: str


# The bottom bar. An area shows up once its blueprint exists and the member's role may see it.
BOTTOM_NAV = (
    NavItem("customers.index", _l("Customers"), "people", "customers.view"),
    NavItem("jobs.index", _l("Jobs"), "scissors", "jobs.view"),
    NavItem("invoices.index", _l("Invoices"), "receipt", "invoices.view"),
    NavItem("payments.index", _l("Payments"), "wallet", "payments.view"),
    NavItem("main.more", _l("More"), "menu", "shop.view"),
)


def bottom_nav() -> list[NavItem]:
    return [
        item
        for item in BOTTOM_NAV
        if item.endpoint in current_app.view_functions and can(item.permission)
    ]


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals["role_labels"] = ROLE_LABELS

    @app.context_processor
    def inject_shell():
        locale = str(get_locale() or "en")
        membership = g.get("membership")
        return {
            "current_shop": g.get("shop"),
            "current_role": membership.role if membership else None,
            "can": can,
            "locale": locale,
            "text_dir": text_direction(locale),
            "language_names": LANGUAGE_NAMES,
            "other_locale": "en" if locale == "ur" else "ur",
            "speech_lang": speech_language(locale),
            "bottom_nav": bottom_nav() if membership else [],
            "format_date": format_date,
            "format_datetime": format_datetime,
            "htmx_src": url_for("static", filename=f"vendor/htmx-{HTMX_VERSION}.min.js"),
        }

    @app.template_filter("money")
    def money_filter(minor: int, currency: str | None = None) -> str:
        shop = g.get("shop")
        return format_money(minor, currency or (shop.currency if shop else "PKR"))
