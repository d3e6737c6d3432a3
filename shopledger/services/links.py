"""Public links: making one for an invoice, a receipt or a statement, finding it again, sending and sharing it."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ..extensions import db
from ..models import (
    Customer, CustomerMessage, Invoice, InvoiceStatus, LinkKind, LinkLookupFailure, MessageChannel, MessageKind,
    Payment, ShareLink, ShareLinkView, Shop, User,
)
from . import audit, clock, invoices, ledger, mail
from .errors import DomainError
from .money import format_money

# 18 random bytes: 144 bits, 24 characters of URL-safe base64.
TOKEN_BYTES = 18
LIFETIME_DAYS_MIN, LIFETIME_DAYS_MAX = 1, 3650
# A statement shared from a customer's page covers this many months before the current one.
STATEMENT_MONTHS_BACK = 2

KIND_MESSAGES = {LinkKind.INVOICE: MessageKind.INVOICE, LinkKind.RECEIPT: MessageKind.RECEIPT,
                 LinkKind.STATEMENT: MessageKind.STATEMENT}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def customer_locale(shop: Shop, customer: Customer) -> str:
    """The language the customer reads their messages in: theirs, else the shop's."""
    languages = current_app.config["LANGUAGES"]
    if customer.preferred_locale in languages:
        return customer.preferred_locale
    return shop.default_locale if shop.default_locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def money(shop: Shop, minor: int, locale: str) -> str:
    return format_money(minor, shop.currency, territory=shop.country, locale=locale)


# Making and revoking links


def _live_links_for(link: ShareLink) -> sa.Select:
    """The live links to the same thing as `link` (a statement: the same customer's)."""
    statement = sa.select(ShareLink).where(ShareLink.shop_id == link.shop_id, ShareLink.kind == link.kind,
                                           ShareLink.revoked_at.is_(None))
    if link.kind == LinkKind.INVOICE:
        return statement.where(ShareLink.invoice_id == link.invoice_id)
    if link.kind == LinkKind.RECEIPT:
        return statement.where(ShareLink.payment_id == link.payment_id)
    return statement.where(ShareLink.customer_id == link.customer_id)


def _create(shop: Shop, link: ShareLink, *, by: User | None, now: datetime | None) -> ShareLink:
    """Keep the new link, revoking the ones before it to the same thing: only the newest works."""
    now = now or clock.now()
    for old in db.session.scalars(_live_links_for(link).with_for_update()):
        old.revoked_at = now
    link.token = secrets.token_urlsafe(TOKEN_BYTES)
    link.token_hash = hash_token(link.token)
    link.created_at = now
    link.created_by_id = by.id if by else None
    link.expires_at = now + timedelta(days=shop.link_lifetime_days or 90)
    db.session.add(link)
    db.session.flush()
    return link


def link_for_invoice(shop: Shop, invoice: Invoice, *, by: User | None, now: datetime | None = None) -> ShareLink:
    """A fresh link to an issued invoice; the invoice's earlier links stop working."""
    if invoice.shop_id != shop.id:
        raise ValueError("the invoice is not the shop's")
    if invoice.status != InvoiceStatus.ISSUED:
        raise DomainError(_("Only an issued invoice can be sent."))
    return _create(shop, ShareLink(shop_id=shop.id, kind=LinkKind.INVOICE, customer_id=invoice.customer_id,
                                   invoice_id=invoice.id), by=by, now=now)


def link_for_receipt(shop: Shop, payment: Payment, *, by: User | None, now: datetime | None = None) -> ShareLink:
    """A fresh link to a payment's receipt; its earlier links stop working."""
    if payment.shop_id != shop.id:
        raise ValueError("the payment is not the shop's")
    if payment.is_void:
        raise DomainError(_("A voided payment has no receipt to send."))
    return _create(shop, ShareLink(shop_id=shop.id, kind=LinkKind.RECEIPT, customer_id=payment.customer_id,
                                   payment_id=payment.id), by=by, now=now)


def default_statement_start(today: date) -> date:
    start = today.replace(day=1)
    for _month in range(STATEMENT_MONTHS_BACK):
        start = (start - timedelta(days=1)).replace(day=1)
    return start


