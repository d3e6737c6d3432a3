"""Views for invoices: the list, the draft form and its live totals, the invoice page and its lifecycle, credit sales."""
from dataclasses import replace

from flask import abort, flash, make_response, render_template, request, url_for
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...forms import show_domain_error
from ...htmx import redirect_to, render, trigger, wants_fragment
from ...i18n import isolated
from ...models import Customer, Invoice, Job
from ...page_cache import cached
from ...permissions import requires
from ...services import clock, invoices, jobs
from ...services.errors import DomainError
from ...services.money import format_money
from ...tenancy import current_shop, get_for_shop_or_404, scoped, shop_required
from . import bp
from .forms import CreditSaleForm, InvoiceForm, LineForm, ListFilters, VoidForm, optional_id

MAX_ROW_INDEX = 10_000
# The list's status filters, most wanted first: what is late, then what is still to be paid.
FILTER_STATUSES = [invoices.DisplayStatus.OVERDUE, invoices.Selection.UNPAID, invoices.DisplayStatus.ISSUED,
                   invoices.DisplayStatus.SENT, invoices.DisplayStatus.PARTLY_PAID, invoices.DisplayStatus.PAID,
                   invoices.Selection.ISSUED, invoices.DisplayStatus.DRAFT, invoices.DisplayStatus.VOID]
FILTER_LABELS = {**invoices.STATUS_LABELS, **invoices.SELECTION_LABELS}


@bp.app_context_processor
def invoice_helpers():
    # The status badge and the credit sale form are drawn on other areas' pages too (a customer's page).
    return {"invoice_status_labels": invoices.STATUS_LABELS, "invoice_term_labels": invoices.TERM_LABELS,
            "format_decimal": format_decimal, "format_percent": format_percent}


def _own(model, raw_id):
    """The current shop's row for an id from a form or the query string; None when none was given."""
    object_id = optional_id(raw_id)
    return get_for_shop_or_404(model, object_id) if object_id is not None else None


def _load(invoice_id: int) -> Invoice:
    invoice = invoices.load_with_lines(current_shop(), invoice_id)
    if invoice is None:
        abort(404)
    return invoice


def _own_jobs(customer: Customer | None, job_ids) -> list[Job]:
    """The customer's jobs for these ids, in the order given; another shop's or another customer's is 404."""
    wanted = list(dict.fromkeys(job_id for job_id in map(optional_id, job_ids) if job_id is not None))
    if not wanted:
        return []
    found = {job.id: job for job in db.session.scalars(scoped(Job).where(Job.id.in_(wanted)))}
    if len(found) != len(wanted) or customer is None or any(job.customer_id != customer.id for job in found.values()):
        abort(404)
    return [found[job_id] for job_id in wanted]


def _changed(response, invoice: Invoice):
    return trigger(response, "invoice-changed", {"id": invoice.id, "customer_id": invoice.customer_id})


# The list


@bp.get("")
@shop_required
@requires("invoices.view")
@cached
def index():
    shop = current_shop()
    filters = ListFilters.from_args(request.args)
    customer = _own(Customer, filters.customer_id)
    listing = invoices.list_invoices(
        shop, today=clock.shop_today(shop), status=filters.status, customer_id=filters.customer_id,
        date_from=filters.date_from, date_to=filters.date_to, due_from=filters.due_from, due_to=filters.due_to,
        query=filters.query, page=filters.page,
    )
    response = render("invoices/index.html", "invoices/_results.html", listing=listing, filters=filters,
                      customer=customer, statuses=FILTER_STATUSES, filter_labels=FILTER_LABELS)
    if wants_fragment():
        # The filter form sends its empty fields too; history keeps the tidy address of what is shown.
        response.headers["HX-Push-Url"] = filters.url(page=filters.page)
    return response


# The draft form


