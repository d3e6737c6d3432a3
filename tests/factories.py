"""Factories for the rows tests need, as callable fixtures."""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest

from shopledger.models import Membership, Role, Shop, User
from shopledger.services import accounts, shops

_counter = itertools.count(1)


@pytest.fixture
def make_user(db, request_context):
    def make(*, email: str | None = None, name: str = "Test Person", password: str | None = None, locale=None) -> User:
        from tests.conftest import TEST_PASSWORD

        email = email or f"person{next(_counter)}@example.com"
        user = accounts.create_user(email=email, name=name, password=password or TEST_PASSWORD, locale=locale)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_shop(db, make_user):
    def make(*, owner: User | None = None, name: str = "Test Shop") -> Shop:
        owner = owner or make_user(name="Shop Owner")
        shop = shops.create_shop(owner=owner, name=name)
        owner.last_shop_id = shop.id
        db.session.commit()
        return shop

    return make


@pytest.fixture
def add_member(db, make_user):
    def add(shop: Shop, role: Role, *, user: User | None = None, name: str | None = None) -> User:
        user = user or make_user(name=name or f"{role.value.title()} of {shop.name}")
        db.session.add(Membership(shop_id=shop.id, user_id=user.id, role=role))
        user.last_shop_id = user.last_shop_id or shop.id
        db.session.commit()
        return user

    return add


@dataclass
class ShopWithTeam:
    shop: Shop
    owner: User
    manager: User
    staff: User
    viewer: User

    def member(self, role: Role) -> User:
        return getattr(self, role.value)


@pytest.fixture
def make_team(make_shop, add_member, make_user):
    def make(name: str) -> ShopWithTeam:
        owner = make_user(name=f"Owner of {name}")
        shop = make_shop(owner=owner, name=name)
        return ShopWithTeam(
            shop=shop,
            owner=owner,
            manager=add_member(shop, Role.MANAGER),
            staff=add_member(shop, Role.STAFF),
            viewer=add_member(shop, Role.VIEWER),
        )

    return make


@pytest.fixture
def two_shops(make_team):
    """Two shops with a member of every role each: the world every isolation check runs in."""
    return make_team("Alpha Tailors"), make_team("Beta Repairs")
