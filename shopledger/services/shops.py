"""Shops: making one, and changing its settings and logo."""
from __future__ import annotations

import zoneinfo
from pathlib import Path

import phonenumbers
from babel.numbers import list_currencies
from flask import current_app
from flask_babel import gettext as _

from ..extensions import db
from ..models import Membership, Role, Shop, User
from . import audit, images
from .errors import DomainError
from .phones import canonical_phone

LOGO_MAX_PIXELS = 512
EDITABLE_SETTINGS = (
    "name", "phone", "address", "country", "currency", "timezone",
    "default_locale", "invoice_prefix", "payment_instructions",
    "link_lifetime_days", "reminder_stages", "balance_reminders",
)


def create_shop(*, owner: User, name: str, locale: str = "en") -> Shop:
    """Create a shop with the given user as its owner."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Enter the shop's name."), field="shop_name")
    shop = Shop(name=name[:120], default_locale=locale)
    db.session.add(shop)
    db.session.flush()
    db.session.add(Membership(shop_id=shop.id, user_id=owner.id, role=Role.OWNER))
    audit.record(shop, "shop.created", by=owner, subject_type="shop", subject_id=shop.id, name=shop.name)
    db.session.flush()
    return shop


def update_settings(shop: Shop, *, by: User, **values) -> list[str]:
    """Change the shop's settings; record what changed. Returns the names of changed settings."""
    unknown = set(values) - set(EDITABLE_SETTINGS)
    if unknown:
        raise TypeError(f"not a shop setting: {sorted(unknown)}")
    cleaned = dict(values)
    if "name" in cleaned:
        cleaned["name"] = cleaned["name"].strip()
        if not cleaned["name"]:
            raise DomainError(_("Enter the shop's name."), field="name")
    country = cleaned.get("country", shop.country)
    if country not in phonenumbers.SUPPORTED_REGIONS:
        raise DomainError(_("Choose a country from the list."), field="country")
    if "phone" in cleaned:
        cleaned["phone"] = canonical_phone(cleaned["phone"], country)
    if "currency" in cleaned and cleaned["currency"] not in list_currencies():
        raise DomainError(_("Choose a currency from the list."), field="currency")
    if "timezone" in cleaned and cleaned["timezone"] not in zoneinfo.available_timezones():
        raise DomainError(_("Choose a time zone from the list."), field="timezone")
    if "default_locale" in cleaned and cleaned["default_locale"] not in current_app.config["LANGUAGES"]:
        raise DomainError(_("Choose a language from the list."), field="default_locale")
    if "invoice_prefix" in cleaned:
        prefix = cleaned["invoice_prefix"].strip().upper()
        if not prefix or not prefix.replace("-", "").isalnum() or not prefix.isascii():
            raise DomainError(_("Use letters, digits and dashes only, like INV."), field="invoice_prefix")
        cleaned["invoice_prefix"] = prefix
    if {"link_lifetime_days", "reminder_stages", "balance_reminders"} & set(cleaned):
        from . import reminders

        if str(cleaned.get("link_lifetime_days", "x")).strip() == "":
            del cleaned["link_lifetime_days"]  # left empty: the lifetime stays as it was
        if "link_lifetime_days" in cleaned:
            cleaned["link_lifetime_days"] = reminders.check_link_lifetime(cleaned["link_lifetime_days"])
        if "reminder_stages" in cleaned:
            cleaned["reminder_stages"] = reminders.parse_stages(cleaned["reminder_stages"])
        if "balance_reminders" in cleaned:
            cleaned["balance_reminders"] = bool(cleaned["balance_reminders"])

    changes = {}
    for field, value in cleaned.items():
        if getattr(shop, field) != value:
            changes[field] = {"from": getattr(shop, field), "to": value}
            setattr(shop, field, value)
    if changes:
        audit.record(shop, "shop.settings_changed", by=by, subject_type="shop", subject_id=shop.id, changes=changes)
    return sorted(changes)


def logo_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / "logos"


def logo_path(shop: Shop) -> Path | None:
    if not shop.logo_filename:
        return None
    return logo_folder() / shop.logo_filename


def set_logo(shop: Shop, data: bytes, *, by: User) -> list[Path]:
    """Store a new logo: checked to be a picture by its content, turned upright, shrunk, stripped of metadata.

    Returns the old logo's file, for the caller to remove once the change is committed.
    """
    image = images.open_upload(data, max_bytes=current_app.config["LOGO_MAX_BYTES"], field="logo")
    filename, _size = images.save_clean(image, logo_folder(), max_edge=LOGO_MAX_PIXELS, format="PNG")
    old = logo_path(shop)
    shop.logo_filename = filename
    audit.record(shop, "shop.logo_changed", by=by, subject_type="shop", subject_id=shop.id)
    return [old] if old is not None else []


def remove_logo(shop: Shop, *, by: User) -> list[Path]:
    """Stop using the logo; returns its file, for the caller to remove once the change is committed."""
    old = logo_path(shop)
    if old is None:
        return []
    shop.logo_filename = None
    audit.record(shop, "shop.logo_removed", by=by, subject_type="shop", subject_id=shop.id)
    return [old]