def _work_out(form: InvoiceForm):
    """The totals of what the form holds (None until what is wrong in it is put right), each good row's
    amount, and the due date."""
    worked = due_on = None
    if not any(field.errors for row in form.rows for field in row) and not form.discount.errors:
        try:
            worked = invoices.work_out(form.line_drafts, discount_minor=form.discount_minor)
        except DomainError as error:
            form.place_error(error)
    if worked is not None:
        lines = worked.lines
    else:
        # A row's own amount does not wait for the others; its tax does, as the invoice's discount shares into it.
        try:
            lines = [replace(line, tax_minor=0) for line in invoices.work_out(form.line_drafts, discount_minor=0).lines]
        except DomainError:
            lines = []
    if form.issue_date.data and not form.terms.errors and not form.due_date.errors:
        try:
            due_on = invoices.due_date_for(form.issue_date.data, form.payment_terms, form.due_date.data)
        except DomainError as error:
            form.place_error(error)
    return worked, due_on, dict(zip((row.row_id for row in form.line_rows), lines))


def _form_page(page: str, form: InvoiceForm, *, customer: Customer | None, invoice: Invoice | None = None,
               fragment: str = "invoices/_form.html", status: int = 200, chosen_jobs=()):
    shop = current_shop()
    worked, due_on, amounts = _work_out(form)
    context = {"form": form, "customer": customer, "invoice": invoice, "worked": worked, "due_on": due_on,
               "amounts": amounts}
    if invoice is None:
        # The new invoice page also offers the customers to choose from, and the chosen one's jobs.
        context.update(customer_choices=_customer_choices(shop, customer), chosen_job_ids={j.id for j in chosen_jobs},
                       open_jobs=invoices.unbilled_jobs(shop, customer) if customer is not None else [])
    return render(page, fragment, status=status, **context)


def _customer_choices(shop, customer: Customer | None) -> list[tuple[int, str]]:
    listed = jobs.customer_choices(shop)
    if customer is not None and customer.id not in {customer_id for customer_id, _name in listed}:
        listed.insert(0, (customer.id, customer.name))  # archived, yet chosen on purpose from their page
    return listed


@bp.get("/new")
@shop_required
@requires("invoices.edit")
def new():
    shop = current_shop()
    customer = _own(Customer, request.args.get("customer_id"))
    chosen = _own_jobs(customer, request.args.getlist("job_id"))
    form = InvoiceForm.blank(currency=shop.currency, issue_date=clock.shop_today(shop),
                             lines=invoices.lines_for_jobs(chosen))
    form.read()
    return _form_page("invoices/new.html", form, customer=customer, fragment="invoices/_editor.html",
                      chosen_jobs=chosen)


@bp.post("")
@shop_required
@requires("invoices.edit")
def create():
    shop = current_shop()
    customer = _own(Customer, request.form.get("customer_id"))
    form = InvoiceForm(currency=shop.currency)
    _own_jobs(customer, form.job_ids())
    if form.validate_on_submit() and customer is not None:
        try:
            invoice = invoices.create_draft(shop, customer, by=current_user, **form.draft_values())
        except DomainError as error:
            db.session.rollback()
            form.place_error(error)
        else:
            db.session.commit()
            flash(_("Draft saved. Issue it when it is right."), "success")
            return redirect_to(url_for("invoices.show", invoice_id=invoice.id))
    if customer is None:
        form.form_errors.append(_("Choose who the invoice is for."))
    form.focus_first_error()
    return _form_page("invoices/new.html", form, customer=customer, status=422)


@bp.get("/<int:invoice_id>/edit")
@shop_required
@requires("invoices.edit")
def edit(invoice_id: int):
    invoice = _load(invoice_id)
    if not invoice.is_draft:
        flash(_("An issued invoice cannot be changed. Void it and issue a corrected one."), "error")
        return redirect_to(url_for("invoices.show", invoice_id=invoice.id))
    form = InvoiceForm.for_draft(invoice, currency=current_shop().currency)
    form.read()
    return _form_page("invoices/edit.html", form, customer=invoice.customer, invoice=invoice)


def _refused(message: str, status: int = 409):
    """Refuse a change that can no longer be made, in the shape of every other refusal."""
    template = "_toast_error.html" if wants_fragment() else "error.html"
    response = make_response(render_template(template, status=status, message=message), status)
    response.vary.add("HX-Request")
    return response


