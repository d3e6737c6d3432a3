"""Reminders: which customers are due one, sending each at most once per stage, and the shop's daily summary.

What is due is worked out from the state of the books every time, never from "today is the due date
plus N": an invoice 9 days late whose 7-day reminder never went out (the worker was down) is due its
7-day reminder now. A reminder is a ReminderMark row (unique per invoice and stage, per customer and
month, per shop and day) written in the same transaction as its outbox message: a second run, a second
worker, or a worker killed and restarted finds the mark and sends nothing again.
"""
from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import contains_eager, joinedload

from ..extensions import db
from ..models import (
    Customer, CustomerMessage, Invoice, Job, JobStatus, MarkKind, Membership, MessageChannel,
    MessageKind, Notification, ReminderMark, Role, ShareLink, Shop, User,
)
from . import clock, links
from .errors import DomainError
from .invoices import OPEN_INVOICE  # issued, not fully paid: read from the partial index

DEFAULT_STAGES = (1, 7, 14)
MAX_STAGES = 6
MAX_STAGE_DAYS = 365
# The monthly balance reminder goes out in the first days of the month (later if the worker was down).
BALANCE_WINDOW_DAYS = 7
# No automatic reminder this soon after the shop sent the customer something by hand.
MANUAL_QUIET = timedelta(days=1)
# A reminder lists at most this many invoices, each with its own link; the statement covers the rest.
LISTED_INVOICES = 10
# How far back the summary looks for invoices that became overdue, when the last one was long ago.
DIGEST_LOOKBACK_DAYS = 7
DIGEST_ROLES = (Role.OWNER, Role.MANAGER)


# The shop's settings


def parse_stages(text: str) -> str:
    """Read the reminder stages as the shop typed them ("1, 7, 14"): whole days after the due date, in
    order, without repeats; empty means no overdue reminders. Return them as stored ("1,7,14")."""
    cleaned = (text or "").translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹،", "0123456789,")).replace(" ", ",")
    parts = [part for part in cleaned.split(",") if part.strip()]
    try:
        days = sorted({int(part) for part in parts})
    except ValueError:
        raise DomainError(_("Write whole days after the due date, separated by commas, like 1, 7, 14."),
                          field="reminder_stages") from None
    if any(day < 1 or day > MAX_STAGE_DAYS for day in days):
        raise DomainError(_("Each stage is from 1 to %(max)d days after the due date.", max=MAX_STAGE_DAYS),
                          field="reminder_stages")
    if len(days) > MAX_STAGES:
        raise DomainError(_("At most %(count)d reminders per invoice.", count=MAX_STAGES), field="reminder_stages")
    return ",".join(str(day) for day in days)


def stages_of(shop: Shop) -> list[int]:
    return [int(part) for part in (shop.reminder_stages or "").split(",") if part.strip().isdigit()]


def check_link_lifetime(days) -> int:
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not links.LIFETIME_DAYS_MIN <= days <= links.LIFETIME_DAYS_MAX:
        raise DomainError(_("Use a number of days from %(min)d to %(max)d.", min=links.LIFETIME_DAYS_MIN,
                            max=links.LIFETIME_DAYS_MAX), field="link_lifetime_days")
    return days


# What is due


def shop_moment(shop: Shop, now: datetime) -> datetime:
    """The moment on the shop's wall clock."""
    return now.astimezone(ZoneInfo(shop.timezone))


def current_stage(days_overdue: int, stages: list[int]) -> int | None:
    """The latest stage an invoice this late has reached (earlier stages missed are not sent late)."""
    reached = [stage for stage in stages if stage <= days_overdue]
    return max(reached) if reached else None


@dataclass(frozen=True)
class OverdueInvoice:
    invoice: Invoice
    due_minor: int
    days_overdue: int
    stage: int | None  # the stage due now, None when this invoice is only listed


