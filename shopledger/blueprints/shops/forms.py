"""Form for making a new shop."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired

from ...forms import max_length


class NewShopForm(FlaskForm):
    shop_name = StringField(_l("Shop name"), validators=[InputRequired(_l("Enter the shop's name.")), max_length(120)])