@bp.post("/<int:invoice_id>")
@shop_required
@requires("invoices.edit")
def update(invoice_id: int):
    shop = current_shop()
    invoice = _load(invoice_id)
    if not invoice.is_draft:
        return _refused(_("An issued invoice cannot be changed. Void it and issue a corrected one."))
    form = InvoiceForm(currency=shop.currency)
    _own_jobs(invoice.customer, form.job_ids())
    if form.validate_on_submit():
        try:
            invoices.update_draft(shop, invoice, by=current_user, **form.draft_values())
        except DomainError as error:
            db.session.rollback()
            form.place_error(error)
        else:
            db.session.commit()
            flash(_("Draft saved."), "success")
            return redirect_to(url_for("invoices.show", invoice_id=invoice.id))
    form.focus_first_error()
    invoice = _load(invoice_id)
    return _form_page("invoices/edit.html", form, customer=invoice.customer, invoice=invoice, status=422)


@bp.post("/preview")
@shop_required
@requires("invoices.edit")
def preview():
    """The totals of the form as typed, nothing saved: a fragment for htmx, the whole form without script."""
    shop = current_shop()
    invoice = _own(Invoice, request.form.get("invoice_id"))
    if invoice is not None and not invoice.is_draft:
        return _refused(_("An issued invoice cannot be changed. Void it and issue a corrected one."))
    customer = invoice.customer if invoice is not None else _own(Customer, request.form.get("customer_id"))
    form = InvoiceForm(currency=shop.currency)
    _own_jobs(customer, form.job_ids())
    removed = request.form.get("remove_line", "")
    removed = removed if form.remove_row(removed) else None
    if not wants_fragment():
        # Without script, the Add line, Remove and Update totals buttons post here and get the whole form back.
        if request.form.get("add_line"):
            form.add_row()
        form.validate()
        page = "invoices/edit.html" if invoice is not None else "invoices/new.html"
        return _form_page(page, form, customer=customer, invoice=invoice)
    form.validate()
    worked, due_on, amounts = _work_out(form)
    shown = [*(field for row in form.rows for field in row), form.discount, form.issue_date, form.due_date]
    problems = form.line_problems or any(field.errors for field in shown if field.type != "HiddenField")
    response = make_response(render_template(
        "invoices/_preview.html", form=form, worked=worked, due_on=due_on, amounts=amounts, removed=removed,
    ), 422 if problems else 200)
    response.vary.add("HX-Request")
    return response


@bp.get("/line-row")
@shop_required
@requires("invoices.edit")
def line_row():
    """A blank line for the form, and the Add line button that asks for the one after it."""
    index = min(max(request.args.get("index", 0, type=int), 0), MAX_ROW_INDEX)
    line = LineForm(prefix=f"lines-{index}-", data={"quantity": "1"})
    response = make_response(render_template("invoices/_line_row.html", line=line, next_index=index + 1))
    response.vary.add("HX-Request")
    return response


# The invoice page and its lifecycle


def _invoice_page(invoice: Invoice, *, status: int = 200, void_form: VoidForm | None = None,
                  action_error: str | None = None, notice: str | None = None):
    shop = current_shop()
    facts = invoices.standing(shop, invoice, today=clock.shop_today(shop))
    return render(
        "invoices/show.html", "invoices/_invoice.html", status=status, invoice=invoice, facts=facts,
        void_form=void_form or VoidForm(formdata=None), action_error=action_error, notice=notice,
    )


def _after_change(invoice: Invoice, message: str):
    """Answer a change on the invoice page: its fresh fragment and an event, or the page again without script."""
    if wants_fragment():
        return _changed(_invoice_page(invoice, notice=message), invoice)
    flash(message, "success")
    return redirect_to(url_for("invoices.show", invoice_id=invoice.id))


@bp.get("/<int:invoice_id>")
@shop_required
@requires("invoices.view")
def show(invoice_id: int):
    return _invoice_page(_load(invoice_id))


