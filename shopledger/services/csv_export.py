"""CSV files for spreadsheets: UTF-8 with a BOM, formula cells neutralised, streamed; and the shop's exports.

The writer (`neutralise`, `cell_text`, `encode_rows`, `csv_response`) is shared by every CSV the app sends:
- UTF-8 with a byte-order mark, so Excel reads Urdu as Urdu and not as mojibake; rows end in CRLF.
- Text that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage return) gets
  a single quote in front. Numbers, dates and amounts made here are never touched: -1500.00 stays a number.
- Money is a decimal string in major units (1500.50) in its own column beside a currency column, never a
  float; dates are ISO (2026-11-21), moments ISO with the shop's offset (2026-11-21T14:05:00+05:00).
- Rows are read in batches (yield_per: a server-side cursor on PostgreSQL) and sent in chunks of about
  64 KB as they are encoded, so exporting 100,000 invoices holds a batch in memory, not the shop.
"""
from __future__ import annotations

import codecs
import csv
import enum
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from urllib.parse import quote
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Response, stream_with_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import (
    Customer, Invoice, InvoiceLine, InvoiceStatus, Job, Payment, PaymentAllocation, PaymentMethod, Shop,
)
from .money import minor_digits

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_BYTES = 64 * 1024
BATCH_ROWS = 2000


# --- The writer ----------------------------------------------------------------------------------------------

def neutralise(cell: str) -> str:
    """Make text that a spreadsheet would run as a formula read as plain text: a single quote in front."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def money(minor: int | None, currency: str) -> Decimal | None:
    """An amount in major units, exact, for a money column: 150050 PKR is Decimal('1500.50')."""
    return None if minor is None else Decimal(int(minor)).scaleb(-_minor_digits(currency))


@lru_cache(maxsize=32)
def _minor_digits(currency: str) -> int:
    return minor_digits(currency)


def labels(mapping: dict) -> dict:
    """Translate a table of lazy labels once, for a file of many rows (not once per row)."""
    return {key: str(label) for key, label in mapping.items()}


def cell_text(value, *, zone: ZoneInfo | None = None) -> str:
    """One cell as text: numbers and dates as they are, text neutralised, nothing as an empty cell."""
    kind = type(value)
    if kind is str:  # most cells: the quick ways first
        return neutralise(value)
    if value is None:
        return ""
    if kind is int or kind is Decimal:
        return str(value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None and zone is not None:
            value = value.astimezone(zone)
        return value.isoformat(timespec="seconds")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        value = value.value
    return neutralise(str(value))


def encode_rows(header: Sequence, rows: Iterable[Sequence], *, timezone: str | None = None) -> Iterator[bytes]:
    """Yield the file's bytes in chunks: the byte-order mark and the header first, then the rows."""
    zone = ZoneInfo(timezone) if timezone else None
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([cell_text(name) for name in header])
    first = True
    for row in rows:
        writer.writerow([cell_text(value, zone=zone) for value in row])
        if buffer.tell() >= CHUNK_BYTES:
            yield _take(buffer, bom=first)
            first = False
    yield _take(buffer, bom=first)


def _take(buffer: io.StringIO, *, bom: bool) -> bytes:
    data = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    return (codecs.BOM_UTF8 + data) if bom else data


def csv_response(filename: str, header: Sequence, rows: Iterable[Sequence], *,
                 timezone: str | None = None) -> Response:
    """Send rows as a CSV download, streamed while they are read (the request stays open until the end)."""
    response = Response(stream_with_context(encode_rows(header, rows, timezone=timezone)),
                        mimetype="text/csv")
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def content_disposition(filename: str) -> str:
    """An attachment header any browser reads: an ASCII name, and the exact one (RFC 6266) when it differs."""
    stem, dot, suffix = filename.rpartition(".")
    if not dot:
        stem, suffix = filename, ""
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_stem).strip("-.") or "export"
    ascii_suffix = re.sub(r"[^A-Za-z0-9]+", "", suffix)
    ascii_name = f"{ascii_stem}.{ascii_suffix}" if ascii_suffix else ascii_stem
    header = f'attachment; filename="{ascii_name}"'
    if ascii_name != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header


def _batched(statement) -> Iterator[sa.Row]:
    """The statement's rows, fetched a batch at a time (a server-side cursor where the database has one)."""
    yield from db.session.execute(statement, execution_options={"yield_per": BATCH_ROWS})


# --- The shop's exports ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Export:
    key: str
    label: object
    description: object
    dated: bool  # whether a period applies to it
    build: Callable[[Shop, date | None, date | None], tuple[list, Iterator]]


