"""Forms for the user's profile and password."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import InputRequired

from ...forms import UsableEmail, language_choices, max_length


class ProfileForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[InputRequired(_l("Enter your name.")), max_length(80)])
    email = EmailField(_l("Email"), validators=[InputRequired(_l("Enter your email address.")), max_length(254),
                                                UsableEmail()])
    locale = SelectField(_l("Language"), choices=language_choices)


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[InputRequired(_l("Enter your current password."))])
    new_password = PasswordField(_l("New password"), validators=[InputRequired(_l("Choose a new password."))],
                                 description=_l("You will stay logged in here; every other phone and computer is logged out."))
