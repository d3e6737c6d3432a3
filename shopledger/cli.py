"""Command-line tools: `flask shopledger create-user` and `flask shopledger seed-demo`."""
from __future__ import annotations

import click
import sqlalchemy as sa
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
@click.option("--scale", type=click.FloatRange(min=0, max=50, min_open=True), default=None,
              help="Also fill the demo shop like a large one: at 1, 10,000 customers, 100,000 invoices, "
                   "80,000 payments and 20,000 jobs; 0.1 is a tenth of that, 5 five times.")
@click.option("--seed", type=int, default=None, hidden=True, help="The random seed for --scale.")
def seed_demo(scale, seed):
    """Create a demo shop with people in every role and English and Urdu names."""
    owner_email = DEMO_MEMBERS[0][0]
    owner = accounts.find_user(owner_email)
    if owner is not None and scale is None:
        click.echo(f"The demo shop exists already. Log in as {owner_email} / {DEMO_PASSWORD}")
        return
    if owner is None:
        shop = seed_demo_shop()
        db.session.commit()
        click.echo(f"Demo shop '{shop.name}' created. Log in as {owner_email} / {DEMO_PASSWORD}")
        for email, _name, role in DEMO_MEMBERS[1:]:
            click.echo(f"  {role.value:8} {email} / {DEMO_PASSWORD}")
    else:
        shop = db.session.get(Shop, owner.last_shop_id) if owner.last_shop_id else None
        if shop is None:
            raise click.ClickException(f"{owner_email} has no shop to fill.")
        click.echo(f"The demo shop exists already: adding the large shop's data to '{shop.name}'.")
    if scale is not None:
        _seed_scaled(shop, scale, seed)


def _seed_scaled(shop: Shop, scale: float, seed: int | None) -> None:
    from . import seeding
    from .models import User

    emails = [email for email, _name, _role in DEMO_MEMBERS]
    users = sorted(db.session.scalars(sa.select(User).where(User.email.in_(emails))),
                   key=lambda user: emails.index(user.email))
    counts = seeding.scaled_counts(scale)
    click.echo(f"Adding a large shop at scale {scale:g}: " + ", ".join(f"{count:,} {name}"
                                                                        for name, count in counts.items()))
    report = seeding.seed_large_shop(shop, scale=scale, users=users, echo=click.echo,
                                     **({"seed": seed} if seed is not None else {}))
    click.echo(f"Done in {report.total_seconds:.1f}s: {report.counts['lines']:,} invoice lines, "
               f"{report.counts['allocations']:,} payment allocations.")


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
    seed_demo_invoices_and_payments(shop, owner=users[0], manager=users[1], staff=users[2])
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