def _issued_per_customer(shop: Shop):
    return (
        sa.select(Invoice.customer_id.label("customer_id"), sa.func.sum(Invoice.total_minor).label("owed"))
        .where(Invoice.shop_id == shop.id, Invoice.status == InvoiceStatus.ISSUED)
        .group_by(Invoice.customer_id).subquery()
    )


def _paid_per_customer(shop: Shop):
    return (
        sa.select(Payment.customer_id.label("customer_id"), sa.func.sum(Payment.amount_minor).label("paid"))
        .where(Payment.shop_id == shop.id, Payment.voided_at.is_(None))
        .group_by(Payment.customer_id).subquery()
    )


def _paid_per_invoice(shop: Shop):
    return (
        sa.select(PaymentAllocation.invoice_id.label("invoice_id"),
                  sa.func.sum(PaymentAllocation.amount_minor).label("paid"))
        .where(PaymentAllocation.shop_id == shop.id, PaymentAllocation.voided_at.is_(None))
        .group_by(PaymentAllocation.invoice_id).subquery()
    )


def _allocated_per_payment(shop: Shop):
    return (
        sa.select(PaymentAllocation.payment_id.label("payment_id"),
                  sa.func.sum(PaymentAllocation.amount_minor).label("allocated"))
        .where(PaymentAllocation.shop_id == shop.id, PaymentAllocation.voided_at.is_(None))
        .group_by(PaymentAllocation.payment_id).subquery()
    )


def _utc_bounds(shop: Shop, date_from: date | None, date_to: date | None) -> tuple[datetime | None, datetime | None]:
    """The UTC moments a range of the shop's days starts and ends at (the end excluded)."""
    zone = ZoneInfo(shop.timezone)
    start = datetime.combine(date_from, time(), tzinfo=zone) if date_from else None
    end = datetime.combine(date_to + timedelta(days=1), time(), tzinfo=zone) if date_to else None
    return start, end


def _phones(shop: Shop) -> Callable[[str], str]:
    """Phone numbers as people read them, each worked out once per file (a customer has many invoices)."""
    from .phones import format_phone

    @lru_cache(maxsize=20_000)
    def readable(e164: str) -> str:
        return format_phone(e164, shop.country) if e164 else ""

    return readable


def customers_export(shop: Shop, date_from: date | None = None, date_to: date | None = None):
    """Every customer, archived ones too, with what they owe (negative: their credit)."""
    owed, paid = _issued_per_customer(shop), _paid_per_customer(shop)
    statement = (
        sa.select(Customer.id, Customer.name, Customer.phone, Customer.email, Customer.address, Customer.notes,
                  Customer.preferred_locale, Customer.created_at, Customer.archived_at,
                  (sa.func.coalesce(owed.c.owed, 0) - sa.func.coalesce(paid.c.paid, 0)).label("balance"))
        .outerjoin(owed, owed.c.customer_id == Customer.id)
        .outerjoin(paid, paid.c.customer_id == Customer.id)
        .where(Customer.shop_id == shop.id)
        .order_by(Customer.id)
    )
    header = [_("Name"), _("Phone"), _("Email"), _("Address"), _("Balance"), _("Currency"), _("Notes"),
              _("Language"), _("Added on"), _("Archived on")]

    def rows():
        phone = _phones(shop)
        for row in _batched(statement):
            yield [row.name, phone(row.phone), row.email, row.address, money(row.balance, shop.currency),
                   shop.currency, row.notes, row.preferred_locale, row.created_at, row.archived_at]

    return header, rows()


def jobs_export(shop: Shop, date_from: date | None = None, date_to: date | None = None):
    """Jobs taken in the period (all of them without one), oldest first."""
    from .jobs import JOB_STATUS_LABELS

    start, end = _utc_bounds(shop, date_from, date_to)
    statement = (
        sa.select(Job.id, Job.title, Job.description, Job.status, Job.due_date, Job.due_time, Job.quoted_minor,
                  Job.notes, Job.created_at, Customer.name.label("customer"), Customer.phone.label("phone"))
        .join(Customer, Customer.id == Job.customer_id)
        .where(Job.shop_id == shop.id)
        .order_by(Job.created_at, Job.id)
    )
    if start is not None:
        statement = statement.where(Job.created_at >= start)
    if end is not None:
        statement = statement.where(Job.created_at < end)
    header = [_("Job"), _("Title"), _("Customer"), _("Phone"), _("Status"), _("Due date"), _("Due time"),
              _("Quoted"), _("Currency"), _("Taken on"), _("Description"), _("Notes")]

    def rows():
        phone, statuses = _phones(shop), labels(JOB_STATUS_LABELS)
        for row in _batched(statement):
            yield [row.id, row.title, row.customer, phone(row.phone), statuses[row.status],
                   row.due_date, row.due_time.strftime("%H:%M") if row.due_time else None,
                   money(row.quoted_minor, shop.currency), shop.currency if row.quoted_minor is not None else None,
                   row.created_at, row.description, row.notes]

    return header, rows()


