"""Invoices: drafts, lines and totals, numbering at issue, voiding and correcting, and the list."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import (
    TERM_DAYS, Customer, Invoice, InvoiceCounter, InvoiceLine, InvoiceStatus, Job, PaymentAllocation, PaymentTerms,
    Shop, User,
)
from ..models.types import utcnow
from . import audit, customers, ledger, totals
from .errors import DomainError

MAX_LINES = 100
MAX_QUANTITY = Decimal(1_000_000)


class DisplayStatus(enum.Enum):
    """What a person sees: the stored status read together with the money paid and the date."""

    DRAFT = "draft"
    ISSUED = "issued"
    SENT = "sent"  # issued, and sent to the customer (services.links), nothing paid yet, not late
    PARTLY_PAID = "partly_paid"
    PAID = "paid"
    OVERDUE = "overdue"
    VOID = "void"


STATUS_LABELS = {
    DisplayStatus.DRAFT: _l("Draft"),
    DisplayStatus.ISSUED: _l("Issued"),
    DisplayStatus.SENT: _l("Sent"),
    DisplayStatus.PARTLY_PAID: _l("Partly paid"),
    DisplayStatus.PAID: _l("Paid"),
    DisplayStatus.OVERDUE: _l("Overdue"),
    DisplayStatus.VOID: _l("Void"),
}

TERM_LABELS = {
    PaymentTerms.ON_RECEIPT: _l("On receipt"),
    PaymentTerms.NET_7: _l("In 7 days"),
    PaymentTerms.NET_15: _l("In 15 days"),
    PaymentTerms.NET_30: _l("In 30 days"),
    PaymentTerms.CUSTOM: _l("On a date"),
}


def display_status(invoice: Invoice, paid_minor: int, today: date) -> DisplayStatus:
    if invoice.status == InvoiceStatus.DRAFT:
        return DisplayStatus.DRAFT
    if invoice.status == InvoiceStatus.VOID:
        return DisplayStatus.VOID
    if paid_minor >= invoice.total_minor:
        return DisplayStatus.PAID
    if invoice.due_date < today:
        return DisplayStatus.OVERDUE
    if paid_minor > 0:
        return DisplayStatus.PARTLY_PAID
    if invoice.sent_at is not None:
        return DisplayStatus.SENT
    return DisplayStatus.ISSUED


@dataclass(frozen=True)
class LineDraft:
    """A line as typed: checked and turned into numbers by `check_line`."""

    description: str
    quantity: Decimal
    unit_price_minor: int
    discount_percent: Decimal = Decimal(0)
    tax_percent: Decimal = Decimal(0)
    job_id: int | None = None


def parse_decimal(text: str, *, field: str, message: str) -> Decimal:
    cleaned = (str(text) if text is not None else "").strip().replace(",", "")
    cleaned = cleaned.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩٫", "01234567890123456789."))
    if not cleaned:
        return Decimal(0)
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise DomainError(message, field=field) from None
    if not value.is_finite():
        raise DomainError(message, field=field)
    return value


def check_line(line: LineDraft, *, index: int) -> LineDraft:
    """Refuse a line that cannot be right; the field names carry the line's position."""
    description = " ".join((line.description or "").split())
    if not description:
        raise DomainError(_("Say what this line is for."), field=f"lines-{index}-description")
    if not (Decimal(0) < line.quantity <= MAX_QUANTITY) or line.quantity.as_tuple().exponent < -3:
        raise DomainError(_("Use a quantity above 0, with at most 3 decimals."), field=f"lines-{index}-quantity")
    if line.unit_price_minor < 0:
        raise DomainError(_("A price cannot be negative."), field=f"lines-{index}-unit_price")
    for name, value in (("discount_percent", line.discount_percent), ("tax_percent", line.tax_percent)):
        if not (Decimal(0) <= value <= Decimal(100)) or value.as_tuple().exponent < -2:
            raise DomainError(_("Use a percentage from 0 to 100."), field=f"lines-{index}-{name}")
    return LineDraft(description[:300], line.quantity, line.unit_price_minor, line.discount_percent,
                     line.tax_percent, line.job_id)


