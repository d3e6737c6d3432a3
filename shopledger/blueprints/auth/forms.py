"""Forms for signing up and logging in."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import InputRequired

from ...forms import AcceptablePassword, UsableEmail, max_length


class SignUpForm(FlaskForm):
    shop_name = StringField(_l("Shop name"), validators=[InputRequired(_l("Enter the shop's name.")), max_length(120)])
    name = StringField(_l("Your name"), validators=[InputRequired(_l("Enter your name.")), max_length(80)])
    email = EmailField(_l("Email"), validators=[InputRequired(_l("Enter your email address.")), max_length(254),
                                                UsableEmail()])
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Choose a password.")), AcceptablePassword()],
                             description=_l("At least 8 characters. A short sentence is easy to remember."))


class JoinForm(FlaskForm):
    """Sign up through an invitation: no shop to name, it is the inviting one."""

    name = StringField(_l("Your name"), validators=[InputRequired(_l("Enter your name.")), max_length(80)])
    email = EmailField(_l("Email"), validators=[InputRequired(_l("Enter your email address.")), max_length(254),
                                                UsableEmail()])
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Choose a password.")), AcceptablePassword()],
                             description=_l("At least 8 characters. A short sentence is easy to remember."))


class AcceptForm(FlaskForm):
    """Join as the logged-in user: nothing to fill in but the CSRF token."""


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[InputRequired(_l("Enter your email address.")), max_length(254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password."))])
    remember = BooleanField(_l("Keep me logged in on this phone"), default=True)


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[InputRequired(_l("Enter your email address.")), max_length(254)],
                       description=_l("The email you log in with."))


class ResetPasswordForm(FlaskForm):
    # The rules are checked against the account's own name and email by the service.
    password = PasswordField(_l("New password"), validators=[InputRequired(_l("Choose a password."))],
                             description=_l("At least 8 characters. A short sentence is easy to remember."))
