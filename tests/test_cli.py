"""The administration commands."""
import sqlalchemy as sa

from shopledger.models import Customer, Job, JobStatus, MeasurementTemplate, Membership, Role, Shop, User
from shopledger.services import accounts


def test_create_user_with_a_new_shop_makes_them_its_owner(app, db):
    result = app.test_cli_runner().invoke(args=[
        "shopledger", "create-user", "--email", "Owner@Example.com", "--name", "Rukhsana",
        "--password", "stitches in time", "--shop-name", "Rukhsana Boutique", "--locale", "ur"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "owner@example.com"))
    membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == user.id))
    assert membership.role == Role.OWNER and membership.shop.name == "Rukhsana Boutique"
    assert user.locale == "ur"


def test_create_user_into_an_existing_shop_with_a_role(app, db, make_shop):
    shop = make_shop()
    result = app.test_cli_runner().invoke(args=[
        "shopledger", "create-user", "--email", "s@example.com", "--name", "S", "--password", "stitches in time",
        "--shop-id", str(shop.id), "--role", "viewer"])
    assert result.exit_code == 0, result.output
    role = db.session.scalar(sa.select(Membership.role).join(User).where(User.email == "s@example.com"))
    assert role == Role.VIEWER


def test_create_user_refuses_a_weak_password_with_the_reason(app, db):
    result = app.test_cli_runner().invoke(args=[
        "shopledger", "create-user", "--email", "w@example.com", "--name", "W", "--password", "123"])
    assert result.exit_code != 0 and "at least 8" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_seed_demo_builds_a_shop_with_every_role_once(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["shopledger", "seed-demo"])
    second = runner.invoke(args=["shopledger", "seed-demo"])
    assert first.exit_code == second.exit_code == 0
    assert "exists already" in second.output
    shop = db.session.scalar(sa.select(Shop))
    assert "نور" in shop.name and shop.phone == "+923001234567"
    roles = sorted(role.value for role in db.session.scalars(sa.select(Membership.role)))
    assert roles == ["manager", "owner", "staff", "viewer"]
    assert any(not user.name.isascii() for user in db.session.scalars(sa.select(User)))
    assert accounts.authenticate("owner@noortailors.example.com", "demo-khata-2026", address="cli").user


def test_seed_demo_has_customers_in_both_scripts_and_jobs_in_every_status(app, db):
    assert app.test_cli_runner().invoke(args=["shopledger", "seed-demo"]).exit_code == 0
    names = db.session.scalars(sa.select(Customer.name)).all()
    assert any(name.isascii() for name in names) and any(not name.isascii() for name in names)
    statuses = set(db.session.scalars(sa.select(Job.status)))
    assert statuses == set(JobStatus)
    templates = set(db.session.scalars(sa.select(MeasurementTemplate.name)))
    assert {"Shirt", "Trousers", "قمیض"} <= templates
    shirt_job = db.session.scalar(sa.select(Job).where(Job.title == "Two shirts, white cotton"))
    assert shirt_job.measurements["template"] == "Shirt"
    assert {field["key"]: field["value"] for field in shirt_job.measurements["fields"]}["collar"] == "15.5"


def test_seed_demo_has_invoices_in_every_state_and_payments_with_allocations_and_credit(app, db):
    from shopledger.models import Invoice, PaymentAllocation
    from shopledger.services import clock, invoices, ledger, payments

    assert app.test_cli_runner().invoke(args=["shopledger", "seed-demo"]).exit_code == 0
    shop = db.session.scalar(sa.select(Shop))
    today = clock.shop_today(shop)
    all_invoices = db.session.scalars(sa.select(Invoice)).all()
    paid = invoices.paid_amounts([invoice.id for invoice in all_invoices])
    states = {invoices.display_status(invoice, paid.get(invoice.id, 0), today) for invoice in all_invoices}
    assert states == set(invoices.DisplayStatus)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PaymentAllocation)) == 4
    fatima = db.session.scalar(sa.select(Customer).where(Customer.name == "فاطمہ بی بی"))
    assert payments.credit_minor(shop, fatima) == 5000_00 and ledger.balance(shop, fatima) == -5000_00