def due_date_for(issue_date: date, terms: PaymentTerms, custom_due: date | None) -> date:
    if terms == PaymentTerms.CUSTOM:
        if custom_due is None:
            raise DomainError(_("Choose the date payment is due."), field="due_date")
        if custom_due < issue_date:
            raise DomainError(_("The due date cannot be before the invoice date."), field="due_date")
        return custom_due
    return issue_date + timedelta(days=TERM_DAYS[terms])


def _work_out(inputs: list[totals.LineInput], discount_minor: int) -> totals.InvoiceTotals:
    """The totals under the rounding rule, refusing a discount larger than the lines."""
    subtotal = totals.compute(inputs).subtotal_minor
    if discount_minor > max(subtotal, 0):
        raise DomainError(_("The discount cannot be more than the lines add up to."), field="discount")
    return totals.compute(inputs, discount_minor)


def work_out(lines: list[LineDraft], *, discount_minor: int) -> totals.InvoiceTotals:
    """Work out what a draft would come to, without saving anything: the form shows it as the shop types.

    The same checks as saving, in the same words, so that what the preview accepts the save accepts.
    """
    if len(lines) > MAX_LINES:
        raise DomainError(_("An invoice can have at most %(count)d lines.", count=MAX_LINES), field="lines")
    if discount_minor < 0:
        raise DomainError(_("The discount cannot be negative."), field="discount")
    checked = [check_line(line, index=index) for index, line in enumerate(lines)]
    return _work_out([totals.LineInput(line.quantity, line.unit_price_minor, line.discount_percent,
                                       line.tax_percent) for line in checked], discount_minor)


def recompute(invoice: Invoice) -> None:
    """Work out every line's and the invoice's totals from the lines (drafts only change)."""
    inputs = [totals.LineInput(Decimal(line.quantity), line.unit_price_minor, Decimal(line.discount_percent),
                               Decimal(line.tax_percent)) for line in invoice.lines]
    result = _work_out(inputs, invoice.discount_minor)
    ledger.add_to_invoice_totals(invoice.shop_id, total_minor=result.total_minor - (invoice.total_minor or 0))
    for line, worked in zip(invoice.lines, result.lines):
        line.net_minor = worked.net_minor
        line.invoice_discount_minor = worked.invoice_discount_minor
        line.tax_minor = worked.tax_minor
        line.total_minor = worked.total_minor
    invoice.subtotal_minor = result.subtotal_minor
    invoice.tax_minor = result.tax_minor
    invoice.total_minor = result.total_minor


def _require_draft(invoice: Invoice) -> None:
    if invoice.status != InvoiceStatus.DRAFT:
        raise DomainError(_("An issued invoice cannot be changed. Void it and issue a corrected one."))


def _set_lines(invoice: Invoice, lines: list[LineDraft], shop: Shop) -> None:
    if len(lines) > MAX_LINES:
        raise DomainError(_("An invoice can have at most %(count)d lines.", count=MAX_LINES), field="lines")
    checked = [check_line(line, index=index) for index, line in enumerate(lines)]
    job_ids = {line.job_id for line in checked if line.job_id is not None}
    if job_ids:
        owned = set(db.session.scalars(sa.select(Job.id).where(
            Job.shop_id == shop.id, Job.customer_id == invoice.customer_id, Job.id.in_(job_ids))))
        if owned != job_ids:
            raise DomainError(_("A job on this invoice is not this customer's."), field="lines")
    invoice.lines.clear()
    db.session.flush()
    for position, line in enumerate(checked):
        invoice.lines.append(InvoiceLine(
            shop_id=shop.id, position=position, description=line.description, quantity=line.quantity,
            unit_price_minor=line.unit_price_minor, discount_percent=line.discount_percent,
            tax_percent=line.tax_percent, job_id=line.job_id,
        ))


def create_draft(shop: Shop, customer: Customer, *, by: User, issue_date: date, lines: list[LineDraft] = (),
                 terms: PaymentTerms = PaymentTerms.ON_RECEIPT, due_date: date | None = None, notes: str = "",
                 discount_minor: int = 0, replaces: Invoice | None = None) -> Invoice:
    """Start an invoice for a customer: a draft, editable, without a number."""
    if customer.shop_id != shop.id:
        raise ValueError("the customer is not the shop's")
    if discount_minor < 0:
        raise DomainError(_("The discount cannot be negative."), field="discount")
    invoice = Invoice(
        shop_id=shop.id, customer_id=customer.id, currency=shop.currency, status=InvoiceStatus.DRAFT,
        issue_date=issue_date, terms=terms, due_date=due_date_for(issue_date, terms, due_date),
        notes=(notes or "").strip(), discount_minor=discount_minor, created_by_id=by.id,
        replaces_id=replaces.id if replaces else None,
    )
    db.session.add(invoice)
    _set_lines(invoice, list(lines), shop)
    recompute(invoice)
    db.session.flush()
    ledger.add_to_invoice_totals(shop.id, count=1)
    customers.touch(customer)
    return invoice


