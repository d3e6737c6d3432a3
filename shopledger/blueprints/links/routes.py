"""Views for sending and sharing: email a link, make a fresh one to pass on by hand, note where it went, stop it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import flash, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...htmx import redirect_to, wants_fragment
from ...i18n import isolated
from ...models import Customer, Invoice, LinkKind, MessageChannel, Payment, ShareLink
from ...permissions import requires
from ...security import safe_next_path
from ...services import clock, links
from ...services.errors import DomainError
from ...tenancy import current_shop, get_for_shop_or_404, shop_required
from . import bp

CHANNELS = {channel.value: channel for channel in (MessageChannel.WHATSAPP, MessageChannel.SMS, MessageChannel.LINK)}


@dataclass
class Panel:
    """The "send to the customer" box of an invoice, a payment or a customer's statement."""

    kind: LinkKind
    target: Invoice | Payment | Customer
    customer: Customer
    facts: links.LinkFacts
    share: links.Share | None = None
    error: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    @property
    def panel_id(self) -> str:
        return f"share-{self.kind.value}-{self.target.id}"

    def url(self, action: str) -> str:
        if self.kind == LinkKind.INVOICE:
            return url_for(f"links.{action}_invoice", invoice_id=self.target.id)
        if self.kind == LinkKind.RECEIPT:
            return url_for(f"links.{action}_receipt", payment_id=self.target.id)
        return url_for(f"links.{action}_statement", customer_id=self.target.id)

    @property
    def back_url(self) -> str:
        if self.kind == LinkKind.INVOICE:
            return url_for("invoices.show", invoice_id=self.target.id)
        if self.kind == LinkKind.RECEIPT:
            return url_for("payments.show", payment_id=self.target.id)
        return url_for("customers.show", customer_id=self.target.id)


def sharing_panel(kind: str, target, *, date_from: date | None = None, date_to: date | None = None) -> Panel:
    """The panel for a page that includes links/_panel.html (the invoice, payment and customer pages)."""
    kind = LinkKind(kind)
    shop = current_shop()
    if kind == LinkKind.INVOICE:
        facts, customer = links.facts_for(shop, invoice=target), target.customer
    elif kind == LinkKind.RECEIPT:
        facts, customer = links.facts_for(shop, payment=target), target.customer
    else:
        facts, customer = links.facts_for(shop, customer=target), target
    return Panel(kind=kind, target=target, customer=customer, facts=facts, date_from=date_from, date_to=date_to)


@bp.app_context_processor
def sharing_helpers():
    return {"sharing_panel": sharing_panel}


def _answer(panel: Panel, *, status: int = 200):
    """The panel alone for htmx; without script, a page of its own (a fresh link is shown only once)."""
    template = "links/_panel.html" if wants_fragment() else "links/share.html"
    response = make_response(render_template(template, panel=panel), status)
    response.vary.add("HX-Request")
    return response


def _statement_dates() -> tuple[date | None, date | None]:
    """The statement's dates from the form (as the statement page sends them); a customer's page sends none."""
    def day(name: str) -> date | None:
        text = (request.form.get(name) or "").strip()
        try:
            return date.fromisoformat(text) if text else None
        except ValueError:
            return None

    start, end = day("from"), day("to")
    if start is None and end is None:
        return links.default_statement_start(clock.shop_today(current_shop())), None
    return start, end


def _send(kind: str, target, make_link):
    """Email a fresh link; then the page again, saying so (its status may have changed: Sent)."""
    try:
        message = make_link()
    except DomainError as error:
        db.session.rollback()
        panel = sharing_panel(kind, target, **_dates_for(kind))
        panel.error = error.message
        return _answer(panel, status=422)
    db.session.commit()
    panel = sharing_panel(kind, target, **_dates_for(kind))
    flash(_("Sent to %(name)s at %(email)s.", name=isolated(panel.customer.name),
            email=isolated(message.to_address)), "success")
    return redirect_to(safe_next_path(request.form.get("next"), panel.back_url))


def _share(kind: str, target, make_link):
    try:
        link = make_link()
    except DomainError as error:
        db.session.rollback()
        panel = sharing_panel(kind, target, **_dates_for(kind))
        panel.error = error.message
        return _answer(panel, status=422)
    db.session.commit()
    panel = sharing_panel(kind, target, **_dates_for(kind))
    panel.share = links.prepare_share(current_shop(), link)
    return _answer(panel)


