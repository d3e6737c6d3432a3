"""Views for payments: the list, recording one (in full, or "received Rs X" in two taps), its page, voiding it."""
from datetime import date

from flask import abort, flash, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from ...extensions import db
from ...forms import choices, show_domain_error
from ...htmx import redirect_to, render, trigger, wants_fragment
from ...i18n import isolated
from ...models import Customer, Invoice, Payment, PaymentMethod
from ...page_cache import cached
from ...permissions import requires
from ...services import clock, jobs, ledger, payments
from ...services.errors import DomainError
from ...services.money import format_money
from ...tenancy import current_shop, get_for_shop_or_404, shop_required
from . import bp
from .forms import CHOOSE, PaymentForm, QuickPaymentForm, VoidPaymentForm, optional_id, read_amount


@bp.app_context_processor
def payment_helpers():
    # The quick "received" form is drawn on the customer's page, which another area renders.
    return {"payment_method_labels": payments.METHOD_LABELS, "quick_payment_form": _quick_form}


def _own(model, raw_id):
    """The current shop's row for an id from a form or the query string; None when none was given."""
    object_id = optional_id(raw_id)
    return get_for_shop_or_404(model, object_id) if object_id is not None else None


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _method(value) -> PaymentMethod | None:
    try:
        return PaymentMethod(value) if value else None
    except ValueError:
        return None


def _money(minor: int) -> str:
    """An amount as the `money` filter writes it, for a sentence made here."""
    shop = current_shop()
    return format_money(minor, shop.currency, territory=shop.country)


def _recorded_message(payment: Payment) -> str:
    """What the shop is told once a payment is in the book, the credit it leaves said in so many words."""
    credit = payments.unallocated_minor(payment)
    name = isolated(payment.customer.name)
    if credit > 0:
        return _("%(amount)s received from %(name)s. %(credit)s will be kept as credit.",
                 amount=_money(payment.amount_minor), name=name, credit=_money(credit))
    return _("%(amount)s received from %(name)s.", amount=_money(payment.amount_minor), name=name)


def _record(shop, customer: Customer, values: dict) -> Payment:
    """Record the payment and commit it: the same idempotency key twice, even at the same moment, is one payment.

    Two requests racing with one key both find no payment; the database lets one insert it and refuses the
    other, which then answers with the payment that won.
    """
    try:
        payment, _created = payments.record(shop, customer, by=current_user, **values)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        payment = payments.find_by_key(shop, values["idempotency_key"]) if values.get("idempotency_key") else None
        if payment is None:
            raise
    return payment


# The list


@bp.get("")
@shop_required
@requires("payments.view")
@cached
def index():
    shop = current_shop()
    customers = payments.customers_with_payments(shop)
    wanted = optional_id(request.args.get("customer_id"))
    # The filter's own list says whether the id is the shop's; only an id outside it costs a query.
    customer = next(((id_, name) for id_, name in customers if id_ == wanted), None)
    if wanted is not None and customer is None:
        found = get_for_shop_or_404(Customer, wanted)
        customer = (found.id, found.name)
    filters = {"customer_id": customer[0] if customer else None, "method": _method(request.args.get("method")),
               "date_from": _date(request.args.get("date_from")), "date_to": _date(request.args.get("date_to"))}
    results = payments.list_filtered(shop, page=request.args.get("page", 1, type=int), **filters)
    response = render("payments/index.html", "payments/_results.html", results=results, filters=filters,
                      customer=customer, customers=customers)
    if wants_fragment():
        # The filter form sends empty fields too; history keeps the tidy address of what is shown.
        response.headers["HX-Push-Url"] = _list_url(filters, page=results.page)
    return response


def _list_url(filters: dict, page: int = 1) -> str:
    return url_for("payments.index", customer_id=filters["customer_id"],
                   method=filters["method"].value if filters["method"] else None,
                   date_from=filters["date_from"].isoformat() if filters["date_from"] else None,
                   date_to=filters["date_to"].isoformat() if filters["date_to"] else None,
                   page=page if page > 1 else None)


