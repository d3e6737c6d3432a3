"""Command-line tools: `flask shopledger create-user` and `flask shopledger seed-demo`."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from .extensions import db
from .models import Membership, Role, Shop
from .services import accounts, shops
from .services.errors import DomainError

shopledger_cli = AppGroup("shopledger", help="ShopLedger administration.")

DEMO_PASSWORD = "demo-khata-2026"
DEMO_MEMBERS = (
    # email, name, role
    ("owner@noortailors.example.com", "Imran Qureshi", Role.OWNER),
    ("manager@noortailors.example.com", "عائشہ خان", Role.MANAGER),
    ("staff@noortailors.example.com", "Bilal Ahmed", Role.STAFF),
    ("viewer@noortailors.example.com", "ثنا ملک", Role.VIEWER),
)


@shopledger_cli.command("create-user")
@click.option("--email", required=True, help="The login email.")
@click.option("--name", required=True, help="The person's name.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="Prompted when not given.")
@click.option("--shop-name", help="Make a new shop with this user as owner.")
@click.option("--shop-id", type=int, help="Add the user to this existing shop ...")
@click.option("--role", type=click.Choice([role.value for role in Role]), default=Role.STAFF.value,
              show_default=True, help="... with this role.")
@click.option("--locale", type=click.Choice(["en", "ur"]), default="en", show_default=True)
def create_user(email, name, password, shop_name, shop_id, role, locale):
    """Create a user, with a shop of their own or as a member of an existing one."""
    if shop_name and shop_id:
        raise click.UsageError("Give --shop-name or --shop-id, not both.")
    try:
        user = accounts.create_user(email=email, name=name, password=password, locale=locale)
        if shop_name:
            shop = shops.create_shop(owner=user, name=shop_name, locale=locale)
            user.last_shop_id = shop.id
        elif shop_id:
            if db.session.get(Shop, shop_id) is None:
                raise click.BadParameter(f"there is no shop {shop_id}", param_hint="--shop-id")
            db.session.add(Membership(shop_id=shop_id, user_id=user.id, role=Role(role)))
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message)
    db.session.commit()
    click.echo(f"Created {user.email} (user {user.id}).")


@shopledger_cli.command("seed-demo")
def seed_demo():
    """Create a demo shop with people in every role and English and Urdu names."""
    owner_email = DEMO_MEMBERS[0][0]
    if accounts.find_user(owner_email) is not None:
        click.echo(f"The demo shop exists already. Log in as {owner_email} / {DEMO_PASSWORD}")
        return
    shop = seed_demo_shop()
    db.session.commit()
    click.echo(f"Demo shop '{shop.name}' created. Log in as {owner_email} / {DEMO_PASSWORD}")
    for email, _name, role in DEMO_MEMBERS[1:]:
        click.echo(f"  {role.value:8} {email} / {DEMO_PASSWORD}")


def seed_demo_shop() -> Shop:
    """Build the demo shop and its members (flushed, not committed)."""
    users = []
    for email, name, _role in DEMO_MEMBERS:
        users.append(accounts.create_user(email=email, name=name, password=DEMO_PASSWORD,
                                          locale="ur" if not name.isascii() else "en"))
    shop = shops.create_shop(owner=users[0], name="Noor Tailors · نور ٹیلرز", locale="en")
    shops.update_settings(
        shop, by=users[0],
        phone="0300 1234567",
        address="Shop 14, Tariq Road, Karachi",
        payment_instructions="Meezan Bank 0123-4567890-1 (Noor Tailors)\nJazzCash / Easypaisa: 0300 1234567",
    )
    for user, (_email, _name, role) in zip(users[1:], DEMO_MEMBERS[1:]):
        db.session.add(Membership(shop_id=shop.id, user_id=user.id, role=role))
    for user in users:
        user.last_shop_id = shop.id
    db.session.flush()
    return shop


def register_commands(app: Flask) -> None:
    app.cli.add_command(shopledger_cli)


