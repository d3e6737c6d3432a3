"""Views for PDFs: an invoice, a payment's receipt, a customer's statement, each in the customer's language."""
import re
from datetime import date

from flask import abort, request

from ... import pdf
from ...models import Customer, Invoice, Payment
from ...permissions import requires
from ...services import clock
from ...tenancy import current_shop, get_for_shop_or_404, shop_required
from . import bp


@bp.get("/invoices/<int:invoice_id>/pdf")
@shop_required
@requires("invoices.view")
def invoice(invoice_id: int):
    shop = current_shop()
    found = get_for_shop_or_404(Invoice, invoice_id)
    return pdf.respond(pdf.invoice_document(shop, found, today=clock.shop_today(shop)))


@bp.get("/payments/<int:payment_id>/receipt.pdf")
@shop_required
@requires("payments.view")
def receipt(payment_id: int):
    shop = current_shop()
    found = get_for_shop_or_404(Payment, payment_id)
    return pdf.respond(pdf.receipt_document(shop, found, today=clock.shop_today(shop)))


@bp.get("/customers/<int:customer_id>/statement.pdf")
@shop_required
@requires("customers.view")
def statement(customer_id: int):
    shop = current_shop()
    customer = get_for_shop_or_404(Customer, customer_id)
    today = clock.shop_today(shop)
    date_from, date_to = _date_argument("from"), _date_argument("to") or today
    if date_from is not None and date_from > date_to:
        abort(400)
    return pdf.respond(pdf.statement_document(shop, customer, date_from=date_from, date_to=date_to, today=today))


def _date_argument(name: str) -> date | None:
    """A YYYY-MM-DD date from the query string; none when left out, 400 when it is not a date."""
    text = request.args.get(name, "").strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        abort(400)
    try:
        return date.fromisoformat(text)
    except ValueError:
        abort(400)
