"""Measurement templates and the values taken with them."""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import Customer, CustomerMeasurement, Job, MeasurementTemplate, Shop, User
from ..models.types import utcnow
from . import audit
from .errors import DomainError

UNITS = ("in", "cm")
UNIT_LABELS = {"in": _l("in"), "cm": _l("cm")}
# What people write for a unit, in either language, after case-folding.
UNIT_ALIASES = {
    "in": "in", "inch": "in", "inches": "in", '"': "in", "انچ": "in",
    "cm": "cm", "centimeter": "cm", "centimeters": "cm", "centimetre": "cm", "centimetres": "cm",
    "سم": "cm", "سینٹی میٹر": "cm", "سینٹیمیٹر": "cm",
}
MAX_FIELDS = 30
MAX_VALUE = Decimal(1000)
_EASTERN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩٫", "01234567890123456789.")
# The comma as typed on an English or an Urdu keyboard.
_SEPARATORS = (",", "،")
# "15 1/2" or "15½": tailors write halves and quarters.
_MIXED = re.compile(r"^(\d+(?:\.\d+)?)?\s*(?:(\d+)\s*/\s*(\d+))?$")


class MeasurementError(DomainError):
    """Some measurements are not numbers; `errors` holds a message per field key."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(_("Check the measurements marked below."), field="measurements")
        self.errors = errors


def list_templates(shop: Shop) -> list[MeasurementTemplate]:
    """Return the shop's templates in use, by name."""
    return list(db.session.scalars(
        sa.select(MeasurementTemplate)
        .where(MeasurementTemplate.shop_id == shop.id, MeasurementTemplate.archived_at.is_(None))
        .order_by(MeasurementTemplate.name)
    ))


def _key_for(label: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().lower())
    base = base.strip("_") or "field"
    key, number = base, 2
    while key in taken:
        key, number = f"{base}_{number}", number + 1
    return key


def _split_line(line: str) -> tuple[str, str]:
    for separator in _SEPARATORS:
        if separator in line:
            label, _sep, unit = line.rpartition(separator)
            return label.strip(), unit.strip()
    return line, ""


def parse_fields(text: str) -> list[dict]:
    """Read fields written one per line as 'Chest, in' (the unit is optional, inches by default)."""
    fields, taken = [], set()
    for line in (text or "").splitlines():
        line = " ".join(line.split())
        if not line:
            continue
        label, unit_text = _split_line(line)
        unit = UNIT_ALIASES.get(unit_text.casefold()) if unit_text else "in"
        if unit is None:
            raise DomainError(_("Use in or cm as the unit, like 'Chest, in'."), field="fields")
        if not label:
            raise DomainError(_("Each line needs a name, like 'Chest, in'."), field="fields")
        key = _key_for(label, taken)
        taken.add(key)
        fields.append({"key": key, "label": label[:40], "unit": unit})
    if not fields:
        raise DomainError(_("Write at least one measurement, one per line."), field="fields")
    if len(fields) > MAX_FIELDS:
        raise DomainError(_("Use at most %(count)d measurements.", count=MAX_FIELDS), field="fields")
    return fields


def summary(template: MeasurementTemplate) -> str:
    """The template's measurement names on one line, joined with the comma of their own script."""
    labels = [field["label"] for field in template.fields]
    right_to_left = any(unicodedata.bidirectional(char) in ("R", "AL") for char in "".join(labels))
    return ("، " if right_to_left else ", ").join(labels)


def fields_as_text(template: MeasurementTemplate) -> str:
    """Return the template's fields the way a person writes them: one 'Chest, in' per line."""
    return "\n".join(f"{field['label']}, {field['unit']}" for field in template.fields)


