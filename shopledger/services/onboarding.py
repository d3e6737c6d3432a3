"""The steps that make a new shop ready for its first customer."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import Invitation, Membership, Shop


@dataclass(frozen=True)
class SetupStep:
    label: object
    hint: object
    endpoint: str
    done: bool
    permission: str


def setup_steps(shop: Shop) -> list[SetupStep]:
    """Return the setup checklist for the shop, each step marked done or not."""
    has_team = db.session.scalar(
        sa.select(sa.func.count()).select_from(Membership).where(Membership.shop_id == shop.id)
    ) > 1 or db.session.scalar(
        sa.select(sa.func.count()).select_from(Invitation).where(Invitation.shop_id == shop.id)
    ) > 0
    return [
        SetupStep(_l("Add your shop's phone and address"), _l("They appear on every invoice."),
                  "settings.edit", bool(shop.phone and shop.address), "shop.edit_settings"),
        SetupStep(_l("Upload your logo"), _l("A square picture works best."),
                  "settings.edit", bool(shop.logo_filename), "shop.edit_settings"),
        SetupStep(_l("Write how customers can pay you"), _l("Bank account, JazzCash or Easypaisa number."),
                  "settings.edit", bool(shop.payment_instructions), "shop.edit_settings"),
        SetupStep(_l("Invite your staff"), _l("Each person gets their own login and role."),
                  "members.index", has_team, "members.manage"),
    ]