def _invoice_period(statement, shop: Shop, date_from: date | None, date_to: date | None):
    if date_from is not None:
        statement = statement.where(Invoice.issue_date >= date_from)
    if date_to is not None:
        statement = statement.where(Invoice.issue_date <= date_to)
    return statement


def invoices_export(shop: Shop, date_from: date | None = None, date_to: date | None = None):
    """Invoices dated in the period, oldest first: totals, what is paid and due, the status a person sees."""
    from .clock import shop_today
    from .invoices import STATUS_LABELS, TERM_LABELS, display_status

    paid = _paid_per_invoice(shop)
    replaced = aliased(Invoice)
    statement = _invoice_period(
        # Every column of the invoice, so a row reads like one (for display_status), without the ORM's cost.
        sa.select(*Invoice.__table__.columns, sa.func.coalesce(paid.c.paid, 0).label("paid"),
                  Customer.name.label("customer"), Customer.phone.label("phone"), replaced.number.label("replaces"))
        .join(Customer, Customer.id == Invoice.customer_id)
        .outerjoin(paid, paid.c.invoice_id == Invoice.id)
        .outerjoin(replaced, replaced.id == Invoice.replaces_id)
        .where(Invoice.shop_id == shop.id)
        .order_by(Invoice.issue_date, Invoice.id),
        shop, date_from, date_to,
    )
    header = [_("Invoice ID"), _("Number"), _("Invoice date"), _("Due date"), _("Customer"), _("Phone"), _("Status"),
              _("Terms"), _("Subtotal"), _("Discount"), _("Tax"), _("Total"), _("Paid"), _("Due"), _("Currency"),
              _("Notes"), _("Voided on"), _("Reason for voiding"), _("Replaces")]
    today = shop_today(shop)

    def rows():
        phone, statuses, terms = _phones(shop), labels(STATUS_LABELS), labels(TERM_LABELS)
        for row in _batched(statement):
            invoice, paid_minor, currency = row, int(row.paid), row.currency
            status = display_status(invoice, paid_minor, today)  # the status the invoices list shows
            due = invoice.total_minor - paid_minor if invoice.status == InvoiceStatus.ISSUED else 0
            yield [invoice.id, invoice.number, invoice.issue_date, invoice.due_date, row.customer,
                   phone(row.phone), statuses[status], terms[invoice.terms],
                   money(invoice.subtotal_minor, currency), money(invoice.discount_minor, currency),
                   money(invoice.tax_minor, currency), money(invoice.total_minor, currency),
                   money(paid_minor, currency), money(due, currency), currency, invoice.notes, invoice.voided_at,
                   invoice.void_reason, row.replaces]

    return header, rows()


def invoice_lines_export(shop: Shop, date_from: date | None = None, date_to: date | None = None):
    """Every line of the invoices dated in the period, with its invoice's number, date and customer."""
    from .invoices import STATUS_LABELS, DisplayStatus

    statement = _invoice_period(
        sa.select(Invoice.id.label("invoice_id"), Invoice.number, Invoice.issue_date, Invoice.status,
                  Invoice.currency, Customer.name.label("customer"), InvoiceLine.position,
                  InvoiceLine.description, InvoiceLine.quantity, InvoiceLine.unit_price_minor,
                  InvoiceLine.discount_percent, InvoiceLine.tax_percent, InvoiceLine.net_minor,
                  InvoiceLine.invoice_discount_minor, InvoiceLine.tax_minor, InvoiceLine.total_minor)
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(InvoiceLine.shop_id == shop.id, Invoice.shop_id == shop.id)
        .order_by(Invoice.issue_date, Invoice.id, InvoiceLine.position),
        shop, date_from, date_to,
    )
    stored = {InvoiceStatus.DRAFT: DisplayStatus.DRAFT, InvoiceStatus.ISSUED: DisplayStatus.ISSUED,
              InvoiceStatus.VOID: DisplayStatus.VOID}
    header = [_("Invoice ID"), _("Number"), _("Invoice date"), _("Status"), _("Customer"), _("Line"),
              _("Description"), _("Quantity"), _("Unit price"), _("Discount %"), _("Tax %"), _("Net"),
              _("Share of invoice discount"), _("Tax"), _("Line total"), _("Currency")]

    def rows():
        statuses = {key: str(STATUS_LABELS[value]) for key, value in stored.items()}
        for row in _batched(statement):
            yield [row.invoice_id, row.number, row.issue_date, statuses[row.status], row.customer,
                   row.position + 1, row.description, Decimal(row.quantity).normalize(),
                   money(row.unit_price_minor, row.currency), Decimal(row.discount_percent).normalize(),
                   Decimal(row.tax_percent).normalize(), money(row.net_minor, row.currency),
                   money(row.invoice_discount_minor, row.currency), money(row.tax_minor, row.currency),
                   money(row.total_minor, row.currency), row.currency]

    return header, rows()


