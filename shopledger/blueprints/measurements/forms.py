"""The form for a measurement template."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired

from ...forms import max_length


class TemplateForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(_l("Name the template, like Shirt.")), max_length(60)],
                       description=_l("The kind of garment or work, like Shirt or Kameez."))
    fields = TextAreaField(
        _l("Measurements, one per line"),
        validators=[InputRequired(_l("Write at least one measurement, one per line.")), max_length(2000)],
        description=_l("A name, a comma, then in or cm. Like: Chest, in"),
        render_kw={"rows": 9, "placeholder": _l("Chest, in\nWaist, in\nLength, in")},
    )