@dataclass
class Due:
    """A customer who is due a reminder now: their overdue invoices, and the marks the reminder writes."""

    customer: Customer
    overdue: list[OverdueInvoice] = field(default_factory=list)  # every overdue invoice, oldest first
    balance_minor: int = 0
    balance_period: str | None = None  # the month, when the monthly balance reminder is due

    @property
    def staged(self) -> list[OverdueInvoice]:
        return [item for item in self.overdue if item.stage is not None]

    @property
    def overdue_minor(self) -> int:
        return sum(item.due_minor for item in self.overdue)

    @property
    def kind(self) -> MessageKind:
        return MessageKind.REMINDER_OVERDUE if self.staged else MessageKind.REMINDER_BALANCE

    def marks(self, shop: Shop) -> list[ReminderMark]:
        made = [ReminderMark(shop_id=shop.id, kind=MarkKind.OVERDUE, subject_id=item.invoice.id,
                             period=str(item.stage), customer_id=self.customer.id) for item in self.staged]
        if self.balance_period:
            made.append(ReminderMark(shop_id=shop.id, kind=MarkKind.BALANCE, subject_id=self.customer.id,
                                     period=self.balance_period, customer_id=self.customer.id))
        return made


def _reminded_by_hand_lately(shop: Shop, now: datetime) -> set[int]:
    return set(db.session.scalars(
        sa.select(CustomerMessage.customer_id).where(
            CustomerMessage.shop_id == shop.id, CustomerMessage.automatic.is_(False),
            CustomerMessage.customer_id.is_not(None), CustomerMessage.created_at > now - MANUAL_QUIET)
    ))


def due_reminders(shop: Shop, *, now: datetime, customer_id: int | None = None) -> list[Due]:
    """The shop's customers who are due a reminder now, by name; none for a customer opted out, archived,
    or sent something by hand in the last day (they come up again after it)."""
    today = shop_moment(shop, now).date()
    stages = stages_of(shop)
    quiet = _reminded_by_hand_lately(shop, now)
    found: dict[int, Due] = {}

    # What is paid and owed are the stored sums services.payments keeps in step (migration 0005).
    listed = (
        sa.select(Invoice)
        .join(Customer, Customer.id == Invoice.customer_id)
        .options(contains_eager(Invoice.customer))
        .where(Invoice.shop_id == shop.id, OPEN_INVOICE, Invoice.due_date < today, Customer.archived_at.is_(None),
               Customer.reminders_opted_out.is_(False))
        .order_by(Invoice.customer_id, Invoice.due_date, Invoice.id)
    )
    if customer_id is not None:
        listed = listed.where(Invoice.customer_id == customer_id)
    overdue = list(db.session.scalars(listed)) if stages or shop.balance_reminders else []
    marked = _marked(MarkKind.OVERDUE, [invoice.id for invoice in overdue])
    by_customer: dict[int, list[OverdueInvoice]] = defaultdict(list)
    for invoice in overdue:
        days = (today - invoice.due_date).days
        stage = current_stage(days, stages)
        if stage is not None and (invoice.id, str(stage)) in marked:
            stage = None
        by_customer[invoice.customer_id].append(
            OverdueInvoice(invoice, invoice.total_minor - invoice.paid_minor, days, stage))
    for owner_id, items in by_customer.items():
        if any(item.stage is not None for item in items):
            found[owner_id] = Due(customer=items[0].invoice.customer, overdue=items)

    if shop.balance_reminders and today.day <= BALANCE_WINDOW_DAYS:
        period = today.strftime("%Y-%m")
        owing = _owing(shop, customer_id=customer_id)
        marked = _marked(MarkKind.BALANCE, [customer.id for customer in owing])
        for customer in owing:
            if (customer.id, period) in marked:
                continue
            due = found.setdefault(customer.id, Due(customer=customer, overdue=by_customer.get(customer.id, [])))
            due.balance_period = period
    result = []
    for owner_id, due in found.items():
        if owner_id in quiet:
            continue
        due.balance_minor = due.customer.balance_minor
        result.append(due)
    return sorted(result, key=lambda due: (due.customer.name_folded, due.customer.id))


def _owing(shop: Shop, *, customer_id: int | None) -> list[Customer]:
    """The customers who owe the shop something (one customer, when asked about one), not opted out or archived."""
    statement = sa.select(Customer).where(Customer.shop_id == shop.id, Customer.balance_minor > 0,
                                          Customer.archived_at.is_(None), Customer.reminders_opted_out.is_(False))
    if customer_id is not None:
        statement = statement.where(Customer.id == customer_id)
    return list(db.session.scalars(statement))


def _marked(kind: MarkKind, subject_ids: list[int]) -> set[tuple[int, str]]:
    if not subject_ids:
        return set()
    found = set()
    for start in range(0, len(subject_ids), 500):
        found.update((subject_id, period) for subject_id, period in db.session.execute(
            sa.select(ReminderMark.subject_id, ReminderMark.period)
            .where(ReminderMark.kind == kind, ReminderMark.subject_id.in_(subject_ids[start:start + 500]))
        ))
    return found


