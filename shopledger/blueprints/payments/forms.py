"""Forms for recording a payment (in full, or "received Rs X" in two taps) and for voiding one."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, ValidationError

from ...forms import amount_as_text, choices, max_length, optional_id
from ...models import Invoice, PaymentMethod
from ...page_cache import per_render_token
from ...services.money import MoneyError, parse_amount
from ...services.payments import METHOD_LABELS

# Far beyond any shop's till, far inside a 64-bit column.
MAX_AMOUNT_MINOR = 10**13

AUTO, CHOOSE = "auto", "choose"


def new_idempotency_key() -> str:
    """A fresh key for a form as it is drawn: the same key sent twice records one payment. (A page served
    again from the page cache gets new ones: two tabs showing one kept page still record two payments.)"""
    return per_render_token()


def read_amount(text: str | None, currency: str) -> int | None:
    """An amount typed into a box, in minor units; None when it is not an amount."""
    try:
        return parse_amount(text or "", currency)
    except MoneyError:
        return None


@dataclass
class AllocationRow:
    """One of the customer's open invoices on the form: what is due, and what was typed against it."""

    invoice: Invoice
    due_minor: int
    typed: str = ""
    amount_minor: int = 0
    error: str | None = None

    @property
    def field_name(self) -> str:
        return f"alloc-{self.invoice.id}"


class PaymentAmountMixin:
    """The amount and how it was paid: the two fields every way of recording a payment has."""

    currency: str
    amount_minor: int | None

    def validate_amount(self, field):
        text = (field.data or "").strip()
        if not text:
            raise ValidationError(_l("Enter the amount received."))
        minor = read_amount(text, self.currency)
        if minor is None:
            raise ValidationError(_l("Enter the amount as a number, like 1500."))
        if minor <= 0:
            raise ValidationError(_l("Enter an amount above zero."))
        if minor > MAX_AMOUNT_MINOR:
            raise ValidationError(_l("That amount is too large."))
        self.amount_minor = minor

    def read_typed_amount(self) -> None:
        """Read the amount of a form still being filled in, judging nothing: None until it is an amount."""
        minor = read_amount(self.amount.data, self.currency)
        self.amount_minor = minor if minor is not None and 0 < minor <= MAX_AMOUNT_MINOR else None


def _method_choices():
    return choices((method.value, label) for method, label in METHOD_LABELS.items())


class QuickPaymentForm(PaymentAmountMixin, FlaskForm):
    """"Received Rs X" from the customer's page: the amount and the method, nothing else to fill in."""

    # Ids of their own: the customer's page has other forms with an amount.
    amount = StringField(_l("Amount"), id="received-amount", validators=[max_length(20)])
    method = SelectField(_l("Paid by"), id="received-method", default=PaymentMethod.CASH.value)
    idempotency_key = HiddenField(id="received-key", validators=[max_length(64)])

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.amount_minor = None
        self.method.choices = _method_choices()
        if not self.idempotency_key.data:
            self.idempotency_key.data = new_idempotency_key()

    def payment_values(self, *, received_on: date) -> dict:
        return {"amount_minor": self.amount_minor, "received_on": received_on,
                "method": PaymentMethod(self.method.data), "idempotency_key": self.idempotency_key.data}


