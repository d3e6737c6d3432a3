"""Views for customers: the list and its search, the customer's page, adding, editing, archiving."""
from flask import flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...forms import show_domain_error
from ...htmx import redirect_to, render, trigger, wants_fragment
from ...i18n import isolated
from ...models import Customer
from ...permissions import requires
from ...services import clock, customers, jobs
from ...services.errors import DomainError
from ...services.phones import format_phone
from ...tenancy import current_shop, get_for_shop_or_404, shop_required
from . import bp
from .forms import CustomerForm


def _details(customer: Customer, **context):
    """The customer's page, or only its details card; the card warns of others with the same phone."""
    shop = current_shop()
    return render(
        "customers/show.html", "customers/_details.html", customer=customer,
        twins=customers.customers_with_phone(shop, customer.phone, except_id=customer.id), **context,
    )


def _form(page: str, form: CustomerForm, customer: Customer | None = None, status: int = 200):
    """The customer form, as a page or as the fragment that opens in place, with the same-phone warning."""
    twins = customers.customers_with_typed_phone(current_shop(), form.phone.data,
                                                 except_id=customer.id if customer else None)
    return render(page, "customers/_form.html", status=status, form=form, customer=customer, twins=twins)


@bp.get("")
@shop_required
@requires("customers.view")
def index():
    archived = request.args.get("archived") == "1"
    results = customers.list_customers(current_shop(), query=request.args.get("q", ""),
                                       page=request.args.get("page", 1, type=int), archived=archived)
    return render("customers/index.html", "customers/_results.html", results=results, archived=archived)


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
def show(customer_id: int):
    customer = get_for_shop_or_404(Customer, customer_id)
    shop = current_shop()
    return _details(customer, jobs=jobs.jobs_of(shop, customer), job_status_labels=jobs.JOB_STATUS_LABELS,
                    today=clock.shop_today(shop), referenced=customers.is_referenced(customer))


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
