"""Views for signing up, logging in and out, and accepting invitations."""
from flask import flash, make_response, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...extensions import db
from ...forms import show_domain_error
from ...htmx import redirect_to
from ...models import User
from ...security import client_address, safe_next_path
from ...services import accounts, mail, members, password_resets
from ...services.errors import DomainError
from ...sessions import log_in, log_out
from . import bp
from .forms import AcceptForm, ForgotPasswordForm, JoinForm, LoginForm, ResetPasswordForm, SignUpForm


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    if current_user.is_authenticated:
        return redirect_to(url_for("main.home"))
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            user, shop = accounts.sign_up(
                shop_name=form.shop_name.data, name=form.name.data, email=form.email.data,
                password=form.password.data, locale=str(get_locale()),
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            log_in(user, remember=True, shop_id=shop.id)
            db.session.commit()
            flash(_("Welcome to ShopLedger. Your shop is ready."), "success")
            return redirect_to(url_for("main.home"))
    return render_template("auth/signup.html", form=form), 422 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_path = safe_next_path(request.args.get("next"), url_for("main.home"))
    if current_user.is_authenticated:
        return redirect_to(next_path)
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        result = accounts.authenticate(form.email.data, form.password.data, address=client_address())
        if result.user is not None:
            log_in(result.user, remember=form.remember.data)
            db.session.commit()
            return redirect_to(next_path)
        db.session.commit()  # keep the failed attempt, for throttling
        if result.throttled:
            form.form_errors.append(_("Too many attempts. Wait 15 minutes and try again."))
            status = 429
        else:
            form.form_errors.append(_("The email or password is not right."))
            status = 422
        form.password.data = ""
    elif form.errors:
        status = 422
    return render_template("auth/login.html", form=form, next_path=request.args.get("next", "")), status


@bp.post("/logout")
@login_required
def logout():
    log_out(current_user._get_current_object())
    db.session.commit()
    flash(_("You have logged out."), "info")
    response = redirect_to(url_for("auth.login"))
    # What this browser kept for the member goes too: the service worker's caches of their pages, the payments
    # and notes kept on the phone, the HTTP cache (static/offline.js warns first when something was never sent).
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/invite/<token>", methods=["GET", "POST"])
def invitation(token: str):
    invitation = members.find_open_invitation(token)
    if invitation is None:
        return render_template("auth/invitation_closed.html"), 404
    if current_user.is_authenticated:
        form = AcceptForm()
    else:
        form = JoinForm()
    if form.validate_on_submit():
        try:
            if current_user.is_authenticated:
                user = current_user._get_current_object()
            else:
                user = accounts.create_user(
                    email=form.email.data, name=form.name.data, password=form.password.data,
                    locale=str(get_locale()),
                )
            members.accept_invitation(invitation, user=user)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            if current_user.is_authenticated:
                session["shop_id"] = invitation.shop_id
            else:
                log_in(user, remember=True, shop_id=invitation.shop_id)
            user.last_shop_id = invitation.shop_id
            db.session.commit()
            flash(_("You have joined %(shop)s.", shop=invitation.shop.name), "success")
            return redirect_to(url_for("main.home"))
    status = 422 if form.errors else 200
    return render_template("auth/invitation.html", invitation=invitation, form=form, token=token), status


def _private(response_and_status):
    """A page with a reset link in its address: not cached, not indexed, never sent on as a Referer."""
    body, status = response_and_status
    response = make_response(body, status)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    if not mail.smtp_configured():
        return render_template("auth/forgot_password.html", form=None), 200
    form = ForgotPasswordForm()
    status = 200
    if form.validate_on_submit():
        result = password_resets.request_reset(form.email.data, address=client_address(),
                                               locale=str(get_locale()))
        db.session.commit()
        if not result.throttled:
            # The same answer whether or not the email has an account.
            return render_template("auth/forgot_password_sent.html", email=accounts.normalise_email(form.email.data))
        form.form_errors.append(_("Too many requests for a reset link. Wait an hour and try again."))
        status = 429
    elif form.errors:
        status = 422
    return render_template("auth/forgot_password.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    reset = password_resets.find_open_reset(token)
    if reset is None:
        return _private((render_template("auth/reset_password_closed.html"), 404))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = password_resets.reset_password(token, new_password=form.password.data)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        except password_resets.LinkClosed:
            db.session.rollback()
            return _private((render_template("auth/reset_password_closed.html"), 404))
        else:
            # Every session of the account has ended; this browser starts a fresh one.
            log_in(user, remember=True)
            db.session.commit()
            flash(_("Your password is changed. Every other phone and computer has been logged out."), "success")
            return redirect_to(url_for("main.home"))
    form.password.data = ""
    account = db.session.get(User, reset.user_id)
    return _private((render_template("auth/reset_password.html", form=form, token=token, account=account),
                     422 if form.errors else 200))
