"""Forms for inviting members and changing their role."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, ValidationError

from ...forms import choices, max_length
from ...models import Role
from ...permissions import ROLE_LABELS


def _role_choices():
    return choices((role.value, ROLE_LABELS[role]) for role in Role)


class RoleField(SelectField):
    def __init__(self, label, **kwargs):
        super().__init__(
            label,
            choices=_role_choices,
            coerce=str,
            validators=[InputRequired(_l("Choose a role."))],
            **kwargs,
        )

    def pre_validate(self, form):
        if self.data not in {role.value for role in Role}:
            raise ValidationError(_l("Choose a role from the list."))


class InviteForm(FlaskForm):
    name = StringField(_l("Who is it for?"), validators=[InputRequired(_l("Enter the name of the person you are inviting.")), max_length(80)])
    role = RoleField(_l("Role"), default=Role.STAFF.value)


class RoleForm(FlaskForm):
    role = RoleField(_l("Role"))