def link_for_statement(shop: Shop, customer: Customer, *, by: User | None, date_from: date | None = None,
                       date_to: date | None = None, now: datetime | None = None) -> ShareLink:
    """A fresh link to the customer's statement; without an end date it runs to the day it is opened."""
    if customer.shop_id != shop.id:
        raise ValueError("the customer is not the shop's")
    if date_from is not None and date_to is not None and date_from > date_to:
        raise DomainError(_("The end date cannot be before the start date."), field="to")
    return _create(shop, ShareLink(shop_id=shop.id, kind=LinkKind.STATEMENT, customer_id=customer.id,
                                   date_from=date_from, date_to=date_to), by=by, now=now)


def revoke(shop: Shop, link: ShareLink, *, by: User, now: datetime | None = None) -> None:
    """Stop a link from working."""
    if link.shop_id != shop.id:
        raise ValueError("the link is not the shop's")
    if link.revoked_at is None:
        link.revoked_at = now or clock.now()
        audit.record(shop, "link.revoked", by=by, subject_type=RELATED_TYPES[link.kind],
                     subject_id=link.invoice_id or link.payment_id or link.customer_id, kind=link.kind.value,
                     number=link.invoice.number if link.invoice is not None else None)
        db.session.flush()


def revoke_all_for(shop: Shop, link_like: ShareLink, *, by: User, now: datetime | None = None) -> int:
    """Stop every live link to the same thing as `link_like`; return how many there were."""
    now = now or clock.now()
    revoked = 0
    for link in db.session.scalars(_live_links_for(link_like).with_for_update()):
        revoke(shop, link, by=by, now=now)
        revoked += 1
    return revoked


# Finding a link from the outside


@dataclass(frozen=True)
class Found:
    """What a token leads to: a link that works, a link that no longer does (gone), or nothing."""

    link: ShareLink | None
    gone: bool = False

    @property
    def works(self) -> bool:
        return self.link is not None and not self.gone


def find(token: str, *, now: datetime | None = None) -> Found:
    """Look a token up. Revoked, expired, and links to a voided invoice or payment are gone; others unknown."""
    now = now or clock.now()
    token = (token or "").strip()
    if not token or len(token) > 64:
        return Found(None)
    link = db.session.scalar(sa.select(ShareLink).where(ShareLink.token_hash == hash_token(token)))
    if link is None:
        return Found(None)
    if not link.is_live(now):
        return Found(link, gone=True)
    if link.kind == LinkKind.INVOICE and (link.invoice is None or link.invoice.status != InvoiceStatus.ISSUED):
        return Found(link, gone=True)
    if link.kind == LinkKind.RECEIPT and (link.payment is None or link.payment.is_void):
        return Found(link, gone=True)
    link.token = token
    return Found(link)


def throttled(address: str, *, now: datetime | None = None) -> bool:
    """Whether this address has asked for too many links that do not exist lately."""
    now = now or clock.now()
    config = current_app.config
    since = now - timedelta(seconds=config["PUBLIC_LINK_THROTTLE_WINDOW_SECONDS"])
    failures = db.session.scalar(
        sa.select(sa.func.count()).select_from(LinkLookupFailure)
        .where(LinkLookupFailure.address == (address or "unknown")[:64], LinkLookupFailure.created_at >= since)
    )
    return failures >= config["PUBLIC_LINK_THROTTLE_PER_ADDRESS"]


def record_failure(address: str, *, now: datetime | None = None) -> None:
    db.session.add(LinkLookupFailure(address=(address or "unknown")[:64], created_at=now or clock.now()))


def purge_failures(*, now: datetime | None = None) -> int:
    """Forget failed look-ups older than the throttle's window; return how many."""
    now = now or clock.now()
    since = now - timedelta(seconds=current_app.config["PUBLIC_LINK_THROTTLE_WINDOW_SECONDS"])
    return db.session.execute(sa.delete(LinkLookupFailure).where(LinkLookupFailure.created_at < since)).rowcount


