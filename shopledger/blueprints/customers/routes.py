"""Views for customers: the list and its search, the customer's page and khata, who owes what, statements,
adding, editing, archiving."""
from flask import abort, flash, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...forms import show_domain_error
from ...htmx import redirect_to, render, trigger, wants_fragment
from ...i18n import isolated
from ...models import Customer
from ...page_cache import cached
from ...permissions import requires
from ...services import clock, customers, jobs, ledger, payments
from ...services.errors import DomainError
from ...services.phones import format_phone
from ...tenancy import current_shop, get_for_shop_or_404, shop_required
from . import bp
from .forms import CustomerForm, StatementForm, statement_periods

# The customer's page shows the latest entries of their khata (the statement has all of them) and their
# newest jobs (the jobs board, filtered to them, has all of those).
LEDGER_ENTRIES = 20
JOBS_SHOWN = 10


def _details(customer: Customer, twins: list[Customer] | None = None, **context):
    """The customer's page, or only its details card; the card warns of others with the same phone."""
    if twins is None:
        twins = customers.customers_with_phone(current_shop(), customer.phone, except_id=customer.id)
    return render("customers/show.html", "customers/_details.html", customer=customer, twins=twins, **context)


def _account(customer: Customer) -> dict:
    """The customer's khata for their page: the balance, and the latest entries with a running balance."""
    account, earlier, first_on = ledger.latest_entries(current_shop(), customer, LEDGER_ENTRIES)
    return {"balance_minor": account.closing_minor, "account": account, "earlier_entries": earlier,
            "first_entry_on": first_on, "method_labels": payments.METHOD_LABELS}


def _form(page: str, form: CustomerForm, customer: Customer | None = None, status: int = 200):
    """The customer form, as a page or as the fragment that opens in place, with the same-phone warning."""
    twins = customers.customers_with_typed_phone(current_shop(), form.phone.data,
                                                 except_id=customer.id if customer else None)
    return render(page, "customers/_form.html", status=status, form=form, customer=customer, twins=twins)


@bp.get("")
@shop_required
@requires("customers.view")
@cached
def index():
    archived = request.args.get("archived") == "1"
    shop = current_shop()
    results = customers.list_customers(shop, query=request.args.get("q", ""),
                                       page=request.args.get("page", 1, type=int), archived=archived)
    return render("customers/index.html", "customers/_results.html", results=results, archived=archived)


@bp.get("/owing")
@shop_required
@requires("customers.view")
@cached
def owing():
    shop = current_shop()
    order = "age" if request.args.get("order") == "age" else "amount"
    return render("customers/owing.html", "customers/_owing.html", order=order, today=clock.shop_today(shop),
                  debtors=ledger.who_owes(shop, order=order), owed=ledger.total_owed(shop))


@bp.get("/new")
@shop_required
@requires("customers.edit")
def new():
    shop = current_shop()
    return _form("customers/new.html", CustomerForm(country=shop.country, preferred_locale=shop.default_locale))


@bp.post("")
@shop_required
@requires("customers.edit")
def create():
    shop = current_shop()
    form = CustomerForm(country=shop.country)
    if form.validate_on_submit():
        try:
            customer = customers.create_customer(shop, by=current_user, **form.values())
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("%(name)s was added.", name=isolated(customer.name)), "success")
            return redirect_to(url_for("customers.show", customer_id=customer.id))
    return _form("customers/new.html", form, status=422)


@bp.get("/phone-check")
@shop_required
@requires("customers.edit")
def phone_check():
    twins = customers.customers_with_typed_phone(current_shop(), request.args.get("phone", ""),
                                                 except_id=request.args.get("except_id", type=int))
    return render_template("customers/_phone_check.html", twins=twins)


@bp.get("/<int:customer_id>")
@shop_required
@requires("customers.view")
@cached
def show(customer_id: int):
    shop = current_shop()
    found = customers.with_phone_twins(shop, customer_id)
    if found is None:
        abort(404)
    customer, twins = found
    if wants_fragment():
        return _details(customer, twins)  # the details card alone, as the edit form's Cancel asks for
    newest_jobs = jobs.jobs_of(shop, customer, limit=JOBS_SHOWN + 1)
    account = _account(customer)
    # Jobs or khata entries already say it is referred to; only a customer with neither needs asking.
    referenced = bool(newest_jobs or account["account"].entries) or customers.is_referenced(customer)
    return _details(customer, twins, jobs=newest_jobs[:JOBS_SHOWN], more_jobs=len(newest_jobs) > JOBS_SHOWN,
                    job_status_labels=jobs.JOB_STATUS_LABELS, today=clock.shop_today(shop), referenced=referenced,
                    **account)


