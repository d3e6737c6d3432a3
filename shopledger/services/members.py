"""Members of a shop: invitations, roles, revoking access."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Invitation, Membership, Role, Shop, User
from ..models.types import utcnow
from . import audit
from .errors import DomainError


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def list_members(shop: Shop) -> list[Membership]:
    return list(
        db.session.scalars(
            sa.select(Membership)
            .options(joinedload(Membership.user))
            .where(Membership.shop_id == shop.id)
            .order_by(Membership.created_at, Membership.id)
        )
    )


def list_open_invitations(shop: Shop, now: datetime | None = None) -> list[Invitation]:
    now = now or utcnow()
    return list(
        db.session.scalars(
            sa.select(Invitation)
            .where(
                Invitation.shop_id == shop.id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > now,
            )
            .order_by(Invitation.created_at.desc())
        )
    )


def invite(shop: Shop, *, by: User, name: str, role: Role) -> tuple[Invitation, str]:
    """Make a single-use invitation link. Returns the invitation and its secret token, shown once."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Enter the name of the person you are inviting."), field="name")
    token = secrets.token_urlsafe(32)
    lifetime = timedelta(days=current_app.config["INVITATION_LIFETIME_DAYS"])
    invitation = Invitation(
        shop_id=shop.id,
        name=name[:80],
        role=role,
        token_hash=_hash_token(token),
        created_by_id=by.id,
        expires_at=utcnow() + lifetime,
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(shop, "member.invited", by=by, subject_type="invitation", subject_id=invitation.id,
                 name=invitation.name, role=role.value)
    return invitation, token


def find_open_invitation(token: str, now: datetime | None = None) -> Invitation | None:
    """Return the invitation for a link if it can still be used."""
    if not token or len(token) > 128:
        return None
    invitation = db.session.scalar(
        sa.select(Invitation).options(joinedload(Invitation.shop)).where(Invitation.token_hash == _hash_token(token))
    )
    if invitation is None or not invitation.is_open(now or utcnow()):
        return None
    return invitation


def accept_invitation(invitation: Invitation, *, user: User) -> Membership:
    """Make the user a member with the invited role; the link cannot be used again."""
    now = utcnow()
    # Claim the link in one statement, so two people opening it at once cannot both join.
    claimed = db.session.execute(
        sa.update(Invitation)
        .where(Invitation.shop_id == invitation.shop_id, Invitation.id == invitation.id,
               Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        .values(accepted_at=now, accepted_by_id=user.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise DomainError(_("This invitation has already been used."))
    db.session.refresh(invitation)
    membership = db.session.scalar(
        sa.select(Membership).where(Membership.shop_id == invitation.shop_id, Membership.user_id == user.id)
    )
    if membership is not None:
        raise DomainError(_("You are already a member of this shop."))
    membership = Membership(shop_id=invitation.shop_id, user_id=user.id, role=invitation.role)
    db.session.add(membership)
    db.session.flush()
    audit.record(invitation.shop, "member.joined", by=user, subject_type="membership", subject_id=membership.id,
                 role=invitation.role.value, invitation_id=invitation.id)
    return membership


def revoke_invitation(shop: Shop, invitation: Invitation, *, by: User) -> None:
    if invitation.revoked_at is not None or invitation.accepted_at is not None:
        return
    invitation.revoked_at = utcnow()
    audit.record(shop, "member.invitation_revoked", by=by, subject_type="invitation", subject_id=invitation.id)


def _owner_count(shop: Shop) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Membership).where(
            Membership.shop_id == shop.id, Membership.role == Role.OWNER
        )
    )


def change_role(shop: Shop, membership: Membership, *, role: Role, by: User) -> None:
    """Give a member another role; a shop always keeps at least one owner."""
    if membership.role == role:
        return
    if membership.role == Role.OWNER and _owner_count(shop) <= 1:
        raise DomainError(_("A shop needs at least one owner. Make someone else owner first."), field="role")
    audit.record(shop, "member.role_changed", by=by, subject_type="membership", subject_id=membership.id,
                 user_id=membership.user_id, **{"from": membership.role.value, "to": role.value})
    membership.role = role


def revoke(shop: Shop, membership: Membership, *, by: User) -> None:
    """Take a member's access away, effective on their next request."""
    if membership.role == Role.OWNER and _owner_count(shop) <= 1:
        raise DomainError(_("A shop needs at least one owner. Make someone else owner first."))
    audit.record(shop, "member.revoked", by=by, subject_type="membership", subject_id=membership.id,
                 user_id=membership.user_id, role=membership.role.value)
    db.session.delete(membership)
    db.session.flush()