def record_view(link: ShareLink, *, what: str = "page", now: datetime | None = None) -> None:
    """Count an opening of the link, so the shop sees its customer looked."""
    now = now or clock.now()
    db.session.add(ShareLinkView(shop_id=link.shop_id, link_id=link.id, what=what, viewed_at=now))
    # One UPDATE, not read-modify-write: two openings at once both count.
    db.session.execute(
        sa.update(ShareLink).where(ShareLink.shop_id == link.shop_id, ShareLink.id == link.id).values(
            view_count=ShareLink.view_count + 1, last_viewed_at=now,
            first_viewed_at=sa.func.coalesce(ShareLink.first_viewed_at, now),
        ).execution_options(synchronize_session=False)
    )
    if link.kind == LinkKind.INVOICE:
        # On the invoice too, for the list; its updated_at stays: the invoice itself did not change.
        db.session.execute(
            sa.update(Invoice).where(Invoice.shop_id == link.shop_id, Invoice.id == link.invoice_id)
            .values(viewed_at=now, updated_at=Invoice.updated_at)
            .execution_options(synchronize_session=False)
        )


# Where a link leads, and the words that carry it


def url_of(link: ShareLink) -> str:
    """The link's absolute address, built from the configured base URL."""
    if not link.token:
        raise ValueError("the token of a link is only known right after it is made")
    return mail.absolute_url("public.show", share_token=link.token)


def statement_balance(shop: Shop, customer: Customer) -> int:
    return ledger.balance(shop, customer)


def share_text(shop: Shop, link: ShareLink, *, url: str, locale: str) -> str:
    """The short message that carries a link on WhatsApp or SMS, in the customer's language."""
    customer = link.customer
    with force_locale(locale):
        if link.kind == LinkKind.INVOICE:
            invoice = link.invoice
            due = max(invoice.total_minor - _paid(invoice), 0)
            return _("Assalam-o-Alaikum %(name)s, your invoice %(number)s from %(shop)s: %(amount)s due. "
                     "See it and download the PDF here: %(url)s",
                     name=customer.name, number=invoice.number, shop=shop.name, amount=money(shop, due, locale),
                     url=url)
        if link.kind == LinkKind.RECEIPT:
            return _("Assalam-o-Alaikum %(name)s, thank you! %(shop)s received %(amount)s. Your receipt: %(url)s",
                     name=customer.name, shop=shop.name, amount=money(shop, link.payment.amount_minor, locale),
                     url=url)
        balance = statement_balance(shop, customer)
        return _("Assalam-o-Alaikum %(name)s, your statement of account from %(shop)s. Balance: %(amount)s. "
                 "See it here: %(url)s",
                 name=customer.name, shop=shop.name, amount=money(shop, balance, locale), url=url)


def _paid(invoice: Invoice) -> int:
    return invoices.paid_minor(invoice)


def whatsapp_url(customer: Customer, text: str) -> str:
    """A wa.me link that opens a chat with the customer (or a contact picker, without a number) and the text."""
    number = customer.whatsapp_number if customer.phone else ""
    return f"https://wa.me/{number}?text={quote(text, safe='')}"


def sms_url(customer: Customer, text: str) -> str:
    return f"sms:{customer.phone}?body={quote(text, safe='')}"


@dataclass(frozen=True)
class Share:
    """A fresh link, ready to pass on: its address, the message around it, and the WhatsApp and SMS links."""

    link: ShareLink
    url: str
    text: str
    whatsapp: str
    sms: str | None


def prepare_share(shop: Shop, link: ShareLink) -> Share:
    locale = customer_locale(shop, link.customer)
    url = url_of(link)
    text = share_text(shop, link, url=url, locale=locale)
    return Share(link=link, url=url, text=text, whatsapp=whatsapp_url(link.customer, text),
                 sms=sms_url(link.customer, text) if link.customer.phone else None)


# Sending by email, and recording what was shared by hand


def mark_sent(shop: Shop, invoice: Invoice, *, by: User | None, channel: MessageChannel,
              now: datetime | None = None) -> None:
    """Say the invoice went to the customer: it shows as Sent until it is paid or late."""
    invoice.sent_at = now or clock.now()
    invoice.sent_by_id = by.id if by else None
    audit.record(shop, "invoice.sent", by=by, subject_type="invoice", subject_id=invoice.id,
                 number=invoice.number, channel=channel.value)


