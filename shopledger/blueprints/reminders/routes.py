"""Views for reminders: who to remind by hand today (no email), reminding them on WhatsApp or SMS, and the log
of every message sent to customers."""
from flask import current_app, make_response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...htmx import render, wants_fragment
from ...models import Customer, MessageChannel
from ...permissions import requires
from ...services import clock, reminders
from ...services.errors import DomainError
from ...tenancy import current_shop, get_for_shop_or_404, shop_required
from . import bp

BY_HAND = {"whatsapp": MessageChannel.WHATSAPP, "sms": MessageChannel.SMS}


PER_PAGE = 30
EMAILED_SHOWN = 20


def _to_remind():
    """Who is due a reminder today: those to remind by hand (no email), a page at a time, and those emailed."""
    shop = current_shop()
    due = reminders.due_reminders(shop, now=clock.now())
    by_hand = [item for item in due if not item.customer.email]
    by_email = [item for item in due if item.customer.email]
    pages = max(1, -(-len(by_hand) // PER_PAGE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    return {"by_hand": by_hand[(page - 1) * PER_PAGE:page * PER_PAGE], "by_hand_count": len(by_hand),
            "list_page": page, "has_next": page < pages, "by_email": by_email[:EMAILED_SHOWN],
            "by_email_count": len(by_email), "reminder_hour": current_app.config["REMINDER_HOUR"],
            "stages": reminders.stages_of(shop)}


@bp.get("")
@shop_required
@requires("reminders.view")
def index():
    return render("reminders/index.html", "reminders/_list.html", **_to_remind())


@bp.post("/customers/<int:customer_id>/remind")
@shop_required
@requires("links.share")
def remind(customer_id: int):
    """Make the customer's reminder with a fresh link, to send on WhatsApp or SMS; it counts as sent."""
    shop = current_shop()
    customer = get_for_shop_or_404(Customer, customer_id)
    channel = BY_HAND.get(request.form.get("channel", ""), MessageChannel.WHATSAPP)
    try:
        reminder = reminders.remind_by_hand(shop, customer, by=current_user, channel=channel)
    except DomainError as error:
        db.session.rollback()
        return _row(customer, error=error.message, status=422)
    db.session.commit()
    return _row(customer, reminder=reminder, channel=channel)


def _row(customer: Customer, *, reminder=None, channel=None, error: str | None = None, status: int = 200):
    """The customer's row, now ready to send (or saying why not); the whole list without script."""
    context = {"customer": customer, "reminder": reminder, "channel": channel, "error": error}
    if wants_fragment():
        response = make_response(render_template("reminders/_reminded.html", **context), status)
        response.vary.add("HX-Request")
        return response
    return render("reminders/index.html", "reminders/_list.html", status=status, reminded=context, **_to_remind())


@bp.get("/log")
@shop_required
@requires("reminders.view")
def log():
    page = request.args.get("page", 1, type=int)
    listing = reminders.message_log(current_shop(), shown=request.args.get("show", "all"), page=page)
    return render("reminders/log.html", "reminders/_log.html", listing=listing,
                  filters=[("all", _("Everything")), ("reminders", _("Reminders")), ("failed", _("Not delivered"))],
                  message_delivery=reminders.delivery, message_kind_labels=reminders.KIND_LABELS,
                  channel_labels=reminders.CHANNEL_LABELS, channel_icons=reminders.CHANNEL_ICONS)
