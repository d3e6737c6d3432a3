"""Form pieces shared by the blueprints."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, ValidationError

from .services.errors import DomainError
from .services.money import from_minor


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Put a service's refusal next to the field it concerns (or at the top of the form)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


class UsableEmail:
    """The email is a real address (the same check the account service makes, shown with the other errors)."""

    def __call__(self, form, field):
        from .services.accounts import check_email

        if field.data:
            try:
                check_email(field.data)
            except DomainError as error:
                raise ValidationError(error.message) from None


class AcceptablePassword:
    """The new password follows the password rules, checked against the name and email on the same form."""

    def __call__(self, form, field):
        from .services.accounts import password_problem

        email = form.email.data if hasattr(form, "email") else ""
        name = form.name.data if hasattr(form, "name") else ""
        problem = password_problem(field.data or "", email=email or "", name=name or "")
        if problem:
            raise ValidationError(problem)


def max_length(limit: int) -> Length:
    from flask_babel import lazy_gettext as _l

    return Length(max=limit, message=_l("Use at most %(max)d characters."))


def choices(pairs) -> list[SelectChoice]:
    """Options for a SelectField from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def language_choices() -> list[SelectChoice]:
    """Each language named in itself, marked so screen readers pronounce it right."""
    return [SelectChoice("en", "English", render_kw={"lang": "en"}), SelectChoice("ur", "اردو", render_kw={"lang": "ur"})]


def optional_id(value) -> int | None:
    """An id from a form or a URL; anything that is not one counts as none chosen."""
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def amount_as_text(minor: int | None, currency: str) -> str:
    """An amount as a person would type it back: 1500, or 1500.50 when there are paisa."""
    if minor is None:
        return ""
    amount = from_minor(minor, currency)
    return str(amount.to_integral()) if amount == amount.to_integral() else str(amount)