def log_message(shop: Shop, customer: Customer, *, kind: MessageKind, channel: MessageChannel, by: User | None,
                automatic: bool = False, link: ShareLink | None = None, outbox_message=None,
                amount_minor: int | None = None, invoice_count: int = 0, now: datetime | None = None,
                to_address: str = "") -> CustomerMessage:
    message = CustomerMessage(
        shop_id=shop.id, customer_id=customer.id, to_name=customer.name[:120], kind=kind, channel=channel,
        automatic=automatic, link_id=link.id if link else None,
        invoice_id=link.invoice_id if link else None, payment_id=link.payment_id if link else None,
        outbox_message_id=outbox_message.id if outbox_message is not None else None,
        amount_minor=amount_minor, invoice_count=invoice_count, created_at=now or clock.now(),
        created_by_id=by.id if by else None,
        to_address=to_address or (customer.email if channel == MessageChannel.EMAIL else customer.phone),
    )
    db.session.add(message)
    db.session.flush()
    return message


def _amount_of(shop: Shop, link: ShareLink) -> int:
    if link.kind == LinkKind.INVOICE:
        return max(link.invoice.total_minor - _paid(link.invoice), 0)
    if link.kind == LinkKind.RECEIPT:
        return link.payment.amount_minor
    return statement_balance(shop, link.customer)


def record_share(shop: Shop, link: ShareLink, *, channel: MessageChannel, by: User,
                 now: datetime | None = None) -> CustomerMessage:
    """Note that the shop passed a link on by hand; an invoice shared is an invoice sent."""
    if link.shop_id != shop.id:
        raise ValueError("the link is not the shop's")
    now = now or clock.now()
    if link.kind == LinkKind.INVOICE and link.invoice is not None:
        mark_sent(shop, link.invoice, by=by, channel=channel, now=now)
    return log_message(shop, link.customer, kind=KIND_MESSAGES[link.kind], channel=channel, by=by, link=link,
                       amount_minor=_amount_of(shop, link), now=now)


# What an outbox message is about, as services.mail finds the customer's phone from it.
RELATED_TYPES = {LinkKind.INVOICE: "invoice", LinkKind.RECEIPT: "payment", LinkKind.STATEMENT: "customer"}
EMAIL_TEMPLATES = {LinkKind.INVOICE: "invoice_link", LinkKind.RECEIPT: "receipt_link",
                   LinkKind.STATEMENT: "statement_link"}


def _require_email(customer: Customer) -> None:
    if not customer.email:
        raise DomainError(_("%(name)s has no email address. Share the link on WhatsApp or SMS instead.",
                            name=customer.name))


def email_link(shop: Shop, link: ShareLink, *, by: User | None, now: datetime | None = None) -> CustomerMessage:
    """Email the customer a fresh link, in their language, through the outbox."""
    customer = link.customer
    _require_email(customer)
    locale = customer_locale(shop, customer)
    url = url_of(link)
    context = {"shop": shop, "shop_name": shop.name, "customer": customer, "link": link, "url": url,
               "money": lambda minor: money(shop, minor, locale),
               "expires_on": shop_day(shop, link.expires_at)}
    if link.kind == LinkKind.INVOICE:
        context.update(invoice=link.invoice, due_minor=_amount_of(shop, link))
    elif link.kind == LinkKind.RECEIPT:
        context.update(payment=link.payment, balance_minor=statement_balance(shop, customer))
    else:
        context.update(balance_minor=statement_balance(shop, customer))
    subject, text, html = mail.render_email(EMAIL_TEMPLATES[link.kind], locale, **context)
    outbox = mail.queue_email(
        shop, to_address=customer.email, to_name=customer.name, subject=subject, text=text, html=html,
        kind=KIND_MESSAGES[link.kind].value, locale=locale, related_type=RELATED_TYPES[link.kind],
        related_id=link.invoice_id or link.payment_id or customer.id, created_by=by)
    if link.kind == LinkKind.INVOICE:
        mark_sent(shop, link.invoice, by=by, channel=MessageChannel.EMAIL, now=now)
    return log_message(shop, customer, kind=KIND_MESSAGES[link.kind], channel=MessageChannel.EMAIL, by=by,
                       link=link, outbox_message=outbox, amount_minor=_amount_of(shop, link), now=now)


