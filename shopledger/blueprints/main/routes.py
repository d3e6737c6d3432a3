"""Views for home, More and the language toggle."""
from flask import current_app, g, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from ...extensions import db
from ...i18n import LOCALE_COOKIE
from ...security import safe_next_path
from ...services import onboarding
from ...tenancy import current_shop, shop_required
from . import bp


@bp.get("/")
def home():
    # The front door: no "please log in" scolding for simply arriving.
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if g.shop is None:
        return redirect(url_for("shops.new"))
    return render_template("main/home.html", steps=onboarding.setup_steps(current_shop()))


@bp.get("/more")
@shop_required
def more():
    return render_template("main/more.html")


@bp.post("/language")
def language():
    """Switch language with a full page load, so <html lang dir> follows."""
    locale = request.form.get("locale", "")
    back = safe_next_path(request.form.get("next"), url_for("main.home"))
    response = make_response(redirect(back, code=303))
    if locale not in current_app.config["LANGUAGES"]:
        return response
    if current_user.is_authenticated:
        current_user.locale = locale
        db.session.commit()
    response.set_cookie(
        LOCALE_COOKIE, locale, max_age=60 * 60 * 24 * 365, httponly=True, samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response
