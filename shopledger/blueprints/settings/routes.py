"""Views for the shop's settings and logo."""
from flask import abort, flash, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...forms import show_domain_error
from ...htmx import redirect_to
from ...permissions import requires
from ...services import images, shops
from ...services.errors import DomainError
from ...tenancy import current_shop, shop_required
from . import bp
from .forms import LogoForm, ShopSettingsForm


@bp.get("")
@shop_required
@requires("shop.edit_settings")
def edit():
    shop = current_shop()
    return render_template("settings/edit.html", form=ShopSettingsForm(obj=shop), logo_form=LogoForm())


@bp.post("")
@shop_required
@requires("shop.edit_settings")
def update():
    shop = current_shop()
    form = ShopSettingsForm()
    if form.validate_on_submit():
        values = {name: form[name].data or "" for name in shops.EDITABLE_SETTINGS}
        try:
            shops.update_settings(shop, by=current_user, **values)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Settings saved."), "success")
            return redirect_to(url_for("settings.edit"))
    return render_template("settings/edit.html", form=form, logo_form=LogoForm()), 422


@bp.post("/logo")
@shop_required
@requires("shop.edit_settings")
def upload_logo():
    shop = current_shop()
    logo_form = LogoForm()
    if logo_form.validate_on_submit():
        try:
            replaced = shops.set_logo(shop, logo_form.logo.data.read(), by=current_user)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(logo_form, error)
        else:
            db.session.commit()
            images.remove_files(replaced)
            flash(_("Logo saved."), "success")
            return redirect_to(url_for("settings.edit"))
    return render_template("settings/edit.html", form=ShopSettingsForm(obj=shop), logo_form=logo_form), 422


@bp.post("/logo/remove")
@shop_required
@requires("shop.edit_settings")
def remove_logo():
    removed = shops.remove_logo(current_shop(), by=current_user)
    db.session.commit()
    images.remove_files(removed)
    flash(_("Logo removed."), "success")
    return redirect_to(url_for("settings.edit"))


@bp.get("/logo")
@shop_required
def logo():
    path = shops.logo_path(current_shop())
    if path is None or not path.exists():
        abort(404)
    response = send_file(path, mimetype="image/png", max_age=0)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