# Sending a reminder


@dataclass(frozen=True)
class Reminder:
    """A reminder's message and links: what was logged, and the text to pass on by hand."""

    message: CustomerMessage
    text: str
    url: str
    whatsapp: str
    sms: str | None


def _links_for(shop: Shop, due: Due, *, by: User | None, now: datetime) -> tuple[list[tuple[OverdueInvoice, str]],
                                                                                 ShareLink | None, str]:
    """Fresh links: one per listed invoice, and the statement's when the balance or the rest needs it.
    Returns the invoices with their links, the statement link, and the one link a short message carries."""
    listed = [(item, links.url_of(links.link_for_invoice(shop, item.invoice, by=by, now=now)))
              for item in due.overdue[:LISTED_INVOICES]]
    statement = None
    if due.balance_period or len(due.overdue) != 1:
        statement = links.link_for_statement(
            shop, due.customer, by=by, date_from=links.default_statement_start(shop_moment(shop, now).date()),
            now=now)
    main_url = links.url_of(statement) if statement is not None else listed[0][1]
    return listed, statement, main_url


def reminder_text(shop: Shop, due: Due, *, url: str, locale: str) -> str:
    """The short reminder for WhatsApp or SMS, in the customer's language."""
    with force_locale(locale):
        if due.overdue:
            return _("Assalam-o-Alaikum %(name)s, a reminder from %(shop)s: %(amount)s is overdue. "
                     "See the details and how to pay: %(url)s",
                     name=due.customer.name, shop=shop.name, amount=links.money(shop, due.overdue_minor, locale),
                     url=url)
        return _("Assalam-o-Alaikum %(name)s, your balance with %(shop)s is %(amount)s. "
                 "See your statement: %(url)s",
                 name=due.customer.name, shop=shop.name, amount=links.money(shop, due.balance_minor, locale),
                 url=url)


def _write(shop: Shop, due: Due, *, channel: MessageChannel, by: User | None, automatic: bool,
           now: datetime) -> Reminder:
    """The reminder's marks, links, message (an email in the outbox, or one to pass on) and log row, in the
    current transaction. IntegrityError when another run wrote any of its marks first."""
    from .mail import queue_email, render_email

    marks = due.marks(shop)
    db.session.add_all(marks)
    db.session.flush()  # the unique marks first: a run that lost the race stops here, having sent nothing
    customer = due.customer
    locale = links.customer_locale(shop, customer)
    listed, statement, main_url = _links_for(shop, due, by=by, now=now)
    text = reminder_text(shop, due, url=main_url, locale=locale)
    outbox = None
    if channel == MessageChannel.EMAIL:
        subject, body, html = render_email(
            "reminder", locale, shop=shop, shop_name=shop.name, customer=customer, due=due, listed=listed,
            more=len(due.overdue) - len(listed), statement_url=links.url_of(statement) if statement else None,
            money=lambda minor: links.money(shop, minor, locale),
            expires_on=links.shop_day(shop, now + timedelta(days=shop.link_lifetime_days or 90)),
        )
        outbox = queue_email(shop, to_address=customer.email, to_name=customer.name, subject=subject, text=body,
                             html=html, kind=due.kind.value, locale=locale, related_type="customer",
                             related_id=customer.id, created_by=by)
    message = links.log_message(
        shop, customer, kind=due.kind, channel=channel, by=by, automatic=automatic, link=statement,
        outbox_message=outbox, amount_minor=due.overdue_minor if due.overdue else due.balance_minor,
        invoice_count=len(due.overdue), now=now)
    if statement is None and listed:
        message.link_id = None
        message.invoice_id = listed[0][0].invoice.id
    for mark in marks:
        mark.message_id = message.id
    db.session.flush()
    return Reminder(message=message, text=text, url=main_url, whatsapp=links.whatsapp_url(customer, text),
                    sms=links.sms_url(customer, text) if customer.phone else None)


def remind_by_hand(shop: Shop, customer: Customer, *, by: User, channel: MessageChannel,
                   now: datetime | None = None) -> Reminder:
    """Make the reminder the customer is due, to pass on by WhatsApp or SMS; it counts as sent."""
    now = now or clock.now()
    due = next(iter(due_reminders(shop, now=now, customer_id=customer.id)), None)
    if due is None:
        raise DomainError(_("%(name)s has no reminder due now.", name=customer.name))
    try:
        with db.session.begin_nested():
            return _write(shop, due, channel=channel, by=by, automatic=False, now=now)
    except IntegrityError:
        raise DomainError(_("%(name)s was reminded a moment ago.", name=customer.name)) from None


