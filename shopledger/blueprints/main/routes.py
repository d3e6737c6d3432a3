"""Views for home, More and the language toggle."""
from flask import abort, current_app, g, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from ...extensions import db
from ...htmx import render, wants_fragment
from ...i18n import LOCALE_COOKIE
from ...page_cache import cached
from ...permissions import can
from ...security import safe_next_path
from ...services import clock, dashboard, mail, onboarding
from ...tenancy import current_shop, shop_required
from . import bp
from .charts import sales_chart


@bp.get("/")
@cached  # a member's dashboard; the redirects below are for no one the cache serves
def home():
    # The front door: no "please log in" scolding for simply arriving.
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if g.shop is None:
        return redirect(url_for("shops.new"))
    shop = current_shop()
    today = clock.shop_today(shop)
    money = can("reports.view")
    span = request.args.get("chart") if request.args.get("chart") in dashboard.CHART_SPANS else "days"
    if wants_fragment():
        # Only the sales chart is swapped in place (its 30 days / 12 months toggle), and only money's readers ask.
        if not money:
            abort(403)
        return render("main/home.html", "main/_sales_chart.html", chart=sales_chart(shop, today=today, span=span),
                      span=span, today=today)
    figures = dashboard.dashboard(shop, today=today, money=money, takings_only=can("payments.record"),
                                  jobs=can("jobs.view"))
    return render("main/home.html", "main/_sales_chart.html", steps=onboarding.setup_steps(shop), figures=figures,
                  chart=sales_chart(shop, today=today, span=span) if money else None, span=span, today=today)


@bp.get("/more")
@shop_required
def more():
    waiting = mail.waiting_count(current_shop()) if can("outbox.view") else 0
    return render_template("main/more.html", outbox_waiting=waiting)


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
