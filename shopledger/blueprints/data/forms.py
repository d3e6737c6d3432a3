"""Forms for the exports' period, the customers import and restoring a backup."""
import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, StringField, ValidationError

from ...forms import max_length

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _day(text: str | None) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    if not _ISO_DAY.fullmatch(text):
        raise ValueError(text)
    return date.fromisoformat(text)


class PeriodForm(FlaskForm):
    """The dates the dated exports cover; read from the query string of the download link."""

    class Meta:
        csrf = False  # a GET that changes nothing

    date_from = StringField(_l("From"), description=_l("Leave both empty for everything."))
    date_to = StringField(_l("To"))

    def validate_date_from(self, field):
        self.day_from = self._read(field)

    def validate_date_to(self, field):
        self.day_to = self._read(field)
        if self.day_to and getattr(self, "day_from", None) and self.day_to < self.day_from:
            raise ValidationError(_l("The end of the period is before its start."))

    @staticmethod
    def _read(field) -> date | None:
        try:
            return _day(field.data)
        except ValueError:
            raise ValidationError(_l("Enter a date like 2026-11-21.")) from None


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose the CSV file to import."))],
                     description=_l("Saved from Excel or Google Sheets as CSV (UTF-8)."))


class ConfirmImportForm(FlaskForm):
    token = HiddenField()


class RestoreForm(FlaskForm):
    archive = FileField(_l("Backup file"), validators=[FileRequired(_l("Choose a backup file (.zip)."))],
                        description=_l("A .zip made by ShopLedger's backup."))
    name = StringField(_l("Name for the restored shop"), validators=[max_length(120)],
                       description=_l("Leave empty to use the backup's shop name with “(restored)”."))