def _payment_period(statement, date_from: date | None, date_to: date | None):
    if date_from is not None:
        statement = statement.where(Payment.received_on >= date_from)
    if date_to is not None:
        statement = statement.where(Payment.received_on <= date_to)
    return statement


def payments_export(shop: Shop, date_from: date | None = None, date_to: date | None = None):
    """Payments received in the period, oldest first: what went against invoices and what is left as credit."""
    from .payments import METHOD_LABELS

    allocated = _allocated_per_payment(shop)
    statement = _payment_period(
        sa.select(Payment.id, Payment.received_on, Payment.method, Payment.reference, Payment.note,
                  Payment.amount_minor, Payment.currency, Payment.voided_at, Payment.void_reason,
                  sa.func.coalesce(allocated.c.allocated, 0).label("allocated"),
                  Customer.name.label("customer"), Customer.phone.label("phone"))
        .join(Customer, Customer.id == Payment.customer_id)
        .outerjoin(allocated, allocated.c.payment_id == Payment.id)
        .where(Payment.shop_id == shop.id)
        .order_by(Payment.received_on, Payment.id),
        date_from, date_to,
    )
    header = [_("Payment ID"), _("Received on"), _("Customer"), _("Phone"), _("Method"), _("Reference"),
              _("Amount"), _("Set against invoices"), _("Kept as credit"), _("Currency"), _("Note"),
              _("Voided on"), _("Reason for voiding")]

    def rows():
        phone, methods = _phones(shop), labels(METHOD_LABELS)
        for row in _batched(statement):
            live = row.voided_at is None
            credit = row.amount_minor - int(row.allocated) if live else 0
            yield [row.id, row.received_on, row.customer, phone(row.phone),
                   methods[PaymentMethod(row.method)], row.reference, money(row.amount_minor, row.currency),
                   money(int(row.allocated), row.currency), money(credit, row.currency), row.currency, row.note,
                   row.voided_at, row.void_reason]

    return header, rows()


def allocations_export(shop: Shop, date_from: date | None = None, date_to: date | None = None):
    """How the payments received in the period were set against invoices, undone ones too."""
    statement = _payment_period(
        sa.select(PaymentAllocation.payment_id, Payment.received_on, Customer.name.label("customer"),
                  PaymentAllocation.invoice_id, Invoice.number, PaymentAllocation.amount_minor, Payment.currency,
                  PaymentAllocation.created_at, PaymentAllocation.voided_at)
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .join(Invoice, Invoice.id == PaymentAllocation.invoice_id)
        .join(Customer, Customer.id == Payment.customer_id)
        .where(PaymentAllocation.shop_id == shop.id, Payment.shop_id == shop.id)
        .order_by(Payment.received_on, PaymentAllocation.payment_id, PaymentAllocation.id),
        date_from, date_to,
    )
    header = [_("Payment ID"), _("Received on"), _("Customer"), _("Invoice ID"), _("Invoice number"), _("Amount"),
              _("Currency"), _("Set on"), _("Undone on")]

    def rows():
        for row in _batched(statement):
            yield [row.payment_id, row.received_on, row.customer, row.invoice_id, row.number,
                   money(row.amount_minor, row.currency), row.currency, row.created_at, row.voided_at]

    return header, rows()


EXPORTS = {
    export.key: export for export in (
        Export("customers", _l("Customers"), _l("Name, phone, email, address and what each owes."), False,
               customers_export),
        Export("jobs", _l("Jobs"), _l("Every job with its customer, status, due date and price."), True,
               jobs_export),
        Export("invoices", _l("Invoices"), _l("One row per invoice: totals, paid, due and status."), True,
               invoices_export),
        Export("invoice-lines", _l("Invoice lines"), _l("One row per line of each invoice."), True,
               invoice_lines_export),
        Export("payments", _l("Payments"), _l("One row per payment: method, amount and credit left."), True,
               payments_export),
        Export("allocations", _l("Payment allocations"), _l("Which invoices each payment paid, and how much."),
               True, allocations_export),
    )
}


def export_filename(shop: Shop, key: str, date_from: date | None, date_to: date | None, today: date) -> str:
    """customers-2026-11-21.csv, or invoices-2026-11-01-to-2026-11-30.csv for a period."""
    if date_from or date_to:
        period = f"{date_from.isoformat() if date_from else 'start'}-to-{(date_to or today).isoformat()}"
    else:
        period = today.isoformat()
    return f"{key}-{period}.csv"
