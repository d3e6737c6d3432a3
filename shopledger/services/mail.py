"""Email: render a message in the reader's language, put it in the outbox, deliver it over SMTP.

Every message is an outbox row first, added in the transaction of the action that caused it; its
delivery task is queued once that transaction commits, and a periodic sweep delivers whatever is
still due, so a lost task or a killed worker loses nothing. A worker claims a row with one atomic
UPDATE before it talks to the server, so two workers never send the same message. Without SMTP
settings, messages are held in the outbox, where the shop can pass them on by WhatsApp or SMS.
"""
from __future__ import annotations

import re
import secrets
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from datetime import timedelta
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime as rfc2822_datetime
from urllib.parse import quote, urlsplit

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import force_locale, format_date, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..i18n import text_direction
from ..models import Membership, OutboxMessage, OutboxStatus, Role, Shop, User
from . import clock
from .errors import DomainError

# Attempts before a message that keeps failing is given up: the waits between them double from a
# minute up to six hours, about a day of trying in all.
MAX_ATTEMPTS = 12
FIRST_RETRY_SECONDS = 60
LONGEST_RETRY_SECONDS = 6 * 60 * 60
# How long a claimed message is a worker's before another may take it (a worker killed mid-send).
MIN_LEASE_SECONDS = 5 * 60
SWEEP_BATCH = 200
# Controls and line breaks in a header value: folded to a space, never passed on.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\u0085]+")


def smtp_configured() -> bool:
    """Return whether this installation can send email (else messages are held in the outbox)."""
    config = current_app.config
    return bool(config["SMTP_HOST"] and config["MAIL_FROM"])


def absolute_url(endpoint: str, **values) -> str:
    """An absolute link built from the configured BASE_URL (setting), never from the request's Host."""
    base = current_app.config["BASE_URL"]
    if not base:
        raise RuntimeError("BASE_URL is not set: set SHOPLEDGER_BASE_URL to the address ShopLedger is "
                           "reached at (https://shop.example.com), so that links in messages work.")
    parts = urlsplit(base)
    anchor = values.pop("_anchor", None)
    current_app.inject_url_defaults(endpoint, values)
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    url = adapter.build(endpoint, values, force_external=True)
    if anchor is not None:
        url += "#" + quote(str(anchor), safe="")
    return url


def render_email(template_base: str, locale: str, **context) -> tuple[str, str, str]:
    """Render templates/emails/<template_base>.subject.txt, .txt and .html in the given locale
    (flask_babel.force_locale) → (subject, text, html)."""
    environment = current_app.jinja_env
    # Rendered without the page's context processors: a worker has no request (and needs none).
    context = {
        "locale": locale,
        "text_dir": text_direction(locale),
        "absolute_url": absolute_url,
        "format_date": format_date,
        "format_datetime": format_datetime,
        **context,
    }
    with force_locale(locale):
        subject = environment.get_template(f"emails/{template_base}.subject.txt").render(context)
        text = environment.get_template(f"emails/{template_base}.txt").render(context)
        html = environment.get_template(f"emails/{template_base}.html").render(context)
    return " ".join(subject.split()), text.strip() + "\n", html


def header_text(value: str) -> str:
    """A header value on one line: line breaks and other controls become single spaces."""
    return " ".join(_CONTROL.sub(" ", value or "").split())


def check_address(address: str, *, field: str = "email") -> str:
    """Return the address in the form it is sent to, or raise DomainError when it cannot be one."""
    address = (address or "").strip()
    if _CONTROL.search(address):
        raise DomainError(_("Enter a valid email address, like name@example.com."), field=field)
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        raise DomainError(_("Enter a valid email address, like name@example.com."), field=field)


def reply_address(shop: Shop | None) -> str:
    """Where a reply to the shop's mail goes: the shop's owner (shops keep no email of their own)."""
    if shop is None:
        return ""
    email = db.session.scalar(
        sa.select(User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.shop_id == shop.id, Membership.role == Role.OWNER)
        .order_by(Membership.created_at, Membership.id)
        .limit(1)
    )
    return email or ""


def _new_message_id() -> str:
    sender = current_app.config["MAIL_FROM"]
    domain = sender.rpartition("@")[2] if "@" in sender else urlsplit(current_app.config["BASE_URL"]).hostname
    return f"<{uuid.uuid4().hex}@{domain or 'shopledger.invalid'}>"