def lines_for_jobs(jobs: list[Job]) -> list[LineDraft]:
    """A line per job, priced at what was quoted: how an invoice for jobs starts."""
    return [LineDraft(job.title, Decimal(1), job.quoted_minor or 0, job_id=job.id) for job in jobs]


def draft_from_jobs(shop: Shop, customer: Customer, jobs: list[Job], *, by: User, issue_date: date) -> Invoice:
    """A draft with a line per job, priced at what was quoted."""
    return create_draft(shop, customer, by=by, issue_date=issue_date, lines=lines_for_jobs(jobs))


def unbilled_jobs(shop: Shop, customer: Customer) -> list[Job]:
    """The customer's jobs that no issued invoice bills yet, newest first: what a new invoice can be for."""
    billed = (
        sa.select(InvoiceLine.job_id)
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(Invoice.shop_id == shop.id, Invoice.customer_id == customer.id,
               Invoice.status == InvoiceStatus.ISSUED, InvoiceLine.job_id.is_not(None))
    )
    return list(db.session.scalars(
        sa.select(Job).where(Job.shop_id == shop.id, Job.customer_id == customer.id, Job.id.not_in(billed))
        .order_by(Job.created_at.desc(), Job.id.desc())
    ))


def update_draft(shop: Shop, invoice: Invoice, *, by: User, lines: list[LineDraft], issue_date: date,
                 terms: PaymentTerms, due_date: date | None, notes: str, discount_minor: int) -> None:
    """Change a draft: its lines, dates, terms, notes and discount; totals follow."""
    _require_draft(invoice)
    if discount_minor < 0:
        raise DomainError(_("The discount cannot be negative."), field="discount")
    invoice.issue_date, invoice.terms = issue_date, terms
    invoice.due_date = due_date_for(issue_date, terms, due_date)
    invoice.notes, invoice.discount_minor = (notes or "").strip(), discount_minor
    _set_lines(invoice, lines, shop)
    recompute(invoice)


def delete_draft(shop: Shop, invoice: Invoice, *, by: User) -> None:
    """Throw away a draft. Issued invoices are never deleted, only voided."""
    _require_draft(invoice)
    audit.record(shop, "invoice.draft_deleted", by=by, subject_type="invoice", subject_id=invoice.id)
    ledger.add_to_invoice_totals(shop.id, count=-1, total_minor=-invoice.total_minor)
    db.session.delete(invoice)
    db.session.flush()


def next_number(shop: Shop, year: int) -> str:
    """Take the next number for the shop and year: PREFIX-YYYY-NNNN, never reused, never twice.

    The counter row is bumped with one UPDATE … RETURNING: on PostgreSQL the row lock makes two
    people issuing at the same moment wait for each other, so each gets its own number.
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(
        insert(InvoiceCounter).values(shop_id=shop.id, year=year, last_number=0).on_conflict_do_nothing(),
        execution_options={"shop_id": shop.id},  # whose data, for the page cache (page_cache.py)
    )
    number = db.session.execute(
        sa.update(InvoiceCounter)
        .where(InvoiceCounter.shop_id == shop.id, InvoiceCounter.year == year)
        .values(last_number=InvoiceCounter.last_number + 1)
        .returning(InvoiceCounter.last_number)
    ).scalar_one()
    return f"{shop.invoice_prefix}-{year}-{number:04d}"


def issue(shop: Shop, invoice: Invoice, *, by: User) -> None:
    """Make a draft a real invoice: numbered, frozen, on the customer's account; credit applies itself."""
    from . import payments

    _require_draft(invoice)
    if not invoice.lines:
        raise DomainError(_("Add at least one line before issuing."), field="lines")
    recompute(invoice)
    invoice.number = next_number(shop, invoice.issue_date.year)
    invoice.status = InvoiceStatus.ISSUED
    invoice.issued_at, invoice.issued_by_id = utcnow(), by.id
    db.session.flush()
    ledger.add_to_balance(invoice.customer, invoice.total_minor)
    ledger.add_to_invoice_totals(shop.id, due_minor=invoice.total_minor)
    audit.record(shop, "invoice.issued", by=by, subject_type="invoice", subject_id=invoice.id,
                 number=invoice.number, total_minor=invoice.total_minor)
    payments.apply_credit(shop, invoice, by=by)
    customers.touch(invoice.customer)