def _dates_for(kind: str) -> dict:
    if kind != LinkKind.STATEMENT.value:
        return {}
    start, end = _statement_dates()
    return {"date_from": start, "date_to": end}


@bp.post("/invoices/<int:invoice_id>/send")
@shop_required
@requires("links.share")
def send_invoice(invoice_id: int):
    invoice = get_for_shop_or_404(Invoice, invoice_id)
    return _send("invoice", invoice, lambda: links.send_invoice(current_shop(), invoice, by=current_user))


@bp.post("/invoices/<int:invoice_id>/share")
@shop_required
@requires("links.share")
def share_invoice(invoice_id: int):
    invoice = get_for_shop_or_404(Invoice, invoice_id)
    return _share("invoice", invoice, lambda: links.link_for_invoice(current_shop(), invoice, by=current_user))


@bp.post("/payments/<int:payment_id>/send")
@shop_required
@requires("links.share")
def send_receipt(payment_id: int):
    payment = get_for_shop_or_404(Payment, payment_id)
    return _send("receipt", payment, lambda: links.send_receipt(current_shop(), payment, by=current_user))


@bp.post("/payments/<int:payment_id>/share")
@shop_required
@requires("links.share")
def share_receipt(payment_id: int):
    payment = get_for_shop_or_404(Payment, payment_id)
    return _share("receipt", payment, lambda: links.link_for_receipt(current_shop(), payment, by=current_user))


@bp.post("/customers/<int:customer_id>/statement/send")
@shop_required
@requires("links.share")
def send_statement(customer_id: int):
    customer = get_for_shop_or_404(Customer, customer_id)
    start, end = _statement_dates()
    return _send("statement", customer, lambda: links.send_statement(
        current_shop(), customer, by=current_user, date_from=start, date_to=end))


@bp.post("/customers/<int:customer_id>/statement/share")
@shop_required
@requires("links.share")
def share_statement(customer_id: int):
    customer = get_for_shop_or_404(Customer, customer_id)
    start, end = _statement_dates()
    return _share("statement", customer, lambda: links.link_for_statement(
        current_shop(), customer, by=current_user, date_from=start, date_to=end))


@bp.post("/<int:link_id>/shared")
@shop_required
@requires("links.share")
def shared(link_id: int):
    """Note that the fresh link went out on WhatsApp or SMS, or was copied: an invoice shared is an invoice sent."""
    link = get_for_shop_or_404(ShareLink, link_id)
    channel = CHANNELS.get(request.form.get("channel", ""))
    if channel is None:
        return _toast(_("Choose WhatsApp, SMS or the link."), "error", 422)
    links.record_share(current_shop(), link, channel=channel, by=current_user)
    db.session.commit()
    messages = {
        MessageChannel.WHATSAPP: _("Noted: sent on WhatsApp."),
        MessageChannel.SMS: _("Noted: sent by SMS."),
        MessageChannel.LINK: _("Noted: the link was copied."),
    }
    if not wants_fragment():
        flash(messages[channel], "success")
        return redirect_to(_back_url(link))
    return _toast(messages[channel], "success", 200)


def _back_url(link: ShareLink) -> str:
    if link.kind == LinkKind.INVOICE:
        return url_for("invoices.show", invoice_id=link.invoice_id)
    if link.kind == LinkKind.RECEIPT:
        return url_for("payments.show", payment_id=link.payment_id)
    return url_for("customers.show", customer_id=link.customer_id)


def _toast(message: str, category: str, status: int):
    """A toast, swapped into the page's toasts whatever the request's own target (it swaps nothing)."""
    response = make_response(render_template("links/_toast_oob.html", message=message, category=category), status)
    response.vary.add("HX-Request")
    return response


@bp.post("/<int:link_id>/revoke")
@shop_required
@requires("links.share")
def revoke(link_id: int):
    link = get_for_shop_or_404(ShareLink, link_id)
    links.revoke_all_for(current_shop(), link, by=current_user)
    db.session.commit()
    flash(_("The link no longer works. Anyone who opens it is told to ask you for a new one."), "success")
    return redirect_to(safe_next_path(request.form.get("next"), _back_url(link)))