def queue_email(shop: Shop | None, *, to_address: str, to_name: str = "", subject: str, text: str,
                html: str, kind: str, locale: str, related_type: str = "", related_id: int | None = None,
                created_by: User | None = None) -> OutboxMessage:
    """Add a message to the outbox in the current transaction (no commit) and arrange for its delivery
    task to be enqueued only after that transaction commits. With no SMTP configured it stays pending
    in the outbox (status "held": visible in the app with a 'share instead' button)."""
    from ..tasks import deliver_email_task, enqueue_after_commit

    sending = smtp_configured()
    message = OutboxMessage(
        shop_id=shop.id if shop else None,
        kind=kind,
        to_address=check_address(to_address),
        to_name=header_text(to_name)[:200],
        from_name=header_text(shop.name if shop else "ShopLedger")[:200],
        reply_to=reply_address(shop),
        subject=header_text(subject)[:400],
        text_body=text,
        html_body=html,
        locale=locale,
        related_type=related_type,
        related_id=related_id,
        status=OutboxStatus.PENDING if sending else OutboxStatus.HELD,
        next_attempt_at=clock.now(),
        created_at=clock.now(),
        created_by_id=created_by.id if created_by else None,
        message_id=_new_message_id(),
    )
    db.session.add(message)
    db.session.flush()
    if sending:
        enqueue_after_commit(deliver_email_task, message.id)
    return message


# ---------------------------------------------------------------------------------------------------
# Delivery: claim, send, record. The task commits between the steps (tasks.deliver_outbox_message).
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """A message a worker has taken: its row as it was claimed, and the token that proves it."""

    message: OutboxMessage
    token: str
    attempt: int


def _lease() -> timedelta:
    # A send opens a connection, may upgrade it to TLS, log in and send: a few timeouts at most.
    return timedelta(seconds=max(MIN_LEASE_SECONDS, 5 * float(current_app.config["SMTP_TIMEOUT"])))


def claim(message_id: int) -> Claim | None:
    """Take a due message for sending, atomically; None when it is not due or another worker has it.

    One UPDATE ... WHERE status is pending (or a sending whose lease ran out) and it is due: on
    SQLite writes are serialised, on PostgreSQL the second UPDATE waits for the first and then finds
    the row no longer matches, so exactly one worker gets rowcount 1.
    """
    now = clock.now()
    token = secrets.token_hex(16)
    claimed = db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
            OutboxMessage.next_attempt_at <= now,
        )
        .values(status=OutboxStatus.SENDING, attempts=OutboxMessage.attempts + 1, claim_token=token,
                next_attempt_at=now + _lease())
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return None
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    return Claim(message=message, token=token, attempt=message.attempts)


def build_message(message: OutboxMessage) -> EmailMessage:
    """The message as it goes over the wire: text and HTML, the shop as sender name, a stable Message-ID.

    Headers are built from Address objects, never by pasting strings together, and every value is
    on one line first: a name or subject with a line break cannot add a header or a recipient.
    """
    email = EmailMessage()
    email["Subject"] = header_text(message.subject)
    email["From"] = Address(display_name=header_text(message.from_name), addr_spec=current_app.config["MAIL_FROM"])
    email["To"] = Address(display_name=header_text(message.to_name), addr_spec=message.to_address)
    if message.reply_to:
        email["Reply-To"] = Address(display_name=header_text(message.from_name), addr_spec=message.reply_to)
    email["Date"] = rfc2822_datetime(message.created_at)
    email["Message-ID"] = message.message_id
    if message.shop_id is None or message.kind.startswith(("reminder", "shop_digest")):
        email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.text_body)
    email.add_alternative(message.html_body, subtype="html")
    email["Content-Language"] = message.locale  # after the content: setting it clears Content-* headers
    return email


def send(claimed: Claim) -> Exception | None:
    """Hand the message to the SMTP server; return the error, or None once the server has accepted it."""
    config = current_app.config
    message = claimed.message
    try:
        email = build_message(message)
        timeout = float(config["SMTP_TIMEOUT"])
        context = ssl.create_default_context()
        if config["SMTP_SECURITY"] == "ssl":
            server = smtplib.SMTP_SSL(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=timeout, context=context)
        else:
            server = smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=timeout)
        with server:
            if config["SMTP_SECURITY"] == "starttls":
                server.starttls(context=context)
            if config["SMTP_USERNAME"]:
                server.login(str(config["SMTP_USERNAME"]), str(config["SMTP_PASSWORD"]))
            # The envelope names the one recipient explicitly: nothing in the headers can add another.
            server.send_message(email, from_addr=config["MAIL_FROM"], to_addrs=[message.to_address])
    except (smtplib.SMTPException, OSError, ValueError, MessageError) as error:
        return error
    return None