def void(shop: Shop, invoice: Invoice, *, by: User, reason: str) -> None:
    """Cancel an issued invoice with a reason; money paid against it goes back to the customer's credit."""
    if invoice.status != InvoiceStatus.ISSUED:
        raise DomainError(_("Only an issued invoice can be voided."))
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError(_("Say why the invoice is voided, for the record."), field="reason")
    now = utcnow()
    ledger.add_to_invoice_totals(shop.id, total_minor=-invoice.total_minor,
                                 due_minor=-(invoice.total_minor - invoice.paid_minor))
    released = 0
    for allocation in db.session.scalars(sa.select(PaymentAllocation).where(
            PaymentAllocation.invoice_id == invoice.id, PaymentAllocation.voided_at.is_(None))):
        allocation.voided_at = now
        released += allocation.amount_minor
    invoice.status, invoice.voided_at, invoice.voided_by_id, invoice.void_reason = (
        InvoiceStatus.VOID, now, by.id, reason[:500])
    ledger.add_to_paid(invoice, -released)
    ledger.add_to_balance(invoice.customer, -invoice.total_minor)
    audit.record(shop, "invoice.voided", by=by, subject_type="invoice", subject_id=invoice.id,
                 number=invoice.number, reason=reason, released_minor=released)
    customers.touch(invoice.customer)


def correct(shop: Shop, invoice: Invoice, *, by: User, reason: str, issue_date: date) -> Invoice:
    """Void an issued invoice and start its corrected copy as a draft that says which one it replaces."""
    void(shop, invoice, by=by, reason=reason)
    lines = [LineDraft(line.description, Decimal(line.quantity), line.unit_price_minor,
                       Decimal(line.discount_percent), Decimal(line.tax_percent), line.job_id)
             for line in invoice.lines]
    return create_draft(shop, invoice.customer, by=by, issue_date=issue_date, lines=lines, terms=invoice.terms,
                        due_date=invoice.due_date if invoice.terms == PaymentTerms.CUSTOM else None,
                        notes=invoice.notes, discount_minor=invoice.discount_minor, replaces=invoice)


def quick_credit_sale(shop: Shop, customer: Customer, *, by: User, amount_minor: int, note: str,
                      today: date) -> Invoice:
    """The khata way: "gave goods worth Rs X" becomes a one-line issued invoice, due on receipt."""
    if amount_minor <= 0:
        raise DomainError(_("Enter an amount above zero."), field="amount")
    description = " ".join((note or "").split()) or _("Goods")
    invoice = create_draft(shop, customer, by=by, issue_date=today,
                           lines=[LineDraft(description, Decimal(1), amount_minor)])
    issue(shop, invoice, by=by)
    return invoice


def paid_amounts(invoice_ids: list[int]) -> dict[int, int]:
    """What has been paid against each invoice, from the allocations still standing."""
    if not invoice_ids:
        return {}
    rows = db.session.execute(
        sa.select(PaymentAllocation.invoice_id, sa.func.sum(PaymentAllocation.amount_minor))
        .where(PaymentAllocation.invoice_id.in_(invoice_ids), PaymentAllocation.voided_at.is_(None))
        .group_by(PaymentAllocation.invoice_id)
    ).all()
    return {invoice_id: int(total) for invoice_id, total in rows}


def paid_minor(invoice: Invoice) -> int:
    """What is paid on the invoice: the stored sum, kept equal to paid_amounts (see services.ledger)."""
    return invoice.paid_minor


