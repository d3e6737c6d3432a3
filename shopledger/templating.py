"""What every template can use: the current shop and role, the language and direction, the navigation."""
from __future__ import annotations

from dataclasses import dataclass, replace

from flask import Flask, current_app, g, render_template, url_for
from flask_babel import format_date, format_datetime, get_locale, get_translations, gettext
from flask_babel import lazy_gettext as _l
from jinja2 import pass_context
from markupsafe import Markup, escape

from .htmx import wants_fragment
from .i18n import LANGUAGE_NAMES, speech_language, text_direction
from .permissions import ROLE_LABELS, can
from .services.money import format_money
from .services.phones import format_phone

HTMX_VERSION = "2.0.11"


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    icon: str
    permission: str
    badge: int = 0


# The bottom bar. An area shows up once its blueprint exists and the member's role may see it.
BOTTOM_NAV = (
    NavItem("customers.index", _l("Customers"), "people", "customers.view"),
    NavItem("jobs.index", _l("Jobs"), "scissors", "jobs.view"),
    NavItem("invoices.index", _l("Invoices"), "receipt", "invoices.view"),
    NavItem("payments.index", _l("Payments"), "wallet", "payments.view"),
    NavItem("main.more", _l("More"), "menu", "shop.view"),
)


def bottom_nav(*, with_badges: bool = True) -> list[NavItem]:
    """The bottom bar's items for this member, the Jobs item carrying the count of jobs due today."""
    items = [item for item in BOTTOM_NAV if item.endpoint in current_app.view_functions and can(item.permission)]
    shop = g.get("shop")
    if shop is None or not with_badges:
        return items
    from .services import clock, jobs

    due_today = jobs.due_today_count(shop, today=clock.shop_today(shop))
    return [replace(item, badge=due_today) if item.endpoint == "jobs.index" else item for item in items]


def bottom_nav_update() -> str:
    """The bottom bar as an out-of-band swap, for a fragment answer that changed one of its badges."""
    return render_template("_bottom_nav.html", bottom_nav=bottom_nav(), oob=True)


@dataclass(frozen=True)
class TemplateTranslations:
    """`_()` and `ngettext()` for one render, bound to the translations of the language it renders in.

    What Jinja's newstyle gettext does (escape the arguments under autoescape, always %-format), without
    Flask-Babel looking up the domain, the locale and the catalogue again for each of a page's hundred
    strings. A template's context wins over the environment's globals, so these take their place.
    """

    translations: object

    @pass_context
    def gettext(self, context, string: str, **variables) -> str:
        translated = self.translations.ugettext(string)
        if context.eval_ctx.autoescape:
            translated = Markup(translated)
        return translated % variables

    @pass_context
    def ngettext(self, context, singular: str, plural: str, num: int, **variables) -> str:
        variables.setdefault("num", num)
        translated = self.translations.ungettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            translated = Markup(translated)
        return translated % variables


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals["role_labels"] = ROLE_LABELS
    app.jinja_env.globals["speech_lang"] = lambda: speech_language(str(get_locale() or "en"))

    @app.context_processor
    def inject_shell():
        locale = str(get_locale() or "en")
        membership = g.get("membership")
        translations = TemplateTranslations(get_translations())
        return {
            "gettext": translations.gettext,
            "ngettext": translations.ngettext,
            "current_shop": g.get("shop"),
            "current_role": membership.role if membership else None,
            "can": can,
            "locale": locale,
            "text_dir": text_direction(locale),
            "language_names": LANGUAGE_NAMES,
            "other_locale": "en" if locale == "ur" else "ur",
            "speech_lang": speech_language(locale),
            # A fragment has no bottom bar: no need to count its badge.
            "bottom_nav": bottom_nav(with_badges=not wants_fragment()) if membership else [],
            "format_date": format_date,
            "format_datetime": format_datetime,
            "htmx_src": url_for("static", filename=f"vendor/htmx-{HTMX_VERSION}.min.js"),
        }

    # {{ customer.phone|phone(current_shop.country) }}: every page reads a number the same way.
    app.add_template_filter(format_phone, "phone")

    @app.template_filter("money")
    def money_filter(minor: int, currency: str | None = None) -> str:
        shop = g.get("shop")
        return format_money(minor, currency or (shop.currency if shop else "PKR"),
                            territory=shop.country if shop else None)

    app.jinja_env.globals["khata_balance_words"] = lambda minor: balance_words(minor, money_filter)
    app.jinja_env.globals["khata_balance_state"] = balance_state
    app.jinja_env.globals["svg_icon"] = svg_icon


ICON = Markup('<svg class="icon%s" aria-hidden="true" focusable="false"><use href="%s#%s"></use></svg>')


def svg_icon(name: str, flip: bool = False) -> Markup:
    """An icon from the sprite (`icon` in _macros/ui.html). A function rather than a macro, with the sprite's
    address looked up once a request: a page draws dozens of icons."""
    sprite = g.get("icon_sprite_url")
    if sprite is None:
        sprite = g.icon_sprite_url = url_for("static", filename="icons/sprite.svg")
    return ICON % (Markup(" flip") if flip else "", sprite, name)


# A balance said in words, never by colour alone. Plain functions rather than macros: a list says it
# on every row, and a Jinja macro call costs more than the words.
def balance_words(minor: int, money) -> Markup:
    """What a customer owes, in words: "Owes Rs 4,500", "Has Rs 500 credit", "Settled"."""
    if minor == 0:
        return Markup(escape(gettext("Settled")))
    words = gettext("Owes %(amount)s") if minor > 0 else gettext("Has %(amount)s credit")
    return Markup(escape(words)) % {"amount": Markup('<bdi class="num">%s</bdi>') % money(abs(minor))}


def balance_state(minor: int) -> str:
    """The class a balance is styled by: owes, credit or settled."""
    return "owes" if minor > 0 else "credit" if minor < 0 else "settled"