@bp.get("/<int:customer_id>/ledger", endpoint="ledger")
@shop_required
@requires("customers.view")
@cached
def ledger_fragment(customer_id: int):
    """The khata's entries, with the balance swapped out of band: redrawn after a sale or payment is recorded."""
    customer = get_for_shop_or_404(Customer, customer_id)
    if not wants_fragment():
        return redirect_to(url_for("customers.show", customer_id=customer.id, _anchor="account"))
    response = make_response(render_template("customers/_ledger.html", customer=customer, oob=True,
                                             **_account(customer)))
    response.vary.add("HX-Request")
    return response


@bp.get("/<int:customer_id>/statement")
@shop_required
@requires("customers.view")
def statement(customer_id: int):
    customer = get_for_shop_or_404(Customer, customer_id)
    shop = current_shop()
    today = clock.shop_today(shop)
    form = StatementForm(formdata=request.args, today=today)
    if not form.validate():
        return render("customers/statement.html", "customers/_statement.html", status=422, customer=customer,
                      form=form, account=None, periods=statement_periods(today))
    account = ledger.statement(shop, customer, date_from=form.start, date_to=form.end)
    return render("customers/statement.html", "customers/_statement.html", customer=customer, form=form,
                  account=account, periods=statement_periods(today), method_labels=payments.METHOD_LABELS)


@bp.get("/<int:customer_id>/edit")
@shop_required
@requires("customers.edit")
def edit(customer_id: int):
    customer = get_for_shop_or_404(Customer, customer_id)
    form = CustomerForm(obj=customer, country=current_shop().country)
    form.phone.data = format_phone(customer.phone, current_shop().country)
    return _form("customers/edit.html", form, customer)


@bp.post("/<int:customer_id>")
@shop_required
@requires("customers.edit")
def update(customer_id: int):
    customer = get_for_shop_or_404(Customer, customer_id)
    form = CustomerForm(country=current_shop().country)
    if form.validate_on_submit():
        try:
            customers.update_customer(current_shop(), customer, by=current_user, **form.values())
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            if wants_fragment():
                return trigger(_details(customer), "customer-changed", {"id": customer.id})
            flash(_("Saved."), "success")
            return redirect_to(url_for("customers.show", customer_id=customer.id))
    return _form("customers/edit.html", form, customer, status=422)


@bp.get("/<int:customer_id>/archive")
@shop_required
@requires("customers.edit")
def confirm_archive(customer_id: int):
    customer = get_for_shop_or_404(Customer, customer_id)
    return render_template("customers/confirm_archive.html", customer=customer)


@bp.post("/<int:customer_id>/archive")
@shop_required
@requires("customers.edit")
def archive(customer_id: int):
    customer = get_for_shop_or_404(Customer, customer_id)
    customers.archive(current_shop(), customer, by=current_user)
    db.session.commit()
    flash(_("%(name)s is archived. Their jobs stay; find them under Archived.", name=isolated(customer.name)), "success")
    return redirect_to(url_for("customers.show", customer_id=customer.id))


@bp.post("/<int:customer_id>/restore")
@shop_required
@requires("customers.edit")
def restore(customer_id: int):
    customer = get_for_shop_or_404(Customer, customer_id)
    customers.unarchive(current_shop(), customer, by=current_user)
    db.session.commit()
    flash(_("%(name)s is back in the list.", name=isolated(customer.name)), "success")
    return redirect_to(url_for("customers.show", customer_id=customer.id))


@bp.get("/<int:customer_id>/delete")
@shop_required
@requires("customers.delete")
def confirm_delete(customer_id: int):
    customer = get_for_shop_or_404(Customer, customer_id)
    return render_template("customers/confirm_delete.html", customer=customer,
                           referenced=customers.is_referenced(customer))


@bp.post("/<int:customer_id>/delete")
@shop_required
@requires("customers.delete")
def delete(customer_id: int):
    customer = get_for_shop_or_404(Customer, customer_id)
    name = customer.name
    try:
        customers.delete(current_shop(), customer, by=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect_to(url_for("customers.show", customer_id=customer_id))
    db.session.commit()
    flash(_("%(name)s was deleted.", name=isolated(name)), "success")
    return redirect_to(url_for("customers.index"))