def save_template(shop: Shop, *, by: User, name: str, fields_text: str,
                  template: MeasurementTemplate | None = None) -> MeasurementTemplate:
    """Create a template, or change one; jobs already made keep the fields they were measured with."""
    name = " ".join((name or "").split())[:60]
    if not name:
        raise DomainError(_("Name the template, like Shirt."), field="name")
    fields = parse_fields(fields_text)
    clash = db.session.scalar(sa.select(MeasurementTemplate).where(
        MeasurementTemplate.shop_id == shop.id, MeasurementTemplate.name == name,
        MeasurementTemplate.id != (template.id if template else 0)))
    if clash is not None and clash.archived_at is not None and template is None:
        # Making "Shirt" again after archiving it brings the old one back, keeping customers' values.
        clash.archived_at = None
        template, action = clash, "measurement_template.restored"
    elif clash is not None:
        raise DomainError(_("There is already a template with this name."), field="name")
    elif template is None:
        template = MeasurementTemplate(shop_id=shop.id, name=name, fields=fields)
        db.session.add(template)
        db.session.flush()
        audit.record(shop, "measurement_template.created", by=by, subject_type="measurement_template",
                     subject_id=template.id, name=name)
        return template
    else:
        action = "measurement_template.changed"
    # Keep the keys of fields whose label did not change, so customers' saved values still fit.
    old_keys = {field["label"]: field["key"] for field in template.fields}
    taken: set[str] = set()
    for field in fields:
        key = old_keys.get(field["label"], field["key"])
        field["key"] = key if key not in taken else _key_for(field["label"], taken | set(old_keys.values()))
        taken.add(field["key"])
    template.name, template.fields = name, fields
    audit.record(shop, action, by=by, subject_type="measurement_template", subject_id=template.id, name=name)
    return template


def archive_template(shop: Shop, template: MeasurementTemplate, *, by: User) -> None:
    """Take a template off the job form; jobs made with it keep their measurements."""
    if template.archived_at is None:
        template.archived_at = utcnow()
        audit.record(shop, "measurement_template.archived", by=by, subject_type="measurement_template",
                     subject_id=template.id, name=template.name)


def _number(text: str) -> Decimal:
    text = text.strip().translate(_EASTERN_DIGITS)
    fraction = Decimal(0)
    if text and unicodedata.name(text[-1], "").startswith("VULGAR FRACTION"):  # ½ ¼ ¾
        fraction = Decimal(str(unicodedata.numeric(text[-1])))
        text = text[:-1].strip()
    match = _MIXED.match(text)
    if match is None:
        value = Decimal(text)  # a plain number in any other spelling (1e2), else InvalidOperation
    elif match.group(1) is None and match.group(2) is None and not fraction:
        raise InvalidOperation(text)
    elif match.group(2) is not None and (fraction or int(match.group(3)) == 0):
        raise InvalidOperation(text)
    else:
        value = Decimal(match.group(1) or 0) + fraction
        if match.group(2) is not None:
            value += Decimal(match.group(2)) / Decimal(match.group(3))
    if not value.is_finite():
        raise InvalidOperation(text)
    return value.quantize(Decimal("0.001")).normalize()


def clean_value(raw: str, label: str, key: str | None = None) -> str:
    """A measurement as typed (Urdu digits, 15½ and 15 1/2 allowed), checked to be a sensible number; '' when blank."""
    text = (raw or "").strip()
    if not text:
        return ""
    message = _("%(field)s must be a number, like 15.5.", field=label)
    try:
        value = _number(text)
    except (InvalidOperation, ValueError):
        raise DomainError(message, field=f"m_{key or label}") from None
    if value < 0 or value > MAX_VALUE:
        raise DomainError(message, field=f"m_{key or label}")
    return format(value, "f")


def clean_values(fields: list[dict], values: dict) -> dict[str, str]:
    """Check every field's value at once; MeasurementError says which ones are wrong."""
    cleaned, errors = {}, {}
    for field in fields:
        try:
            cleaned[field["key"]] = clean_value(values.get(field["key"], ""), field["label"], field["key"])
        except DomainError as error:
            errors[field["key"]] = error.message
    if errors:
        raise MeasurementError(errors)
    return cleaned


def _snapshot_of(name: str, fields: list[dict], values: dict) -> dict:
    cleaned = clean_values(fields, values)
    return {
        "template": name,
        "fields": [{"key": f["key"], "label": f["label"], "unit": f["unit"], "value": cleaned[f["key"]]}
                   for f in fields],
    }


