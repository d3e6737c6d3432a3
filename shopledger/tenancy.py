"""The current shop: loaded once per request from the member's session; every shop query starts here."""
from __future__ import annotations

from functools import wraps
from typing import TypeVar

import sqlalchemy as sa
from flask import abort, g, redirect, session, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from .extensions import db
from .models import Membership, Shop

ModelT = TypeVar("ModelT")


def load_current_shop() -> None:
    """Find the shop this member is working in (the one chosen last, else their first)."""
    g.shop = None
    g.membership = None
    if not current_user.is_authenticated:
        return
    membership = current_user.current_membership  # found with the user's session, if still theirs
    if membership is None:
        membership = _first_membership(session.get("shop_id") or current_user.last_shop_id)
    if membership is None:
        session.pop("shop_id", None)
        return
    g.membership = membership
    g.shop = membership.shop
    if session.get("shop_id") != membership.shop_id:  # an unchanged session is not re-signed and re-sent
        session["shop_id"] = membership.shop_id


def _first_membership(wanted: int | None) -> Membership | None:
    """The member's membership of the wanted shop, else their first."""
    query = (
        sa.select(Membership)
        .options(joinedload(Membership.shop))
        .where(Membership.user_id == current_user.id)
        .order_by((Membership.shop_id == (wanted or 0)).desc(), Membership.created_at, Membership.id)
        .limit(1)
    )
    return db.session.scalar(query)


def current_shop() -> Shop:
    shop = g.get("shop")
    if shop is None:
        abort(404)
    return shop


def shop_required(view):
    """Require a logged-in member of some shop; send a member of none to make one."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if g.get("shop") is None:
            return redirect(url_for("shops.new"))
        return view(*args, **kwargs)

    return wrapped


def scoped(model: type[ModelT]) -> sa.Select:
    """Select rows of a shop-owned model, only the current shop's."""
    return sa.select(model).where(model.shop_id == current_shop().id)


def _models_by_argument() -> dict:
    from .models import (
        Customer, Invitation, Invoice, Job, JobPhoto, MeasurementTemplate, Membership, OutboxMessage, Payment,
        ShareLink,
    )

    return {
        "customer_id": Customer, "job_id": Job, "photo_id": JobPhoto, "template_id": MeasurementTemplate,
        "membership_id": Membership, "invitation_id": Invitation, "invoice_id": Invoice, "payment_id": Payment,
        "link_id": ShareLink, "outbox_message_id": OutboxMessage,
    }


def abort_unless_own(view_arguments: dict) -> None:
    """Answer 404 when any id in the URL is not the current shop's, so that a refusal never says it exists."""
    models = _models_by_argument()
    for name, value in view_arguments.items():
        if not name.endswith("_id"):
            continue
        if name not in models:
            raise LookupError(f"tenancy does not know which model {name!r} names; add it to _models_by_argument")
        get_for_shop_or_404(models[name], value)


def get_for_shop_or_404(model: type[ModelT], object_id: int) -> ModelT:
    """Load one of the current shop's rows; anything else, another shop's included, is 404."""
    found = db.session.scalar(scoped(model).where(model.id == object_id))
    if found is None:
        abort(404)
    return found
