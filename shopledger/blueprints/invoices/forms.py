"""Forms for an invoice draft and its lines, for voiding, and for the quick credit sale."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    Form,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Optional, ValidationError

from ...forms import amount_as_text, choices, max_length, optional_id, show_domain_error
from ...models import PaymentTerms
from ...services.errors import DomainError
from ...services.invoices import (
    TERM_LABELS,
    DisplayStatus,
    LineDraft,
    Selection,
    check_line,
    parse_decimal,
)
from ...services.money import MoneyError, parse_amount

LINE_FIELDS = ("description", "quantity", "unit_price", "discount_percent", "tax_percent")
ROW_KEY = re.compile(r"lines-(\d{1,6})-")


def percent_as_text(value: Decimal | None) -> str:
    """A percentage as a person would type it back: 17, or 12.5; nothing for none."""
    if not value:
        return ""
    return format(Decimal(value).normalize(), "f")


def quantity_as_text(value: Decimal) -> str:
    return format(Decimal(value).normalize(), "f")


class LineForm(Form):
    """One line as typed. Numbers stay text until the invoice form reads them, so a refusal shows them as typed."""

    job_id = HiddenField()
    description = StringField(_l("Item or work"), validators=[max_length(300)])
    quantity = StringField(_l("Quantity"), default="1")
    unit_price = StringField(_l("Price each"))
    discount_percent = StringField(_l("Discount %"))
    tax_percent = StringField(_l("Tax %"))

    @property
    def row_id(self) -> str:
        """The row's own name, like lines-3: its fields are lines-3-quantity and so on."""
        return self._prefix.rstrip("-")

    @property
    def index(self) -> int:
        return int(self.row_id.rsplit("-", 1)[1])

    def is_blank(self) -> bool:
        """A row with neither a description nor a price is not a line yet (an added row left empty)."""
        return not (self.description.data or "").strip() and not (self.unit_price.data or "").strip()

    def has_extras(self) -> bool:
        """Whether the row's discount or tax should show: something is typed there, or wrong there."""
        return any((field.data or "").strip() not in ("", "0") or field.errors
                   for field in (self.discount_percent, self.tax_percent))

    @staticmethod
    def data_for(line, currency: str) -> dict:
        """A saved line (or a LineDraft) as the row shows it."""
        return {
            "job_id": line.job_id or "", "description": line.description,
            "quantity": quantity_as_text(line.quantity), "unit_price": amount_as_text(line.unit_price_minor, currency),
            "discount_percent": percent_as_text(line.discount_percent),
            "tax_percent": percent_as_text(line.tax_percent),
        }