def snapshot(template: MeasurementTemplate, values: dict) -> dict:
    """The measurements as the job keeps them, whatever later happens to the template."""
    return _snapshot_of(template.name, template.fields, values)


def resnapshot(job: Job, values: dict) -> dict:
    """New values in the fields the job was measured with (not the template's fields of today)."""
    kept = job.measurements or {}
    return _snapshot_of(kept.get("template", ""), kept.get("fields", []), values)


def latest_values(shop: Shop, customer: Customer, template: MeasurementTemplate) -> dict:
    """The customer's last values for this template, to fill in a repeat order."""
    found = db.session.scalar(sa.select(CustomerMeasurement).where(
        CustomerMeasurement.shop_id == shop.id, CustomerMeasurement.customer_id == customer.id,
        CustomerMeasurement.template_id == template.id))
    return dict(found.values) if found else {}


def remember(shop: Shop, customer: Customer, template: MeasurementTemplate, values: dict) -> None:
    """Keep these as the customer's latest values for the template (blank fields keep the old value)."""
    fields = [field for field in template.fields if field["key"] in values]
    cleaned = {key: value for key, value in clean_values(fields, values).items() if value}
    found = db.session.scalar(sa.select(CustomerMeasurement).where(
        CustomerMeasurement.customer_id == customer.id, CustomerMeasurement.template_id == template.id))
    if found is None:
        db.session.add(CustomerMeasurement(shop_id=shop.id, customer_id=customer.id, template_id=template.id,
                                           values=cleaned))
    else:
        found.values = {**found.values, **cleaned}


def form_fields(shop: Shop, template: MeasurementTemplate | None, *, customer: Customer | None = None,
                job: Job | None = None) -> list[dict]:
    """The fields to fill on the job form, each with the value to start from.

    A job's own template shows the job's snapshot (its fields and values, as taken); any other template
    shows today's fields, filled with the customer's latest values so a repeat order starts filled in.
    `remembered` marks a value that came from an earlier order.
    """
    if template is None:
        return []
    if job is not None and job.measurement_template_id == template.id and job.measurements.get("fields"):
        return [{**field, "remembered": False} for field in job.measurements["fields"]]
    latest = latest_values(shop, customer, template) if customer is not None else {}
    return [{**field, "value": latest.get(field["key"], ""), "remembered": bool(latest.get(field["key"]))}
            for field in template.fields]


DEFAULT_TEMPLATES = {
    "en": {
        "Shirt": "Chest, in\nWaist, in\nLength, in\nSleeve, in\nShoulder, in\nCollar, in",
        "Trousers": "Waist, in\nHip, in\nLength, in\nThigh, in\nBottom, in",
        "Kameez": "Chest, in\nWaist, in\nHip, in\nLength, in\nSleeve, in\nShoulder, in\nCollar, in",
        "Shalwar": "Length, in\nWaist, in\nBottom, in",
    },
    "ur": {
        "قمیض": "چھاتی, in\nکمر, in\nکولہا, in\nلمبائی, in\nآستین, in\nکندھا, in\nکالر, in",
        "شلوار": "لمبائی, in\nکمر, in\nپائنچہ, in",
        "پتلون": "کمر, in\nکولہا, in\nلمبائی, in\nران, in\nپائنچہ, in",
    },
}


def add_default_templates(shop: Shop, *, by: User, locales=("en", "ur")) -> list[MeasurementTemplate]:
    """Give a tailoring shop sensible templates in its language; names it already has are left alone."""
    existing = set(db.session.scalars(
        sa.select(MeasurementTemplate.name).where(MeasurementTemplate.shop_id == shop.id)))
    made = []
    for locale in locales:
        for name, fields_text in DEFAULT_TEMPLATES.get(locale, DEFAULT_TEMPLATES["en"]).items():
            if name not in existing:
                made.append(save_template(shop, by=by, name=name, fields_text=fields_text))
                existing.add(name)
    return made