@dataclass
class RunResult:
    emailed: int = 0
    by_hand: int = 0  # due, but with no email: on the "to remind today" list
    lost_races: int = 0
    digest: bool = False


def run_for_shop(shop_id: int, *, now: datetime | None = None) -> RunResult:
    """Send what is due for one shop: the daily summary, then the customers' reminders, each committed
    with its marks. Nothing before the shop's reminder hour (its own time zone)."""
    now = now or clock.now()
    result = RunResult()
    shop = db.session.get(Shop, shop_id)
    if shop is None or shop_moment(shop, now).hour < current_app.config["REMINDER_HOUR"]:
        return result
    result.digest = send_digest(shop_id, now=now)
    shop = db.session.get(Shop, shop_id)
    for due in due_reminders(shop, now=now):
        if not due.customer.email:
            result.by_hand += 1
            continue
        outcome = _once(lambda due=due: _write(db.session.get(Shop, shop_id), _fresh(shop_id, due, now),
                                               channel=MessageChannel.EMAIL, by=None, automatic=True, now=now))
        if outcome:
            result.emailed += 1
        else:
            result.lost_races += 1
    return result


def _fresh(shop_id: int, due: Due, now: datetime) -> Due:
    """The customer's due reminder read again inside its own transaction (another worker may have sent it)."""
    shop = db.session.get(Shop, shop_id)
    again = next(iter(due_reminders(shop, now=now, customer_id=due.customer.id)), None)
    if again is None:
        raise _AlreadyDone()
    return again


class _AlreadyDone(Exception):
    pass


def _once(write, *, attempts: int = 3) -> bool:
    """Run `write` and commit; False when its marks were already there (another run did it)."""
    for attempt in range(attempts):
        try:
            write()
            db.session.commit()
            return True
        except (IntegrityError, _AlreadyDone):
            db.session.rollback()
            return False
        except OperationalError:
            # SQLite's writer lock held past the busy timeout by another worker: wait and read again.
            db.session.rollback()
            if attempt == attempts - 1:
                raise
            time.sleep(0.5 * (attempt + 1))
    return False


def run_all(*, now: datetime | None = None) -> dict[int, RunResult]:
    """Run every shop's reminders (each shop at its own hour, by its own clock)."""
    now = now or clock.now()
    results = {}
    for shop_id in db.session.scalars(sa.select(Shop.id).order_by(Shop.id)).all():
        try:
            results[shop_id] = run_for_shop(shop_id, now=now)
        except Exception:  # noqa: BLE001  (one shop's trouble must not stop the others' reminders)
            db.session.rollback()
            current_app.logger.exception("reminders for shop %s failed", shop_id)
    return results


# The shop's daily summary


@dataclass(frozen=True)
class Digest:
    jobs_today: list[Job]
    jobs_tomorrow: list[Job]
    jobs_overdue: list[Job]
    invoices_overdue: list[Invoice]  # became overdue since the last summary

    @property
    def empty(self) -> bool:
        return not (self.jobs_today or self.jobs_tomorrow or self.jobs_overdue or self.invoices_overdue)

    def as_data(self) -> dict:
        return {"jobs_today": [job.id for job in self.jobs_today],
                "jobs_tomorrow": [job.id for job in self.jobs_tomorrow],
                "jobs_overdue": [job.id for job in self.jobs_overdue],
                "invoices_overdue": [invoice.id for invoice in self.invoices_overdue]}


def digest_for(shop: Shop, *, today: date, since: date | None = None) -> Digest:
    """Jobs due today and tomorrow, jobs late, and invoices that became overdue since `since` (the day of
    the last summary; yesterday's due dates when there was none)."""
    open_jobs = (sa.select(Job).options(joinedload(Job.customer))
                 .where(Job.shop_id == shop.id, Job.status == JobStatus.IN_PROGRESS))

    def by_due(statement) -> list[Job]:
        return list(db.session.scalars(statement.order_by(Job.due_date, Job.due_time, Job.id)))

    first_due = max(since or today - timedelta(days=1), today - timedelta(days=DIGEST_LOOKBACK_DAYS))
    invoices_overdue = list(db.session.scalars(
        sa.select(Invoice).options(joinedload(Invoice.customer))
        .where(Invoice.shop_id == shop.id, OPEN_INVOICE, Invoice.due_date >= first_due, Invoice.due_date < today)
        .order_by(Invoice.due_date, Invoice.id)
    ))
    return Digest(
        jobs_today=by_due(open_jobs.where(Job.due_date == today)),
        jobs_tomorrow=by_due(open_jobs.where(Job.due_date == today + timedelta(days=1))),
        jobs_overdue=by_due(open_jobs.where(Job.due_date < today)),
        invoices_overdue=invoices_overdue,
    )