def shop_day(shop: Shop, moment: datetime) -> date:
    """The day a moment falls on where the shop is."""
    return moment.astimezone(ZoneInfo(shop.timezone)).date()


def send_invoice(shop: Shop, invoice: Invoice, *, by: User, now: datetime | None = None) -> CustomerMessage:
    """Email the customer a fresh link to their invoice and mark it Sent."""
    _require_email(invoice.customer)
    return email_link(shop, link_for_invoice(shop, invoice, by=by, now=now), by=by, now=now)


def send_receipt(shop: Shop, payment: Payment, *, by: User, now: datetime | None = None) -> CustomerMessage:
    """Email the customer a fresh link to the receipt for their payment."""
    _require_email(payment.customer)
    return email_link(shop, link_for_receipt(shop, payment, by=by, now=now), by=by, now=now)


def send_statement(shop: Shop, customer: Customer, *, by: User, date_from: date | None = None,
                   date_to: date | None = None, now: datetime | None = None) -> CustomerMessage:
    """Email the customer a fresh link to their statement of account."""
    _require_email(customer)
    link = link_for_statement(shop, customer, by=by, date_from=date_from, date_to=date_to, now=now)
    return email_link(shop, link, by=by, now=now)


# What the shop sees of its links


@dataclass(frozen=True)
class LinkFacts:
    """The newest link to something: whether it still works, and how often it was opened."""

    link: ShareLink | None
    live: bool
    views: int  # over every link to it, old ones too
    last_viewed_at: datetime | None
    last_message: CustomerMessage | None


def facts_for(shop: Shop, *, invoice: Invoice | None = None, payment: Payment | None = None,
              customer: Customer | None = None, now: datetime | None = None) -> LinkFacts:
    """Read the sharing panel's facts for an invoice, a payment, or a customer's statement."""
    now = now or clock.now()
    if invoice is not None:
        where = [ShareLink.kind == LinkKind.INVOICE, ShareLink.invoice_id == invoice.id]
        said = [CustomerMessage.invoice_id == invoice.id, CustomerMessage.kind == MessageKind.INVOICE]
    elif payment is not None:
        where = [ShareLink.kind == LinkKind.RECEIPT, ShareLink.payment_id == payment.id]
        said = [CustomerMessage.payment_id == payment.id, CustomerMessage.kind == MessageKind.RECEIPT]
    else:
        where = [ShareLink.kind == LinkKind.STATEMENT, ShareLink.customer_id == customer.id]
        said = [CustomerMessage.customer_id == customer.id, CustomerMessage.kind == MessageKind.STATEMENT]
    # One query (the panel is on busy pages): the sums as subqueries, the newest link and message joined on.
    links = sa.and_(ShareLink.shop_id == shop.id, *where)
    views = sa.select(sa.func.coalesce(sa.func.sum(ShareLink.view_count), 0)).where(links).scalar_subquery()
    last_viewed = sa.select(sa.func.max(ShareLink.last_viewed_at)).where(links).scalar_subquery()
    newest_id = sa.select(ShareLink.id).where(links).order_by(ShareLink.id.desc()).limit(1).scalar_subquery()
    message_id = (sa.select(CustomerMessage.id).where(CustomerMessage.shop_id == shop.id, *said)
                  .order_by(CustomerMessage.id.desc()).limit(1).scalar_subquery())
    one_row = sa.select(sa.literal(1).label("one")).subquery()
    views, last_viewed, newest, last_message = db.session.execute(
        sa.select(views.label("views"), sa.type_coerce(last_viewed, ShareLink.last_viewed_at.type).label("last"),
                  ShareLink, CustomerMessage)
        .select_from(one_row)
        .outerjoin(ShareLink, ShareLink.id == newest_id)
        .outerjoin(CustomerMessage, CustomerMessage.id == message_id)
    ).one()
    return LinkFacts(link=newest, live=bool(newest and newest.is_live(now)), views=int(views),
                     last_viewed_at=last_viewed, last_message=last_message)