class InvoiceForm(FlaskForm):
    """The draft's own fields, and its rows: each a LineForm named lines-N-…, N as the browser sent it.

    The rows are not a FieldList: that renumbers them after reading, and the names the page holds
    (lines-3-quantity, with its error slot lines-3-quantity-error) must stay the names answers use.
    """

    discount = StringField(_l("Discount on the whole invoice"), validators=[max_length(20)])
    issue_date = DateField(_l("Invoice date"), validators=[InputRequired(_l("Choose the invoice date."))])
    terms = SelectField(_l("Payment due"), validate_choice=False)
    due_date = DateField(_l("Due on"), validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=[max_length(5000)],
                          description=_l("Printed on the invoice, like delivery details or a thank-you."))

    def __init__(self, *args, currency: str, rows: list[dict] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if rows is None and self.is_submitted():
            indices = sorted({int(found.group(1)) for key in request.form if (found := ROW_KEY.match(key))})
            self.rows = [LineForm(request.form, prefix=f"lines-{index}-") for index in indices]
        else:
            self.rows = [LineForm(prefix=f"lines-{index}-", data=data) for index, data in enumerate(rows or ())]
        self.currency = currency
        self.terms.choices = choices((terms.value, label) for terms, label in TERM_LABELS.items())
        self.discount.description = _l("An amount in %(currency)s, taken off before tax.", currency=currency)
        self.line_problems: list[str] = []
        self.line_drafts: list[LineDraft] = []
        self.line_rows: list[LineForm] = []  # the rows the drafts came from, in the same order
        self.discount_minor = 0
        self.payment_terms = PaymentTerms.ON_RECEIPT

    @classmethod
    def blank(cls, *, currency: str, issue_date: date, lines: list[LineDraft] = ()) -> InvoiceForm:
        """A new invoice's form: the given lines, or one empty row to start typing in."""
        rows = [LineForm.data_for(line, currency) for line in lines] or [{"quantity": "1"}]
        return cls(currency=currency, rows=rows,
                   data={"issue_date": issue_date, "terms": PaymentTerms.ON_RECEIPT.value})

    @classmethod
    def for_draft(cls, invoice, *, currency: str) -> InvoiceForm:
        """A draft's form, filled with what it holds."""
        return cls(currency=currency, rows=[LineForm.data_for(line, currency) for line in invoice.lines] or [
            {"quantity": "1"}], data={
            "discount": amount_as_text(invoice.discount_minor, currency) if invoice.discount_minor else "",
            "issue_date": invoice.issue_date, "terms": invoice.terms.value,
            "due_date": invoice.due_date if invoice.terms == PaymentTerms.CUSTOM else None,
            "notes": invoice.notes,
        })

    @property
    def next_index(self) -> int:
        """The index the next added row takes: above every row there is, so that names never repeat."""
        return max((row.index for row in self.rows), default=-1) + 1

    def remove_row(self, row_id: str) -> bool:
        """Drop a row before reading the form (the remove button of the row); return whether it was there."""
        kept = [row for row in self.rows if row.row_id != row_id]
        removed = len(kept) != len(self.rows)
        self.rows = kept
        return removed

    def add_row(self) -> None:
        self.rows.append(LineForm(prefix=f"lines-{self.next_index}-", data={"quantity": "1"}))

    def job_ids(self) -> set[int]:
        return {job_id for row in self.rows if (job_id := optional_id(row.job_id.data)) is not None}

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        valid = all([row.validate() for row in self.rows]) and valid  # every row, so that every row shows its problem
        return self.read() and valid

    def read(self) -> bool:
        """Turn what was typed into numbers, each refusal next to its own field; return whether all was good."""
        good = True
        self.line_drafts, self.line_rows = [], []
        for row in self.rows:
            if row.is_blank():
                continue
            draft = self._read_row(row)
            if draft is None:
                good = False
                continue
            self.line_drafts.append(draft)
            self.line_rows.append(row)
        try:
            text = (self.discount.data or "").strip()
            self.discount_minor = parse_amount(text, self.currency) if text else 0
        except MoneyError:
            self.discount.errors = [*self.discount.errors, _("Enter the discount as an amount, like 200.")]
            good = False
        try:
            self.payment_terms = PaymentTerms(self.terms.data)
        except ValueError:
            self.terms.errors = [*self.terms.errors, _("Choose when payment is due.")]
            good = False
        return good

    def _read_row(self, row: LineForm) -> LineDraft | None:
        def refuse(field, message):
            field.errors = [*field.errors, message]

        values = {}
        for name, message in (
            ("quantity", _("Enter the quantity as a number, like 2 or 1.5.")),
            ("discount_percent", _("Enter the discount as a percentage, like 10.")),
            ("tax_percent", _("Enter the tax as a percentage, like 17.")),
        ):
            field = row[name]
            try:
                values[name] = parse_decimal(field.data, field=field.name, message=message)
            except DomainError as error:
                refuse(field, error.message)
        try:
            values["unit_price"] = parse_amount(row.unit_price.data or "", self.currency)
        except MoneyError:
            refuse(row.unit_price, _("Enter the price as a number, like 1500."))
        if any(row[name].errors for name in LINE_FIELDS):
            return None
        draft = LineDraft(row.description.data or "", values["quantity"], values["unit_price"],
                          values["discount_percent"], values["tax_percent"], optional_id(row.job_id.data))
        try:
            # The service's own checks, named for this row (lines-3-quantity), so every row shows its problem at once.
            return check_line(draft, index=row.index)
        except DomainError as error:
            refuse(row[error.field.rsplit("-", 1)[1]], error.message)
            return None

    def place_error(self, error: DomainError) -> None:
        """Put a service's refusal next to its field; a line's position is the position among the rows read."""
        parts = (error.field or "").split("-")
        if len(parts) == 3 and parts[0] == "lines" and parts[1].isdigit():
            position = int(parts[1])
            if position < len(self.line_rows) and parts[2] in LINE_FIELDS:
                field = self.line_rows[position][parts[2]]
                field.errors = [*field.errors, error.message]
                return
        if error.field == "lines":
            self.line_problems.append(error.message)
            return
        show_domain_error(self, error)

    def draft_values(self) -> dict:
        """The draft's values as the service takes them."""
        return {
            "lines": self.line_drafts, "issue_date": self.issue_date.data, "terms": self.payment_terms,
            "due_date": self.due_date.data, "notes": self.notes.data or "", "discount_minor": self.discount_minor,
        }

    def focus_first_error(self) -> None:
        """Put the cursor in the first field to fix (htmx focuses [autofocus] after the swap)."""
        ordered = [row[name] for row in self.rows for name in LINE_FIELDS]
        ordered += [self.discount, self.issue_date, self.terms, self.due_date, self.notes]
        for field in ordered:
            if field.errors:
                field.render_kw = {**(field.render_kw or {}), "autofocus": True}
                return


class VoidForm(FlaskForm):
    reason = TextAreaField(_l("Why is it voided?"), validators=[max_length(500)],
                           description=_l("Kept with the invoice, like 'Wrong price' or 'Goods returned'."))


class CreditSaleForm(FlaskForm):
    amount = StringField(_l("Goods worth"), validators=[InputRequired(_l("Enter the amount, like 2500.")),
                                                        max_length(20)])
    note = StringField(_l("Note (optional)"), validators=[max_length(300)])

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.amount_minor = 0

    def validate_amount(self, field):
        try:
            self.amount_minor = parse_amount(field.data or "", self.currency)
        except MoneyError:
            raise ValidationError(_l("Enter the amount as a number, like 2500.")) from None


@dataclass(frozen=True)
class ListFilters:
    """What the invoices list is narrowed to, read from the query string and written back into links."""

    status: DisplayStatus | Selection | None = None
    customer_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    due_from: date | None = None  # set by the links from the dashboard and the reports (money owed by age)
    due_to: date | None = None
    query: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args) -> ListFilters:
        def day(name):
            try:
                return date.fromisoformat(args.get(name, ""))
            except ValueError:
                return None

        wanted = args.get("status", "")
        status = next((choice for kind in (DisplayStatus, Selection) for choice in kind if choice.value == wanted),
                      None)
        page = args.get("page", 1, type=int) or 1
        return cls(status=status, customer_id=optional_id(args.get("customer_id")), date_from=day("from"),
                   date_to=day("to"), due_from=day("due_from"), due_to=day("due_to"),
                   query=(args.get("q") or "").strip()[:100], page=max(1, min(page, 100_000)))

    @property
    def narrowed(self) -> bool:
        return bool(self.status or self.customer_id or self.date_from or self.date_to or self.due_from
                    or self.due_to or self.query)

    def url(self, **changes) -> str:
        """This list's address, tidy: only what is set, with any changes (page=2, customer_id=None)."""
        values = {
            "status": self.status.value if self.status else None, "customer_id": self.customer_id,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "due_from": self.due_from.isoformat() if self.due_from else None,
            "due_to": self.due_to.isoformat() if self.due_to else None, "q": self.query or None, "page": None,
        }
        values.update(changes)
        if values.get("page") == 1:
            values["page"] = None
        return url_for("invoices.index", **{name: value for name, value in values.items() if value is not None})