@bp.post("/<int:invoice_id>/issue")
@shop_required
@requires("invoices.edit")
def issue(invoice_id: int):
    invoice = _load(invoice_id)
    try:
        invoices.issue(current_shop(), invoice, by=current_user)
    except DomainError as error:
        db.session.rollback()
        return _invoice_page(_load(invoice_id), status=422, action_error=error.message)
    db.session.commit()
    return _after_change(invoice, _("Issued as %(number)s.", number=isolated(invoice.number)))


def _void_refused(invoice_id: int, form: VoidForm, error: DomainError | None = None):
    db.session.rollback()
    action_error = None
    if error is not None and error.field == "reason":
        show_domain_error(form, error)
    elif error is not None:
        action_error = error.message
    return _invoice_page(_load(invoice_id), status=422, void_form=form, action_error=action_error)


@bp.post("/<int:invoice_id>/void")
@shop_required
@requires("invoices.void")
def void(invoice_id: int):
    invoice = _load(invoice_id)
    form = VoidForm()
    if not form.validate_on_submit():
        return _void_refused(invoice_id, form)
    try:
        invoices.void(current_shop(), invoice, by=current_user, reason=form.reason.data or "")
    except DomainError as error:
        return _void_refused(invoice_id, form, error)
    db.session.commit()
    return _after_change(invoice, _("%(number)s is void.", number=isolated(invoice.number)))


@bp.post("/<int:invoice_id>/correct")
@shop_required
@requires("invoices.void")
def correct(invoice_id: int):
    shop = current_shop()
    invoice = _load(invoice_id)
    form = VoidForm()
    if not form.validate_on_submit():
        return _void_refused(invoice_id, form)
    try:
        corrected = invoices.correct(shop, invoice, by=current_user, reason=form.reason.data or "",
                                     issue_date=clock.shop_today(shop))
    except DomainError as error:
        return _void_refused(invoice_id, form, error)
    db.session.commit()
    flash(_("%(number)s is void. Here is its copy as a draft: put right what was wrong, then issue it.",
            number=isolated(invoice.number)), "success")
    return _changed(redirect_to(url_for("invoices.edit", invoice_id=corrected.id)), invoice)


@bp.post("/<int:invoice_id>/delete")
@shop_required
@requires("invoices.edit")
def delete(invoice_id: int):
    invoice = _load(invoice_id)
    try:
        invoices.delete_draft(current_shop(), invoice, by=current_user)
    except DomainError as error:
        db.session.rollback()
        return _invoice_page(_load(invoice_id), status=422, action_error=error.message)
    db.session.commit()
    flash(_("Draft deleted."), "success")
    return redirect_to(url_for("invoices.index"))


# The khata way: a credit sale in two taps, from the customer's page


@bp.post("/credit-sale")
@shop_required
@requires("invoices.edit")
def credit_sale():
    shop = current_shop()
    customer = _own(Customer, request.form.get("customer_id"))
    form = CreditSaleForm(currency=shop.currency)
    if form.validate_on_submit() and customer is not None:
        try:
            invoice = invoices.quick_credit_sale(shop, customer, by=current_user, amount_minor=form.amount_minor,
                                                 note=form.note.data or "", today=clock.shop_today(shop))
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            message = _("%(amount)s added to %(name)s's account as %(number)s.",
                        amount=format_money(invoice.total_minor, invoice.currency, territory=shop.country),
                        name=isolated(customer.name),
                        number=isolated(invoice.number))
            if not wants_fragment():
                flash(message, "success")
                return redirect_to(url_for("customers.show", customer_id=customer.id))
            response = make_response(render_template(
                "invoices/_credit_sale_form.html", customer=customer, credit_sale_done=invoice,
                credit_sale_notice=message, credit_form=CreditSaleForm(formdata=None, currency=shop.currency)))
            response.vary.add("HX-Request")
            return _changed(response, invoice)
    if customer is None:
        form.form_errors.append(_("Choose the customer the goods went to."))
    return render("invoices/credit_sale.html", "invoices/_credit_sale_form.html", status=422, customer=customer,
                  credit_form=form)
