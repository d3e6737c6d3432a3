"""Members: invitations are single-use, a shop always keeps an owner, every change is audited."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from shopledger.models import AuditEvent, Invitation, Membership, Role
from shopledger.models.types import utcnow
from shopledger.services import members
from shopledger.services.errors import DomainError


def test_an_invitation_link_makes_a_member_with_the_invited_role_once(db, make_shop, make_user):
    shop = make_shop()
    owner = shop.memberships[0].user
    invitation, token = members.invite(shop, by=owner, name="Bilal", role=Role.STAFF)
    db.session.commit()
    assert invitation.token_hash != token and len(token) >= 40

    first, second = make_user(), make_user()
    found = members.find_open_invitation(token)
    membership = members.accept_invitation(found, user=first)
    db.session.commit()
    assert (membership.shop_id, membership.user_id, membership.role) == (shop.id, first.id, Role.STAFF)

    assert members.find_open_invitation(token) is None
    with pytest.raises(DomainError):
        members.accept_invitation(found, user=second)


def test_expired_and_revoked_invitations_do_not_open(db, make_shop):
    shop = make_shop()
    owner = shop.memberships[0].user
    expired, expired_token = members.invite(shop, by=owner, name="Late", role=Role.VIEWER)
    expired.expires_at = utcnow() - timedelta(minutes=1)
    revoked, revoked_token = members.invite(shop, by=owner, name="Cancelled", role=Role.VIEWER)
    members.revoke_invitation(shop, revoked, by=owner)
    db.session.commit()
    assert members.find_open_invitation(expired_token) is None
    assert members.find_open_invitation(revoked_token) is None
    assert members.find_open_invitation("x" * 500) is None
    assert members.list_open_invitations(shop) == []


def test_a_member_of_the_shop_cannot_join_it_twice(db, make_shop):
    shop = make_shop()
    owner = shop.memberships[0].user
    invitation, token = members.invite(shop, by=owner, name="Me again", role=Role.STAFF)
    with pytest.raises(DomainError):
        members.accept_invitation(invitation, user=owner)


def test_the_last_owner_cannot_be_demoted_or_removed(db, make_shop):
    shop = make_shop()
    owner_membership = shop.memberships[0]
    owner = owner_membership.user
    with pytest.raises(DomainError):
        members.change_role(shop, owner_membership, role=Role.MANAGER, by=owner)
    with pytest.raises(DomainError):
        members.revoke(shop, owner_membership, by=owner)


def test_with_a_second_owner_the_first_can_step_down(db, make_shop, add_member):
    shop = make_shop()
    first = shop.memberships[0]
    add_member(shop, Role.OWNER)
    members.change_role(shop, first, role=Role.MANAGER, by=first.user)
    db.session.commit()
    assert first.role == Role.MANAGER


def test_role_changes_and_revocations_are_audited_with_who_and_what(db, make_shop, add_member):
    shop = make_shop()
    owner = shop.memberships[0].user
    staff = add_member(shop, Role.STAFF)
    membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == staff.id))
    members.change_role(shop, membership, role=Role.MANAGER, by=owner)
    members.revoke(shop, membership, by=owner)
    db.session.commit()
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.shop_id == shop.id, AuditEvent.action.like("member.%"))
        .order_by(AuditEvent.id)
    ).all()
    assert [(event.action, event.user_id) for event in events] == [
        ("member.role_changed", owner.id), ("member.revoked", owner.id)]
    assert events[0].details["from"] == "staff" and events[0].details["to"] == "manager"
    assert db.session.get(Membership, membership.id) is None


def test_invitations_are_listed_only_for_their_own_shop(db, make_shop):
    mine, theirs = make_shop(name="Mine"), make_shop(name="Theirs")
    members.invite(mine, by=mine.memberships[0].user, name="For me", role=Role.STAFF)
    members.invite(theirs, by=theirs.memberships[0].user, name="For them", role=Role.STAFF)
    db.session.commit()
    assert [invitation.name for invitation in members.list_open_invitations(mine)] == ["For me"]
    assert db.session.query(Invitation).count() == 2
