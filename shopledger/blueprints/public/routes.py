"""Views for public links: the page, its PDF and the shop's logo; 404 for a token that never was, 410 for one
that no longer works, 429 for an address that keeps guessing."""
import re

from flask import Response, abort, current_app, make_response, render_template, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ... import pdf
from ...extensions import db
from ...i18n import select_locale
from ...models import LinkKind, Membership, ShareLink
from ...security import client_address
from ...services import clock, invoices, ledger, links, payments
from . import bp

# Link previews (WhatsApp, Telegram, Facebook, Slack...) fetch the page when the link is shared: no customer looked.
PREVIEW_AGENTS = re.compile(
    r"whatsapp|facebookexternalhit|facebot|telegrambot|twitterbot|slackbot|discordbot|linkedinbot|skypeuripreview|"
    r"googlebot|bingbot|applebot|embedly|pinterest|redditbot|viber|snapchat|iframely|preview",
    re.IGNORECASE,
)
LANGUAGE_ARGUMENT = "lang"
# What the customer reads: whether the shop sent or only issued it is the shop's business.
PUBLIC_STATUS_LABELS = {
    "issued": _l("Awaiting payment"), "sent": _l("Awaiting payment"), "partly_paid": _l("Partly paid"),
    "overdue": _l("Overdue"), "paid": _l("Paid"),
}


@bp.after_request
def private_headers(response):
    """Whatever a link answers, found or not: never indexed, never kept, never sent on as a Referer."""
    response.headers["X-Robots-Tag"] = "noindex, nofollow, noarchive"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _answer(template: str, status: int, locale: str | None = None, **context):
    locale = locale or _visitor_locale()
    with force_locale(locale):
        response = make_response(render_template(template, page_locale=locale, **context), status)
    if status == 429:
        response.headers["Retry-After"] = str(current_app.config["PUBLIC_LINK_THROTTLE_WINDOW_SECONDS"])
    return response


def _visitor_locale(link: ShareLink | None = None) -> str:
    """The language asked for in the address, else the customer's, else the browser's."""
    asked = request.args.get(LANGUAGE_ARGUMENT)
    if asked in current_app.config["LANGUAGES"]:
        return asked
    if link is not None:
        return links.customer_locale(link.shop, link.customer)
    return select_locale()


def _open(token: str) -> ShareLink:
    """The live link for the token, or an answer that says nothing about any other link, invoice or shop."""
    address = client_address()
    if links.throttled(address):
        abort(_answer("public/unavailable.html", 429, reason="throttled"))
    found = links.find(token)
    if found.link is None:
        links.record_failure(address)
        db.session.commit()
        abort(_answer("public/unavailable.html", 404, reason="unknown"))
    if found.gone:
        abort(_answer("public/unavailable.html", 410, reason="gone"))
    return found.link


def _by_the_shop(link: ShareLink) -> bool:
    """Whether a member of the link's own shop is looking (checking the link is not the customer opening it)."""
    if not current_user.is_authenticated:
        return False
    return db.session.scalar(db.select(Membership.id).where(
        Membership.shop_id == link.shop_id, Membership.user_id == current_user.id)) is not None


def _count(link: ShareLink, what: str) -> None:
    if _by_the_shop(link) or PREVIEW_AGENTS.search(request.user_agent.string or ""):
        return
    links.record_view(link, what=what)
    db.session.commit()


@bp.get("/<share_token>")
def show(share_token: str):
    link = _open(share_token)
    shop = link.shop
    locale = _visitor_locale(link)
    if LANGUAGE_ARGUMENT not in request.args:
        _count(link, "page")
    today = clock.shop_today(shop)
    context = {"shop": shop, "link": link, "token": share_token, "customer": link.customer, "today": today,
               "logo": pdf.logo_for(shop) is not None,
               "money": lambda minor: links.money(shop, minor, locale)}
    if link.kind == LinkKind.INVOICE:
        invoice = invoices.load_with_lines(shop, link.invoice_id)
        return _answer("public/invoice.html", 200, locale, invoice=invoice,
                       facts=invoices.standing(shop, invoice, today=today),
                       public_status_labels=PUBLIC_STATUS_LABELS, **context)
    if link.kind == LinkKind.RECEIPT:
        payment = link.payment
        return _answer("public/receipt.html", 200, locale, payment=payment, details=payments.details(shop, payment),
                       method_label=payments.METHOD_LABELS[payment.method],
                       balance_minor=ledger.balance(shop, link.customer), **context)
    date_to = link.date_to or today
    account = ledger.statement(shop, link.customer, date_from=link.date_from, date_to=date_to)
    return _answer("public/statement.html", 200, locale, account=account, date_to=date_to,
                   balance_minor=ledger.balance(shop, link.customer), entry_labels=ledger.ENTRY_LABELS,
                   method_labels=payments.METHOD_LABELS, **context)


@bp.get("/<share_token>/pdf")
def download(share_token: str):
    link = _open(share_token)
    shop = link.shop
    today = clock.shop_today(shop)
    if link.kind == LinkKind.INVOICE:
        document = pdf.invoice_document(shop, link.invoice, today=today)
    elif link.kind == LinkKind.RECEIPT:
        document = pdf.receipt_document(shop, link.payment, today=today)
    else:
        document = pdf.statement_document(shop, link.customer, date_from=link.date_from,
                                          date_to=link.date_to or today, today=today)
    _count(link, "pdf")
    response = pdf.respond(document)
    response.headers.set("Content-Disposition", "attachment", filename=document.filename)
    return response


@bp.get("/<share_token>/logo")
def logo(share_token: str):
    link = _open(share_token)
    path = pdf.logo_for(link.shop)
    if path is None:
        abort(_answer("public/unavailable.html", 404, reason="unknown"))
    # The bytes alone: the file's name (the shop's logo address inside the app) stays out of the headers.
    return Response(path.read_bytes(), mimetype=pdf.LOGO_TYPES[path.suffix])