def seed_demo_invoices_and_payments(shop: Shop, *, owner, manager, staff) -> None:
    """Invoices in every state, payments with allocations, an advance kept as credit, a void and its correction."""
    from datetime import timedelta
    from decimal import Decimal

    import sqlalchemy as sa

    from .models import Customer, Job, PaymentMethod, PaymentTerms
    from .services import clock, invoices, payments
    from .services.invoices import LineDraft

    today = clock.shop_today(shop)
    people = {customer.name: customer for customer in db.session.scalars(
        sa.select(Customer).where(Customer.shop_id == shop.id))}
    job = {job.title: job for job in db.session.scalars(sa.select(Job).where(Job.shop_id == shop.id))}

    def issue(invoice):
        invoices.issue(shop, invoice, by=staff)
        return invoice

    def pay(name, rupees, days_ago, method, reference="", allocations=None):
        payments.record(shop, people[name], by=staff, amount_minor=rupees * 100,
                        received_on=today - timedelta(days=days_ago), method=method, reference=reference,
                        allocations=allocations)

    # Paid in full, from a delivered job.
    issue(invoices.draft_from_jobs(shop, people["Ahmed Raza"], [job["Kurta, sky blue"]], by=staff,
                                   issue_date=today - timedelta(days=20)))
    pay("Ahmed Raza", 2500, 19, PaymentMethod.CASH)
    # Partly paid, with tax and a discount.
    shirts = invoices.create_draft(
        shop, people["Ahmed Raza"], by=staff, issue_date=today - timedelta(days=2), terms=PaymentTerms.NET_15,
        discount_minor=200_00, lines=[
            LineDraft("Two shirts, white cotton: stitching", Decimal(2), 1500_00,
                      job_id=job["Two shirts, white cotton"].id),
            LineDraft("Buttons (mother of pearl)", Decimal(12), 25_00, tax_percent=Decimal(17)),
        ])
    issue(shirts)
    pay("Ahmed Raza", 1000, 1, PaymentMethod.MOBILE_WALLET, reference="JazzCash 8821")
    # Overdue: on 30 days' terms, 40 days ago.
    issue(invoices.create_draft(shop, people["Usman Tariq"], by=staff, issue_date=today - timedelta(days=40),
                                terms=PaymentTerms.NET_30,
                                lines=[LineDraft("Trousers hemming ×3", Decimal(3), 500_00)]))
    # An advance taken on a job: all of it credit until the invoice comes.
    pay("فاطمہ بی بی", 5000, 6, PaymentMethod.BANK_TRANSFER, reference="Meezan 44102")
    # A draft, not yet issued.
    invoices.draft_from_jobs(shop, people["Sana Malik"], [job["Blouse alteration"]], by=staff, issue_date=today)
    # Voided and corrected; the corrected one paid by cheque.
    wrong = issue(invoices.draft_from_jobs(shop, people["عمران خان"], [job["Waistcoat"]], by=staff,
                                           issue_date=today - timedelta(days=5)))
    corrected = invoices.correct(shop, wrong, by=manager, reason="Price agreed was Rs 4,000",
                                 issue_date=today - timedelta(days=5))
    invoices.update_draft(shop, corrected, by=manager, issue_date=corrected.issue_date, terms=corrected.terms,
                          due_date=None, notes="Corrected price", discount_minor=0,
                          lines=[LineDraft(line.description, Decimal(line.quantity), 4000_00, job_id=line.job_id)
                                 for line in corrected.lines])
    issue(corrected)
    pay("عمران خان", 4000, 4, PaymentMethod.CHEQUE, reference="HBL 000731")
    # The khata way: goods given on credit, due in 15 days.
    issue(invoices.create_draft(shop, people["Hira Shah"], by=staff, issue_date=today - timedelta(days=1),
                                terms=PaymentTerms.NET_15,
                                lines=[LineDraft("Bridal lehenga fitting", Decimal(1), 25000_00,
                                                 job_id=job["Bridal lehenga fitting"].id)]))
    # Paid more than owed: the rest is credit.
    invoices.quick_credit_sale(shop, people["Bilal Hussain"], by=owner, amount_minor=1200_00,
                               note="Lining cloth, 2 metres", today=today - timedelta(days=3))
    pay("Bilal Hussain", 2000, 2, PaymentMethod.CARD)
    # Sent on WhatsApp, not yet due: the customer has a link to it.
    from .models import MessageChannel
    from .services import links

    sent = issue(invoices.create_draft(shop, people["Sana Malik"], by=staff, issue_date=today, terms=PaymentTerms.NET_7,
                                       lines=[LineDraft("Dupatta dyeing", Decimal(1), 800_00)]))
    links.record_share(shop, links.link_for_invoice(shop, sent, by=staff), channel=MessageChannel.WHATSAPP, by=staff)

@shopledger_cli.command("backup-db")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
def backup_db(path, force):
    """Copy the whole SQLite database to PATH with SQLite's online backup API, safe while the app runs.

    For PostgreSQL use pg_dump (see the README).
    """
    from pathlib import Path

    from .services import backup

    if db.engine.url.get_backend_name() != "sqlite":
        raise click.ClickException("This database is not SQLite. Back up PostgreSQL with pg_dump: "
                                   'pg_dump --format=custom --file=shopledger.dump "$DATABASE_URL"')
    target = Path(path)
    if target.exists() and not force:
        raise click.ClickException(f"{target} exists already; give --force to replace it.")
    size = backup.backup_sqlite_database(target)
    click.echo(f"Backed up the database to {target} ({size:,} bytes).")


@shopledger_cli.command("backup-shop")
@click.argument("shop_id", type=int)
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def backup_shop(shop_id, path):
    """Write one shop's backup archive (the file the Backup page downloads) to PATH."""
    from .services import backup

    shop = db.session.get(Shop, shop_id)
    if shop is None:
        raise click.BadParameter(f"there is no shop {shop_id}", param_hint="SHOP_ID")
    with open(path, "xb") as target:
        manifest = backup.write_archive(shop, target)
    db.session.rollback()
    click.echo(f"Backed up '{shop.name}' to {path}: " + ", ".join(
        f"{count:,} {name}" for name, count in manifest.counts.items() if count))


@shopledger_cli.command("restore-shop")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--owner", "owner_email", required=True, help="The email of the user who will own the new shop.")
@click.option("--name", default=None, help="The new shop's name (default: the backup's, with '(restored)').")
def restore_shop(path, owner_email, name):
    """Restore a shop's backup archive into a new shop (for backups too large to upload through the page)."""
    from .services import backup

    owner = accounts.find_user(owner_email)
    if owner is None:
        raise click.BadParameter(f"there is no user {owner_email}", param_hint="--owner")
    with open(path, "rb") as source:
        try:
            restored = backup.restore(source, by=owner, name=name)
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(error.message)
        try:
            db.session.commit()
        except Exception:
            db.session.rollback()
            backup.discard(restored)
            raise
    click.echo(f"Restored into the new shop '{restored.shop.name}' (shop {restored.shop.id}), owned by {owner.email}.")


def register_commands(app: Flask) -> None:
    app.cli.add_command(shopledger_cli)
