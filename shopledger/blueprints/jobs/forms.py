"""Forms for taking and editing a job, for moving it back, and for a note on it."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import InputRequired, Optional, ValidationError

from ...forms import choices, max_length, optional_id
from ...models import JobStatus
from ...page_cache import per_render_token
from ...services.jobs import JOB_STATUS_LABELS
from ...services.money import MoneyError, parse_amount


class JobForm(FlaskForm):
    customer_id = SelectField(_l("Customer"), coerce=optional_id, validate_choice=False)
    title = StringField(
        _l("What is the job?"),
        validators=[InputRequired(_l("Say what the job is, like 'Two shirts'.")), max_length(120)],
        description=_l("Like: 2 shirts, 1 shalwar kameez"),
    )
    description = TextAreaField(_l("Details"), validators=[max_length(2000)],
                                description=_l("Cloth, style, buttons, anything the work needs."))
    due_date = DateField(_l("Due date"), validators=[Optional()])
    due_time = TimeField(_l("Time (optional)"), validators=[Optional()])
    quoted = StringField(_l("Price quoted"), validators=[max_length(20)])
    template_id = SelectField(_l("Measurements"), coerce=optional_id, validate_choice=False)
    notes = TextAreaField(_l("Notes"), validators=[max_length(5000)])

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.quoted_minor: int | None = None
        self.quoted.description = _l("In %(currency)s. Leave empty if not agreed yet.", currency=currency)

    def validate_customer_id(self, field):
        if field.data is None:
            raise ValidationError(_l("Choose the customer the job is for."))

    def validate_quoted(self, field):
        text = (field.data or "").strip()
        if not text:
            self.quoted_minor = None
            return
        try:
            self.quoted_minor = parse_amount(text, self.currency)
        except MoneyError:
            raise ValidationError(_l("Enter the price as a number, like 1500.")) from None

    def job_values(self) -> dict:
        """The job's fields as the service takes them."""
        return {
            "title": self.title.data, "description": self.description.data or "",
            "due_date": self.due_date.data, "due_time": self.due_time.data,
            "quoted_minor": self.quoted_minor, "notes": self.notes.data or "",
        }


class MoveBackForm(FlaskForm):
    to = SelectField(_l("Move back to"), validate_choice=False)
    reason = TextAreaField(_l("Why does it go back?"), validators=[max_length(500)],
                           description=_l("Kept in the job's history, like 'Sleeves too long, customer returned it'."))

    def __init__(self, *args, earlier: list[JobStatus], **kwargs):
        super().__init__(*args, **kwargs)
        self.to.choices = choices((status.value, JOB_STATUS_LABELS[status]) for status in earlier)



class JobNoteForm(FlaskForm):
    """A note on the job as the work goes; the key makes a note sent twice one note."""

    body = TextAreaField(_l("Add a note"), id="job-note-body", validators=[max_length(2000)],
                         description=_l("Like: 'Customer called, collar one size up.' Everyone in the shop sees it."))
    idempotency_key = HiddenField(id="job-note-key", validators=[max_length(64)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.idempotency_key.data:
            self.idempotency_key.data = per_render_token()
