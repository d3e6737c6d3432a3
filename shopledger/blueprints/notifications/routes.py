"""Views for the notifications: the day's summaries for an owner or manager, read when the page is opened."""
from flask import g
from flask_login import current_user

from ...extensions import db
from ...htmx import render
from ...permissions import can, requires
from ...services import clock, reminders
from ...tenancy import current_shop, shop_required
from . import bp


@bp.app_context_processor
def notification_badge():
    def unread() -> int:
        # Read from the membership this request loaded anyway: the bell costs no query.
        membership = g.get("membership")
        if membership is None or not can("notifications.view"):
            return 0
        return membership.unread_notifications

    return {"unread_notifications": unread}


@bp.get("")
@shop_required
@requires("notifications.view")
def index():
    shop = current_shop()
    views = reminders.notifications_for(shop, current_user)
    unread = {view.notification.id for view in views if view.notification.read_at is None}
    response = render("notifications/index.html", "notifications/_list.html", views=views, unread_ids=unread,
                      today=clock.shop_today(shop))
    if unread:
        reminders.mark_read(shop, current_user)
        db.session.commit()
    return response