def _recipients(shop: Shop) -> list[User]:
    return list(db.session.scalars(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.shop_id == shop.id, Membership.role.in_(DIGEST_ROLES))
        .order_by(Membership.created_at, Membership.id)
    ))


def send_digest(shop_id: int, *, now: datetime) -> bool:
    """The day's summary to the owner and managers, by email and in the app: once a day, whoever runs it.
    Returns whether this call wrote it."""
    from .mail import queue_email, render_email

    def write():
        shop = db.session.get(Shop, shop_id)
        today = shop_moment(shop, now).date()
        last = db.session.scalar(sa.select(sa.func.max(ReminderMark.period)).where(
            ReminderMark.kind == MarkKind.DIGEST, ReminderMark.subject_id == shop.id))
        if last == today.isoformat():
            raise _AlreadyDone()
        digest = digest_for(shop, today=today, since=date.fromisoformat(last) if last else None)
        db.session.add(ReminderMark(shop_id=shop.id, kind=MarkKind.DIGEST, subject_id=shop.id,
                                    period=today.isoformat()))
        db.session.flush()
        if digest.empty:
            return
        data = digest.as_data()
        recipients = _recipients(shop)
        db.session.execute(
            sa.update(Membership).where(Membership.shop_id == shop.id,
                                        Membership.user_id.in_([user.id for user in recipients]))
            .values(unread_notifications=Membership.unread_notifications + 1)
            .execution_options(synchronize_session=False)
        )
        for user in recipients:
            db.session.add(Notification(shop_id=shop.id, user_id=user.id, day=today, data=data, created_at=now))
            locale = user.locale if user.locale in current_app.config["LANGUAGES"] else shop.default_locale
            subject, text, html = render_email(
                "shop_digest", locale, shop=shop, shop_name=shop.name, user=user, digest=digest, today=today,
                money=lambda minor, locale=locale: links.money(shop, minor, locale),
                notifications_url=_notifications_url())
            queue_email(shop, to_address=user.email, to_name=user.name, subject=subject, text=text, html=html,
                        kind="shop_digest", locale=locale, related_type="shop", related_id=shop.id)
        db.session.flush()

    return _once(write)


def _notifications_url() -> str:
    from .mail import absolute_url

    return absolute_url("notifications.index")


# Reading notifications and the log


def unread_count(shop: Shop, user: User) -> int:
    """Counted from the rows (the membership's counter is what the bell reads)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.shop_id == shop.id, Notification.user_id == user.id, Notification.read_at.is_(None)))


# A summary shows this many of each group; the rest are on the job board and the invoices list.
NOTIFICATION_ITEMS = 10
GROUPS = ("jobs_today", "jobs_tomorrow", "jobs_overdue", "invoices_overdue")


@dataclass(frozen=True)
class Group:
    """One group of a summary as it reads now: the first of what it named that still exist, and how many it named."""

    items: list
    named: int

    @property
    def more(self) -> int:
        return max(self.named - len(self.items), 0)


@dataclass(frozen=True)
class NotificationView:
    notification: Notification
    groups: dict[str, Group]

    @property
    def empty(self) -> bool:
        return not any(group.items for group in self.groups.values())


def notifications_for(shop: Shop, user: User, *, limit: int = 30) -> list[NotificationView]:
    """The member's latest summaries, newest first; what they name loaded in two queries, a few of each group."""
    rows = list(db.session.scalars(
        sa.select(Notification).where(Notification.shop_id == shop.id, Notification.user_id == user.id)
        .order_by(Notification.day.desc(), Notification.id.desc()).limit(limit)
    ))

    def first(row: Notification, name: str) -> list[int]:
        return list((row.data or {}).get(name, []))[:NOTIFICATION_ITEMS]

    job_ids = {job_id for row in rows for name in GROUPS[:3] for job_id in first(row, name)}
    invoice_ids = {invoice_id for row in rows for invoice_id in first(row, "invoices_overdue")}
    found = {"job": {job.id: job for job in db.session.scalars(
        sa.select(Job).options(joinedload(Job.customer)).where(Job.shop_id == shop.id, Job.id.in_(job_ids)))}
        if job_ids else {}}
    found["invoice"] = {invoice.id: invoice for invoice in db.session.scalars(
        sa.select(Invoice).options(joinedload(Invoice.customer))
        .where(Invoice.shop_id == shop.id, Invoice.id.in_(invoice_ids)))} if invoice_ids else {}

    def group(row: Notification, name: str) -> Group:
        kind = "invoice" if name == "invoices_overdue" else "job"
        items = [found[kind][item_id] for item_id in first(row, name) if item_id in found[kind]]
        return Group(items=items, named=len((row.data or {}).get(name, [])))

    return [NotificationView(notification=row, groups={name: group(row, name) for name in GROUPS}) for row in rows]


