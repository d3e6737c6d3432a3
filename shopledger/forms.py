"""Form pieces shared by the blueprints."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from .services.errors import DomainError


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Put a service's refusal next to the field it concerns (or at the top of the form)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def max_length(limit: int) -> Length:
    from flask_babel import lazy_gettext as _l

    return Length(max=limit, message=_l("Use at most %(max)d characters."))


def choices(pairs) -> list[SelectChoice]:
    """Options for a SelectField from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def language_choices() -> list[SelectChoice]:
    """Each language named in itself, marked so screen readers pronounce it right."""
    return [SelectChoice("en", "English", render_kw={"lang": "en"}), SelectChoice("ur", "اردو", render_kw={"lang": "ur"})]