# Recording a payment


def _payment_form(shop, customer: Customer | None, *, sent: MultiDict | None, fixed: bool) -> PaymentForm:
    """The payment form for a customer (or for choosing one), with their open invoices as allocation rows."""
    sent = sent if sent is not None else MultiDict()
    open_ = payments.open_invoices(shop, customer) if customer is not None else []
    form = PaymentForm(formdata=sent or None, currency=shop.currency, money=_money, today=clock.shop_today(shop),
                       open_invoices=open_, typed=sent,
                       data={"received_on": clock.shop_today(shop), "customer_id": customer.id if customer else None})
    if fixed:
        del form.customer_id
    else:
        form.customer_id.choices = choices([("", _("Choose a customer")), *jobs.customer_choices(shop)])
        if customer is not None and customer.id not in {choice.value for choice in form.customer_id.choices}:
            # An archived customer can still pay what they owe.
            form.customer_id.choices.append(choices([(customer.id, customer.name)])[0])
        # Choosing the customer fetches the form again, with their open invoices and credit.
        form.customer_id.description = _("Their open invoices show once you choose.")
        form.customer_id.render_kw = {"hx-get": url_for("payments.new", choose_customer=1), "hx-trigger": "change",
                                      "hx-include": "closest form",
                                      "hx-params": "not csrf_token,idempotency_key,allocate"}
    form.names_closed_invoice = _names_closed_invoice(form, sent)
    return form


def _names_closed_invoice(form: PaymentForm, sent: MultiDict) -> bool:
    """Whether an amount was sent against an invoice not among the customer's open ones (another shop's is 404)."""
    listed = {row.invoice.id for row in form.rows}
    closed = False
    for name, value in sent.items():
        invoice_id = optional_id(name.removeprefix("alloc-")) if name.startswith("alloc-") else None
        if invoice_id is None or invoice_id in listed:
            continue
        get_for_shop_or_404(Invoice, invoice_id)
        closed = closed or read_amount(value, form.currency) not in (None, 0)
    return closed


def _form_page(form: PaymentForm, customer: Customer | None, *, fixed: bool, status: int = 200):
    shop = current_shop()
    preview = None
    if customer is not None and form.amount_minor is not None:
        if form.choosing:
            form.read_rows()
        preview = payments.plan([(row.invoice, row.due_minor) for row in form.rows], form.amount_minor,
                                form.chosen())
    return render("payments/new.html", "payments/_form.html", status=status, form=form, customer=customer,
                  fixed_customer=fixed, preview=preview,
                  credit_minor=payments.credit_minor(shop, customer) if customer else 0,
                  balance_minor=ledger.balance(shop, customer) if customer else 0)


@bp.get("/new")
@shop_required
@requires("payments.record")
def new():
    shop = current_shop()
    invoice = _own(Invoice, request.args.get("invoice_id"))
    customer = invoice.customer if invoice is not None else _own(Customer, request.args.get("customer_id"))
    fixed = customer is not None and request.args.get("choose_customer") != "1"
    form = _payment_form(shop, customer, sent=request.args, fixed=fixed)
    if invoice is not None:
        form.preselect(invoice)
    # Asked again as the amount is typed, for the preview of where the money goes.
    form.read_typed_amount()
    return _form_page(form, customer, fixed=fixed)


