"""Views for the user's profile and password."""
from flask import flash, g, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...extensions import db
from ...forms import show_domain_error
from ...htmx import redirect_to
from ...services import accounts
from ...services.errors import DomainError
from ...sessions import log_in
from . import bp
from .forms import PasswordForm, ProfileForm


@bp.route("", methods=["GET", "POST"])
@login_required
def edit():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            accounts.update_profile(current_user, name=form.name.data, email=form.email.data, locale=form.locale.data)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Your details are saved."), "success")
            # A full load, so a change of language changes the page's direction too.
            return redirect_to(url_for("account.edit"))
    return render_template("account/edit.html", form=form), 422 if form.errors else 200


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            accounts.change_password(user, current_password=form.current_password.data,
                                     new_password=form.new_password.data)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            # Every session ended, this one too; this browser gets a fresh one.
            log_in(user, remember=False, shop_id=g.shop.id if g.shop else None)
            db.session.commit()
            flash(_("Password changed. Other phones and computers have been logged out."), "success")
            return redirect_to(url_for("account.edit"))
    return render_template("account/password.html", form=form), 422 if form.errors else 200