@dataclass(frozen=True)
class InvoiceRow:
    invoice: Invoice
    paid_minor: int
    status: DisplayStatus

    @property
    def due_minor(self) -> int:
        if self.status in (DisplayStatus.DRAFT, DisplayStatus.VOID):
            return 0
        return self.invoice.total_minor - self.paid_minor


@dataclass(frozen=True)
class InvoiceList:
    rows: list[InvoiceRow]
    page: int
    has_previous: bool
    has_next: bool
    total_minor: int  # of everything the filters select, not only this page
    due_minor: int
    count: int


# Written as ix_invoices_open's own condition, with the status as a literal rather than a parameter: a
# planner uses a partial index only when it can see that the query's condition implies the index's.
OPEN_INVOICE = sa.and_(Invoice.status == sa.literal_column("'issued'"), Invoice.paid_minor < Invoice.total_minor)


class Selection(enum.Enum):
    """Wider choices than one status, for the lists that the dashboard's and reports' figures open."""

    ISSUED = "all_issued"  # every issued invoice, paid or not: what sales count
    UNPAID = "unpaid"  # issued and not fully paid, overdue or not: what is owed


SELECTION_LABELS = {Selection.ISSUED: _l("All issued"), Selection.UNPAID: _l("Unpaid")}


def list_invoices(shop: Shop, *, today: date, status: DisplayStatus | Selection | None = None,
                  customer_id: int | None = None, date_from: date | None = None, date_to: date | None = None,
                  due_from: date | None = None, due_to: date | None = None, query: str = "", page: int = 1,
                  per_page: int = 25) -> InvoiceList:
    """The invoices list: Overdue first, then newest; filtered; with the totals of everything selected.

    The rows come in two parts, each read in order from an index and stopped at the page's end: the
    overdue invoices (from ix_invoices_open, the issued ones not fully paid), then all the others.
    Without a filter the totals are the shop's stored InvoiceTotals; with one they are summed over
    what the filter selects.
    """
    page = max(1, min(page, 100_000))
    conditions = [Invoice.shop_id == shop.id]
    if customer_id is not None:
        conditions.append(Invoice.customer_id == customer_id)
    if date_from is not None:
        conditions.append(Invoice.issue_date >= date_from)
    if date_to is not None:
        conditions.append(Invoice.issue_date <= date_to)
    if due_from is not None:
        conditions.append(Invoice.due_date >= due_from)
    if due_to is not None:
        conditions.append(Invoice.due_date <= due_to)
    query = (query or "").strip()
    if query:
        conditions.append(sa.or_(
            Invoice.number.ilike(f"%{_escape(query)}%", escape="\\"),
            Invoice.customer_id.in_(sa.select(Customer.id).where(
                Customer.shop_id == shop.id, Customer.name_folded.contains(customers.fold(query), autoescape=True))),
        ))
    paid = Invoice.paid_minor
    issued = Invoice.status == InvoiceStatus.ISSUED
    open_ = OPEN_INVOICE
    overdue = sa.and_(open_, Invoice.due_date < today)
    status_conditions = {
        DisplayStatus.DRAFT: Invoice.status == InvoiceStatus.DRAFT,
        DisplayStatus.VOID: Invoice.status == InvoiceStatus.VOID,
        DisplayStatus.PAID: sa.and_(issued, paid >= Invoice.total_minor),
        DisplayStatus.OVERDUE: overdue,
        DisplayStatus.PARTLY_PAID: sa.and_(open_, Invoice.due_date >= today, paid > 0),
        DisplayStatus.ISSUED: sa.and_(open_, Invoice.due_date >= today, paid == 0, Invoice.sent_at.is_(None)),
        DisplayStatus.SENT: sa.and_(open_, Invoice.due_date >= today, paid == 0, Invoice.sent_at.is_not(None)),
    }
    status_conditions[Selection.ISSUED] = issued
    status_conditions[Selection.UNPAID] = open_
    if status is not None:
        conditions.append(status_conditions[status])
    overdue_first = status in (None, DisplayStatus.OVERDUE, Selection.ISSUED, Selection.UNPAID)

    if len(conditions) == 1:
        stored = ledger.invoice_totals(shop)
        count, total_minor, due_minor = stored.invoice_count, stored.total_minor, stored.due_minor
    else:
        count, total_minor, due_minor = db.session.execute(
            sa.select(
                sa.func.count(),
                sa.func.coalesce(sa.func.sum(sa.case((Invoice.status != InvoiceStatus.VOID, Invoice.total_minor),
                                                     else_=0)), 0),
                sa.func.coalesce(sa.func.sum(sa.case((issued, Invoice.total_minor - paid), else_=0)), 0),
            ).where(*conditions)
        ).one()

    def part(condition, offset: int, limit: int) -> list[Invoice]:
        return list(db.session.scalars(
            sa.select(Invoice).options(joinedload(Invoice.customer))
            .where(*conditions, condition)
            .order_by(Invoice.issue_date.desc(), Invoice.id.desc())
            .offset(offset).limit(limit)
        ))

    offset, wanted = (page - 1) * per_page, per_page + 1  # one more than a page says whether there is a next
    # SQLite reads the overdue part from ix_invoices_open once it has statistics (ANALYZE: migration 0005,
    # then daily); without them it would range over every issued invoice by due date and sort them.
    if not overdue_first:  # drafts, voids, paid ones, …: none of them is overdue
        found = part(sa.true(), offset, wanted)
    else:
        found = part(overdue, offset, wanted)
        if len(found) < wanted and status != DisplayStatus.OVERDUE:
            if found or offset == 0:  # the overdue ones end on this page
                overdue_count = offset + len(found)
            else:  # a page past the overdue ones: how many there are says where the others start
                overdue_count = db.session.scalar(sa.select(sa.func.count()).where(*conditions, overdue))
            found += part(sa.not_(overdue), offset + len(found) - overdue_count, wanted - len(found))
    rows = [InvoiceRow(invoice, invoice.paid_minor, display_status(invoice, invoice.paid_minor, today))
            for invoice in found[:per_page]]
    return InvoiceList(rows=rows, page=page, has_previous=page > 1, has_next=len(found) > per_page,
                       count=int(count), total_minor=int(total_minor), due_minor=int(due_minor))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def invoices_of(shop: Shop, customer: Customer) -> list[Invoice]:
    return list(db.session.scalars(
        sa.select(Invoice).where(Invoice.shop_id == shop.id, Invoice.customer_id == customer.id)
        .order_by(Invoice.issue_date.desc(), Invoice.id.desc())
    ))