@bp.post("")
@shop_required
@requires("payments.record")
def create():
    shop = current_shop()
    fixed = request.form.get("fixed_customer") == "1"
    customer = _own(Customer, request.form.get("customer_id"))
    key = request.form.get("idempotency_key", "").strip()
    existing = payments.find_by_key(shop, key) if key else None
    if existing is not None:
        # A double tap or a retry: the payment is in the book already; answer as the first time.
        return _after_recording(existing)
    form = _payment_form(shop, customer, sent=request.form, fixed=fixed and customer is not None)
    valid = form.validate_on_submit()
    if form.allocate.data == CHOOSE and form.names_closed_invoice:
        # Paid meanwhile (or voided): the rows drawn again show what is open now.
        form.form_errors.append(_("An invoice you chose is no longer open. Check the amounts again."))
        valid = False
    if valid:
        try:
            payment = _record(shop, customer, form.payment_values())
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            return _after_recording(payment)
    return _form_page(form, customer, fixed=fixed and customer is not None, status=422)


def _after_recording(payment: Payment):
    flash(_recorded_message(payment), "success")
    return redirect_to(url_for("payments.show", payment_id=payment.id))


# "Received Rs X" from the customer's page


def _quick_form(formdata=None) -> QuickPaymentForm:
    return QuickPaymentForm(formdata=formdata, currency=current_shop().currency)


def _quick_answer(customer: Customer, *, form: QuickPaymentForm | None = None, recorded: Payment | None = None,
                  status: int = 200):
    response = make_response(render_template(
        "payments/_quick_received_form.html", customer=customer, quick_form=form or _quick_form(),
        recorded=recorded, recorded_message=_recorded_message(recorded) if recorded else None), status)
    response.vary.add("HX-Request")
    if recorded is not None:
        trigger(response, "payment-recorded", {"id": recorded.id, "customer_id": recorded.customer_id,
                                               "amount_minor": recorded.amount_minor})
    return response


@bp.post("/quick")
@shop_required
@requires("payments.record")
def quick():
    shop = current_shop()
    customer = _own(Customer, request.form.get("customer_id"))
    if customer is None:
        abort(400)  # the quick form always names its customer
    key = request.form.get("idempotency_key", "").strip()
    payment = payments.find_by_key(shop, key) if key else None
    if payment is None:
        form = _quick_form(request.form)
        if not form.validate_on_submit():
            return _quick_refused(customer, form)
        payment = _record(shop, customer, form.payment_values(received_on=clock.shop_today(shop)))
    if wants_fragment():
        return _quick_answer(customer, recorded=payment)
    flash(_recorded_message(payment), "success")
    return redirect_to(url_for("customers.show", customer_id=customer.id))


def _quick_refused(customer: Customer, form: QuickPaymentForm):
    """Bad input: the quick form again with its errors, or, without htmx, the full form with what was typed."""
    if wants_fragment():
        return _quick_answer(customer, form=form, status=422)
    full = _payment_form(current_shop(), customer, sent=request.form, fixed=True)
    full.validate()
    return _form_page(full, customer, fixed=True, status=422)


# A payment's page, and voiding it


def _payment_page(payment: Payment, *, void_form: VoidPaymentForm | None = None, status: int = 200):
    return render("payments/show.html", "payments/_payment.html", status=status,
                  details=payments.details(current_shop(), payment),
                  void_form=void_form or VoidPaymentForm(formdata=None))


@bp.get("/<int:payment_id>")
@shop_required
@requires("payments.view")
def show(payment_id: int):
    return _payment_page(get_for_shop_or_404(Payment, payment_id))


@bp.post("/<int:payment_id>/void")
@shop_required
@requires("payments.void")
def void(payment_id: int):
    shop = current_shop()
    payment = get_for_shop_or_404(Payment, payment_id)
    form = VoidPaymentForm()
    if form.validate_on_submit():
        try:
            payments.void(shop, payment, by=current_user, reason=form.reason.data)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            if wants_fragment():
                return trigger(_payment_page(payment), "payment-voided",
                               {"id": payment.id, "customer_id": payment.customer_id})
            flash(_("The payment was voided. Its invoices are due again."), "success")
            return redirect_to(url_for("payments.show", payment_id=payment.id))
    return _payment_page(payment, void_form=form, status=422)
