"""Views for the audit log: the shop's events in words, and the trail of one invoice or payment. Owners only."""
from flask import request, url_for

from ...htmx import render, wants_fragment
from ...models import Invoice, Payment
from ...permissions import requires
from ...services import audit_log
from ...tenancy import current_shop, get_for_shop_or_404, shop_required
from . import bp


@bp.get("")
@shop_required
@requires("audit.view")
def index():
    kind = audit_log.kind_of(request.args.get("kind"))
    log = audit_log.events_page(current_shop(), kind=kind, page=request.args.get("page", 1, type=int))
    response = render("audit/index.html", "audit/_log.html", log=log, kinds=audit_log.KIND_LABELS)
    if wants_fragment():
        # A hand-typed ?kind=nonsense shows everything; history keeps the address of what is shown.
        response.headers["HX-Push-Url"] = url_for("audit.index", kind=kind, page=log.page if log.page > 1 else None)
    return response


@bp.get("/invoices/<int:invoice_id>")
@shop_required
@requires("audit.view")
def invoice(invoice_id: int):
    invoice = get_for_shop_or_404(Invoice, invoice_id)
    return render("audit/invoice.html", "audit/_trail.html", invoice=invoice,
                  entries=audit_log.invoice_events(current_shop(), invoice))


@bp.get("/payments/<int:payment_id>")
@shop_required
@requires("audit.view")
def payment(payment_id: int):
    payment = get_for_shop_or_404(Payment, payment_id)
    return render("audit/payment.html", "audit/_trail.html", payment=payment,
                  entries=audit_log.payment_events(current_shop(), payment))