def load_with_lines(shop: Shop, invoice_id: int) -> Invoice | None:
    return db.session.scalar(
        sa.select(Invoice).options(selectinload(Invoice.lines), joinedload(Invoice.customer))
        .where(Invoice.shop_id == shop.id, Invoice.id == invoice_id)
    )


@dataclass(frozen=True)
class Standing:
    """Where one invoice stands: what is paid and due, its status as a person sees it, and its relatives."""

    invoice: Invoice
    paid_minor: int
    status: DisplayStatus
    created_by: User | None
    replaces: Invoice | None
    replaced_by: Invoice | None
    allocations: list[PaymentAllocation]  # every payment set against it, undone ones too

    @property
    def due_minor(self) -> int:
        if self.status in (DisplayStatus.DRAFT, DisplayStatus.VOID):
            return 0
        return max(self.invoice.total_minor - self.paid_minor, 0)


def standing(shop: Shop, invoice: Invoice, *, today: date) -> Standing:
    """Read what the invoice page shows besides the invoice: payments, status, who started it, corrections."""
    paid = paid_minor(invoice)
    replaces = (db.session.scalar(sa.select(Invoice).where(Invoice.shop_id == shop.id,
                                                           Invoice.id == invoice.replaces_id))
                if invoice.replaces_id else None)
    replaced_by = db.session.scalar(
        sa.select(Invoice).where(Invoice.shop_id == shop.id, Invoice.replaces_id == invoice.id)
        .order_by(Invoice.id.desc()).limit(1)
    )
    created_by = db.session.get(User, invoice.created_by_id) if invoice.created_by_id else None
    allocations = list(db.session.scalars(
        sa.select(PaymentAllocation).options(joinedload(PaymentAllocation.payment))
        .where(PaymentAllocation.shop_id == shop.id, PaymentAllocation.invoice_id == invoice.id)
        .order_by(PaymentAllocation.id)
    ))
    return Standing(invoice=invoice, paid_minor=paid, status=display_status(invoice, paid, today),
                    created_by=created_by, replaces=replaces, replaced_by=replaced_by, allocations=allocations)
