"""The customer form: what the shop knows about a person."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Optional, ValidationError

from ...forms import language_choices, max_length
from ...services.customers import ADDRESS_MAX, EDITABLE_FIELDS, EMAIL_MAX, NAME_MAX, NOTES_MAX
from ...services.errors import DomainError
from ...services.phones import parse_phone


class CustomerForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(_l("Enter the customer's name.")), max_length(NAME_MAX)])
    phone = StringField(_l("Phone"), validators=[max_length(32)])
    email = StringField(_l("Email"), validators=[
        Optional(), max_length(EMAIL_MAX), Email(_l("Enter a valid email address, like name@example.com.")),
    ])
    address = TextAreaField(_l("Address"), validators=[max_length(ADDRESS_MAX)])
    notes = TextAreaField(_l("Notes"), validators=[max_length(NOTES_MAX)],
                          description=_l("Sizes, likes, how they pay: anything worth remembering."))
    # The service checks the language (and fills in the shop's when none came): one message, in our words.
    preferred_locale = SelectField(_l("Language for messages"), choices=language_choices, validate_choice=False,
                                   description=_l("Reminders and invoices are sent in this language."))

    def __init__(self, *args, country: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.country = country
        # Straight to typing when the form opens; after a refusal the messages by the fields lead instead.
        if not self.is_submitted():
            self.name.render_kw = {"autofocus": True}

    def validate_phone(self, field):
        # Every message at once: the service checks again, with the same words, when it saves.
        try:
            parse_phone(field.data, self.country)
        except DomainError as error:
            raise ValidationError(error.message) from None

    def values(self) -> dict:
        return {name: self[name].data or "" for name in EDITABLE_FIELDS}