def mark_read(shop: Shop, user: User, *, now: datetime | None = None) -> int:
    """Mark the member's notifications in this shop read; return how many were unread."""
    db.session.execute(
        sa.update(Membership).where(Membership.shop_id == shop.id, Membership.user_id == user.id)
        .values(unread_notifications=0).execution_options(synchronize_session=False)
    )
    return db.session.execute(
        sa.update(Notification)
        .where(Notification.shop_id == shop.id, Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now or clock.now())
        .execution_options(synchronize_session=False)
    ).rowcount


KIND_LABELS = {
    MessageKind.INVOICE: _l("Invoice"),
    MessageKind.RECEIPT: _l("Receipt"),
    MessageKind.STATEMENT: _l("Statement"),
    MessageKind.REMINDER_OVERDUE: _l("Overdue reminder"),
    MessageKind.REMINDER_BALANCE: _l("Balance reminder"),
}
CHANNEL_LABELS = {
    MessageChannel.EMAIL: _l("By email"),
    MessageChannel.WHATSAPP: _l("On WhatsApp"),
    MessageChannel.SMS: _l("By SMS"),
    MessageChannel.LINK: _l("Link copied"),
}
CHANNEL_ICONS = {MessageChannel.EMAIL: "mail", MessageChannel.WHATSAPP: "whatsapp", MessageChannel.SMS: "message",
                 MessageChannel.LINK: "link"}


def delivery(message: CustomerMessage) -> tuple[str, str]:
    """Where a message stands, for the log: (CSS class, words). Only email can be known to have arrived."""
    from . import mail

    if message.outbox_message is not None:
        return mail.status_label(message.outbox_message)
    if message.channel == MessageChannel.EMAIL:
        return "failed", _("Not delivered")
    return "shared", _("Sent by hand")


LOG_FILTERS = ("all", "reminders", "failed")
LOG_PAGE_SIZE = 30


@dataclass(frozen=True)
class LogPage:
    messages: list[CustomerMessage]
    page: int
    has_next: bool
    shown: str


def message_log(shop: Shop, *, shown: str = "all", page: int = 1) -> LogPage:
    """Every message to the shop's customers, newest first: all, only reminders, or only the emails that failed."""
    from ..models import OutboxMessage, OutboxStatus

    shown = shown if shown in LOG_FILTERS else "all"
    page = min(max(page, 1), 100_000)
    query = (sa.select(CustomerMessage)
             .options(joinedload(CustomerMessage.outbox_message), joinedload(CustomerMessage.created_by))
             .where(CustomerMessage.shop_id == shop.id))
    if shown == "reminders":
        query = query.where(CustomerMessage.kind.in_([MessageKind.REMINDER_OVERDUE, MessageKind.REMINDER_BALANCE]))
    elif shown == "failed":
        query = query.join(OutboxMessage, OutboxMessage.id == CustomerMessage.outbox_message_id).where(
            OutboxMessage.status == OutboxStatus.FAILED)
    rows = list(db.session.scalars(
        query.order_by(CustomerMessage.created_at.desc(), CustomerMessage.id.desc())
        .offset((page - 1) * LOG_PAGE_SIZE).limit(LOG_PAGE_SIZE + 1)
    ).unique())
    return LogPage(messages=rows[:LOG_PAGE_SIZE], page=page, has_next=len(rows) > LOG_PAGE_SIZE, shown=shown)
