"""Views of the outbox: the list, marking a message passed on by hand, sending it by email again."""
from flask import flash, render_template, request, url_for

from ...extensions import db
from ...forms import optional_id
from ...htmx import redirect_to, render, wants_fragment
from ...models import OutboxMessage
from ...permissions import requires
from ...services import mail
from ...services.errors import DomainError
from ...tenancy import current_shop, get_for_shop_or_404, shop_required
from . import bp


@bp.get("")
@shop_required
@requires("outbox.view")
def index():
    shop = current_shop()
    show = "all" if request.args.get("show") == "all" else "waiting"
    page = max(optional_id(request.args.get("page")) or 1, 1)
    listing = mail.outbox_page(shop, waiting_only=show == "waiting", page=page)
    return render("outbox/index.html", "outbox/_list.html", listing=listing, show=show,
                  waiting=mail.waiting_count(shop), **_card_context(listing.messages))


def _card_context(messages: list[OutboxMessage]) -> dict:
    """What the messages' cards need besides the messages."""
    return {"smtp": mail.smtp_configured(), "mail_status": mail.status_label, "mail_kind": mail.kind_label,
            "shares": mail.sharing_for([message for message in messages if message.is_waiting])}


def _answer(message: OutboxMessage):
    """The message's card again for htmx; the list for a plain form post."""
    if wants_fragment():
        card = render_template("outbox/_message.html", message=message, **_card_context([message]))
        count = render_template("outbox/_count.html", waiting=mail.waiting_count(current_shop()), oob=True)
        return card + count
    return redirect_to(url_for("outbox.index"))


@bp.post("/<int:outbox_message_id>/shared")
@shop_required
@requires("outbox.send")
def shared(outbox_message_id: int):
    message = get_for_shop_or_404(OutboxMessage, outbox_message_id)
    mail.mark_shared(current_shop(), message)
    db.session.commit()
    return _answer(message)


@bp.post("/<int:outbox_message_id>/send")
@shop_required
@requires("outbox.send")
def send(outbox_message_id: int):
    message = get_for_shop_or_404(OutboxMessage, outbox_message_id)
    try:
        mail.send_again(current_shop(), message)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _answer(message)
    db.session.commit()
    db.session.refresh(message)
    return _answer(message)