def is_permanent(error: Exception) -> bool:
    """Whether trying again cannot help: the server refused this recipient or this message for good.

    A refused login or sender is the installation's problem, not the message's: those are retried,
    so the messages go out once the settings are fixed.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _reply in error.recipients.values())
    if isinstance(error, smtplib.SMTPDataError):
        return error.smtp_code >= 500
    if isinstance(error, OSError):
        return False  # any other SMTP answer, the network, a timeout, TLS (its errors are ValueErrors too)
    return isinstance(error, (ValueError, MessageError))  # a message that cannot be built (a bad address)


def retry_delay(attempt: int) -> timedelta:
    """The wait after a failed attempt: a minute, doubling, at most six hours."""
    return timedelta(seconds=min(LONGEST_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** (attempt - 1)))


def describe_error(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(error.recipients.values()))
        text = f"{code} {reply.decode(errors='replace') if isinstance(reply, bytes) else reply}"
    elif isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error
        text = f"{error.smtp_code} {reply.decode(errors='replace') if isinstance(reply, bytes) else reply}"
    else:
        text = f"{type(error).__name__}: {error}"
    return header_text(text)[:500]


def record_outcome(claimed: Claim, error: Exception | None) -> str:
    """Write down how the attempt went, unless the claim was lost meanwhile; return sent, retry or failed.

    The update is fenced by the claim's token: a worker whose lease ran out (and whose message another
    worker took) cannot overwrite the newer attempt's record.
    """
    now = clock.now()
    if error is None:
        values = {"status": OutboxStatus.SENT, "sent_at": now, "last_error": ""}
        outcome = "sent"
    elif is_permanent(error) or claimed.attempt >= MAX_ATTEMPTS:
        values = {"status": OutboxStatus.FAILED, "last_error": describe_error(error)}
        outcome = "failed"
    else:
        values = {"status": OutboxStatus.PENDING, "next_attempt_at": now + retry_delay(claimed.attempt),
                  "last_error": describe_error(error)}
        outcome = "retry"
    recorded = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == claimed.message.id, OutboxMessage.status == OutboxStatus.SENDING,
               OutboxMessage.claim_token == claimed.token)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if recorded != 1:
        return "superseded"
    db.session.refresh(claimed.message)
    if error is not None:
        current_app.logger.warning("email %s (%s) attempt %d: %s", claimed.message.id, outcome, claimed.attempt,
                                   values["last_error"])
    return outcome


def due_message_ids(limit: int = SWEEP_BATCH) -> list[int]:
    """The messages a sweep should try now: pending and due, or claimed by a worker that never finished."""
    return list(db.session.scalars(
        sa.select(OutboxMessage.id)
        .where(OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
               OutboxMessage.next_attempt_at <= clock.now())
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    ))


# ---------------------------------------------------------------------------------------------------
# The outbox page: what waits, and passing a message on by hand.
# ---------------------------------------------------------------------------------------------------

OUTBOX_PAGE_SIZE = 20
# What each kind of message is, as the outbox lists it.
KIND_LABELS = {
    "invoice": _l("Invoice"),
    "receipt": _l("Receipt"),
    "statement": _l("Statement"),
    "reminder_overdue": _l("Overdue reminder"),
    "reminder_balance": _l("Balance reminder"),
    "shop_digest": _l("Daily summary"),
    "password_reset": _l("Password reset"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, _l("Email")))


def status_label(message: OutboxMessage) -> tuple[str, str]:
    """The badge for a message: (CSS class, words)."""
    if message.shared_at is not None:
        return "shared", _("Sent by hand")
    if message.status == OutboxStatus.PENDING and message.attempts:
        return "retrying", _("Will try again")
    return message.status.value, {
        OutboxStatus.PENDING: _("Sending"),
        OutboxStatus.SENDING: _("Sending"),
        OutboxStatus.SENT: _("Emailed"),
        OutboxStatus.FAILED: _("Not delivered"),
        OutboxStatus.HELD: _("Not emailed"),
    }[message.status]
_WAITING = sa.and_(OutboxMessage.status.in_([OutboxStatus.HELD, OutboxStatus.FAILED]),
                   OutboxMessage.shared_at.is_(None))


@dataclass(frozen=True)
class OutboxPage:
    messages: list[OutboxMessage]
    page: int
    has_next: bool


def outbox_page(shop: Shop, *, waiting_only: bool, page: int = 1) -> OutboxPage:
    """The shop's messages, newest first: only those that need someone, or all of them."""
    query = sa.select(OutboxMessage).where(OutboxMessage.shop_id == shop.id)
    if waiting_only:
        query = query.where(_WAITING)
    rows = list(db.session.scalars(
        query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .offset((page - 1) * OUTBOX_PAGE_SIZE).limit(OUTBOX_PAGE_SIZE + 1)
    ))
    return OutboxPage(messages=rows[:OUTBOX_PAGE_SIZE], page=page, has_next=len(rows) > OUTBOX_PAGE_SIZE)


