"""Views for listing, making and switching shops."""
import sqlalchemy as sa
from flask import abort, flash, render_template, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...forms import show_domain_error
from ...htmx import redirect_to
from ...models import Membership, Shop
from ...services import shops
from ...services.errors import DomainError
from . import bp
from .forms import NewShopForm


def _my_memberships() -> list[Membership]:
    return list(
        db.session.scalars(
            sa.select(Membership)
            .options(joinedload(Membership.shop))
            .where(Membership.user_id == current_user.id)
            .join(Shop)
            .order_by(Shop.name)
        )
    )


@bp.get("")
@login_required
def index():
    return render_template("shops/index.html", memberships=_my_memberships())


@bp.route("/new", methods=["GET", "POST"], endpoint="new")
@login_required
def new():
    form = NewShopForm()
    if form.validate_on_submit():
        try:
            shop = shops.create_shop(owner=current_user, name=form.shop_name.data, locale=str(get_locale()))
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            current_user.last_shop_id = shop.id
            session["shop_id"] = shop.id
            db.session.commit()
            flash(_("%(shop)s is ready.", shop=shop.name), "success")
            return redirect_to(url_for("main.home"))
    return render_template("shops/new.html", form=form), 422 if form.errors else 200


@bp.post("/<int:shop_id>/switch")
@login_required
def switch(shop_id: int):
    membership = db.session.scalar(
        sa.select(Membership).where(Membership.user_id == current_user.id, Membership.shop_id == shop_id)
    )
    if membership is None:
        abort(404)
    session["shop_id"] = shop_id
    current_user.last_shop_id = shop_id
    db.session.commit()
    return redirect_to(url_for("main.home"))