class PaymentForm(PaymentAmountMixin, FlaskForm):
    """The whole of a payment, with the amounts set against each of the customer's open invoices."""

    customer_id = SelectField(_l("Who paid?"), coerce=optional_id, validate_choice=False)
    amount = StringField(_l("Amount received"), validators=[max_length(20)])
    received_on = DateField(_l("Date received"), validators=[InputRequired(_l("Choose the date it was received."))])
    method = SelectField(_l("How was it paid?"), default=PaymentMethod.CASH.value)
    reference = StringField(_l("Reference"), validators=[max_length(120)],
                            description=_l("Optional: a cheque number, or the transaction ID of a transfer."))
    note = TextAreaField(_l("Note"), validators=[max_length(2000)])
    allocate = RadioField(_l("Set it against"), default=AUTO)
    idempotency_key = HiddenField(validators=[max_length(64)])

    names_closed_invoice = False  # an amount was sent against an invoice that is not open (any more)

    def __init__(self, *args, currency: str, money: Callable[[int], str], today: date,
                 open_invoices: list[tuple[Invoice, int]] = (), typed: dict | None = None, **kwargs):
        """`typed` holds what was sent (the form or the query string), for the amounts against invoices;
        `money` writes an amount the way the shop's pages do."""
        super().__init__(*args, **kwargs)
        self.currency, self.money, self.today = currency, money, today
        self.amount_minor = None
        self.amount.description = _("In %(currency)s.", currency=currency)
        self.method.choices = _method_choices()
        self.allocate.choices = choices([(AUTO, _l("The oldest first")), (CHOOSE, _l("Invoices I choose"))])
        if not self.idempotency_key.data:
            self.idempotency_key.data = new_idempotency_key()
        typed = typed or {}
        self.rows = [AllocationRow(invoice, due, typed.get(f"alloc-{invoice.id}", "").strip())
                     for invoice, due in open_invoices]

    @property
    def choosing(self) -> bool:
        return bool(self.rows) and self.allocate.data == CHOOSE

    def validate_customer_id(self, field):
        if field.data is None:
            raise ValidationError(_l("Choose the customer who paid."))

    def validate_received_on(self, field):
        if field.data and field.data > self.today:
            raise ValidationError(_l("The date cannot be later than today."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.choosing:
            return valid
        rows_valid = self.read_rows()
        if self.amount_minor is not None and sum(row.amount_minor for row in self.rows) > self.amount_minor:
            self.amount.errors = [*self.amount.errors,
                                  _("The amounts set against invoices add up to more than was paid.")]
            return False
        return valid and rows_valid

    def read_rows(self) -> bool:
        """Read every row (a list, not a generator: each wrong row gets its own message)."""
        return all([self.read_row(row) for row in self.rows])  # noqa: C419

    def read_row(self, row: AllocationRow) -> bool:
        """Read the amount typed against one invoice; say what is wrong with it next to it."""
        row.amount_minor, row.error = 0, None
        if not row.typed:
            return True
        minor = read_amount(row.typed, self.currency)
        if minor is None or minor < 0:
            row.error = _("Enter the amount as a number, like 1500.")
        elif minor > row.due_minor:
            row.error = _("%(number)s has only %(due)s due.", number=row.invoice.number,
                          due=self.money(row.due_minor))
        else:
            row.amount_minor = minor
        return row.error is None

    def chosen(self) -> dict[int, int] | None:
        """The amounts to set against each invoice, or None for the oldest first."""
        if not self.choosing:
            return None
        return {row.invoice.id: row.amount_minor for row in self.rows if row.amount_minor > 0}

    def payment_values(self) -> dict:
        chosen = self.chosen()
        return {
            "amount_minor": self.amount_minor, "received_on": self.received_on.data,
            "method": PaymentMethod(self.method.data), "reference": self.reference.data or "",
            "note": self.note.data or "", "idempotency_key": self.idempotency_key.data,
            "allocations": None if chosen is None else [(row.invoice, chosen[row.invoice.id])
                                                         for row in self.rows if row.invoice.id in chosen],
        }

    def preselect(self, invoice: Invoice) -> None:
        """Start from one invoice: set against it, for what is due on it."""
        for row in self.rows:
            if row.invoice.id == invoice.id:
                self.allocate.data = CHOOSE
                row.typed = row.typed or amount_as_text(row.due_minor, self.currency)
                if not self.amount.data:
                    self.amount.data = amount_as_text(row.due_minor, self.currency)


class VoidPaymentForm(FlaskForm):
    reason = TextAreaField(_l("Why is it voided?"), validators=[max_length(500)],
                           description=_l("Kept with the payment, like 'Cheque bounced' or 'Entered twice'."))
