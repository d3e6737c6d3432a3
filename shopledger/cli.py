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
    seed_demo_customers_and_jobs(shop, owner=users[0], staff=users[2])
    return shop


DEMO_CUSTOMERS = (
    # name, phone, email, language, notes
    ("Ahmed Raza", "0300 2345678", "ahmed.raza@example.com", "en", "Prefers a loose fit. Pays at month end."),
    ("فاطمہ بی بی", "0321 4567890", "", "ur", "شادی کا جوڑا، دسمبر میں"),
    ("Usman Tariq", "0333 1112233", "", "en", ""),
    ("زینب علی", "0345 9876543", "zainab@example.com", "ur", ""),
    ("Bilal Hussain", "0301 5556677", "", "en", "Regular: two shalwar kameez every Eid."),
    ("محمد اسلم", "0312 7654321", "", "ur", "دکان کے ساتھ والی گلی میں رہتے ہیں"),
    ("Sana Malik", "0300 9990001", "sana.malik@example.com", "en", ""),
    ("عمران خان", "0322 3344556", "", "ur", ""),
    ("Hira Shah", "0334 6677889", "", "en", "Bridal work: handle with care."),
    ("علی حسن", "0346 1234987", "", "ur", ""),
)

DEMO_JOBS = (
    # customer index, title, template, values (by field key, or in field order), due in days, due hour,
    # status, quoted rupees
    (0, "Two shirts, white cotton", "Shirt", {"chest": "40", "waist": "36", "length": "29", "sleeve": "24",
                                               "shoulder": "18", "collar": "15.5"}, -2, None, "in_progress", 3000),
    (1, "شادی کا جوڑا", "قمیض", ["36", "30", "40", "42", "22", "15", "14"], 0, 17, "in_progress", 15000),
    (2, "Trousers hemming", "Trousers", {"waist": "34", "length": "40", "bottom": "14"}, 1, None, "in_progress", 500),
    (3, "Kameez with embroidery", "Kameez", {"chest": "34", "waist": "28", "hip": "38", "length": "40"}, 4, None,
     "in_progress", 6500),
    (4, "Eid shalwar kameez ×2", "Kameez", {"chest": "42", "waist": "38", "length": "41", "sleeve": "25"}, 12, None,
     "in_progress", 7000),
    (5, "کوٹ کی مرمت", None, {}, None, None, "in_progress", 1200),
    (6, "Blouse alteration", None, {}, -1, None, "completed", 800),
    (7, "Waistcoat", "Shirt", {"chest": "41", "length": "27"}, -5, None, "delivered", 4500),
    (8, "Bridal lehenga fitting", None, {}, 2, 11, "completed", 25000),
    (0, "Kurta, sky blue", "Kameez", {"chest": "40", "waist": "36", "length": "42"}, -20, None, "delivered", 2500),
)


def seed_demo_customers_and_jobs(shop: Shop, *, owner, staff) -> None:
    """Customers in both languages, measurement templates, and jobs in every status and due group."""
    from datetime import time, timedelta

    from .models import JobStatus
    from .services import clock, customers, jobs, measurements

    templates = {template.name: template for template in measurements.add_default_templates(shop, by=owner)}
    people = [
        customers.create_customer(shop, by=owner, name=name, phone=phone, email=email, preferred_locale=locale,
                                  notes=notes)
        for name, phone, email, locale, notes in DEMO_CUSTOMERS
    ]
    today = clock.shop_today(shop)
    for index, title, template_name, values, due_in, hour, status, rupees in DEMO_JOBS:
        template = templates.get(template_name)
        keyed = values if isinstance(values, dict) else {
            field["key"]: value for field, value in zip(template.fields, values)}
        job = jobs.create_job(
            shop, people[index], by=staff, title=title,
            due_date=today + timedelta(days=due_in) if due_in is not None else None,
            due_time=time(hour) if hour is not None else None,
            quoted_minor=rupees * 100, template=template, measurement_values=keyed,
        )
        if status in ("completed", "delivered"):
            jobs.move(shop, job, to=JobStatus.COMPLETED, by=staff)
        if status == "delivered":
            jobs.move(shop, job, to=JobStatus.DELIVERED, by=owner)


def register_commands(app: Flask) -> None:
    app.cli.add_command(shopledger_cli)