def waiting_count(shop: Shop) -> int:
    """How many of the shop's messages are held or failed and not yet passed on by hand."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.shop_id == shop.id, _WAITING)
    )


def mark_shared(shop: Shop, message: OutboxMessage) -> None:
    """Note that someone passed a held or failed message on by hand, so it stops waiting."""
    if message.shop_id != shop.id:
        raise LookupError("another shop's message")
    if message.status in (OutboxStatus.HELD, OutboxStatus.FAILED) and message.shared_at is None:
        message.shared_at = clock.now()


def send_again(shop: Shop, message: OutboxMessage) -> None:
    """Put a held or failed message back in line for email (SMTP is configured now, or fixed)."""
    from ..tasks import deliver_email_task, enqueue_after_commit

    if message.shop_id != shop.id:
        raise LookupError("another shop's message")
    if not smtp_configured():
        raise DomainError(_("Email is not set up on this ShopLedger, so it cannot send messages."))
    if message.status not in (OutboxStatus.HELD, OutboxStatus.FAILED):
        return
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = clock.now()
    message.last_error = ""
    message.shared_at = None
    db.session.flush()
    enqueue_after_commit(deliver_email_task, message.id)


_URL = re.compile(r"https?://[^\s<>\"']+")


@dataclass(frozen=True)
class Sharing:
    """How to pass a message on by hand: its text, the link in it, and the recipient's phone if known."""

    text: str
    link: str
    phone: str  # E.164, or empty: WhatsApp and SMS then ask whom to send to

    @property
    def whatsapp_url(self) -> str:
        return f"https://wa.me/{self.phone.lstrip('+')}?text={quote(self.text, safe='')}"

    @property
    def sms_url(self) -> str:
        # "?&body=" is read by both Android and iOS.
        return f"sms:{self.phone}?&body={quote(self.text, safe='')}"


def sharing(message: OutboxMessage) -> Sharing:
    """The message ready to be passed on by WhatsApp, SMS or copying, for a held or failed email."""
    return sharing_for([message])[message.id]


def sharing_for(messages: list[OutboxMessage]) -> dict[int, Sharing]:
    """Sharing for each of a page of messages, by id, in a few queries however many messages there are."""
    base = current_app.config["BASE_URL"]
    phones = _recipient_phones(messages)
    shares = {}
    for message in messages:
        links = [url.rstrip(".,;:)!?") for url in _URL.findall(message.text_body)]
        link = next((url for url in links if base and url.startswith(base + "/")), "")
        shares[message.id] = Sharing(text=message.text_body.strip(), link=link, phone=phones.get(message.id, ""))
    return shares


def _recipient_phones(messages: list[OutboxMessage]) -> dict[int, str]:
    """The phone of the customer each message is for: through what it is about, else by their email."""
    from ..models import Customer, Invoice, Payment

    customer_of: dict[int, int] = {}  # message id -> customer id
    for related_type, model in (("invoice", Invoice), ("payment", Payment)):
        wanted = {m.related_id: m for m in messages if m.related_type == related_type and m.related_id is not None}
        if wanted:
            for object_id, shop_id, customer_id in db.session.execute(
                    sa.select(model.id, model.shop_id, model.customer_id).where(model.id.in_(wanted))):
                message = wanted[object_id]
                if shop_id == message.shop_id:
                    customer_of[message.id] = customer_id
    for message in messages:
        if message.related_type == "customer" and message.related_id is not None:
            customer_of[message.id] = message.related_id
    by_email = {m.id: m.to_address.lower() for m in messages if m.id not in customer_of}

    phones: dict[int, str] = {}
    if customer_of:
        rows = db.session.execute(sa.select(Customer.id, Customer.shop_id, Customer.phone)
                                  .where(Customer.id.in_(set(customer_of.values())), Customer.phone != ""))
        found = {(customer_id, shop_id): phone for customer_id, shop_id, phone in rows}
        for message in messages:
            if message.id in customer_of:
                phones[message.id] = found.get((customer_of[message.id], message.shop_id), "")
    if by_email:
        rows = db.session.execute(
            sa.select(sa.func.lower(Customer.email), Customer.shop_id, Customer.phone)
            .where(sa.func.lower(Customer.email).in_(set(by_email.values())), Customer.phone != "")
            .order_by(Customer.id)
        )
        found = {}
        for email, shop_id, phone in rows:
            found.setdefault((email, shop_id), phone)
        for message in messages:
            if message.id in by_email:
                phones[message.id] = found.get((by_email[message.id], message.shop_id), "")
    return phones
