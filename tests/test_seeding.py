"""The large demo shop (`seed-demo --scale`): the counts asked for, and books that add up."""
import re
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import phonenumbers
import pytest
import sqlalchemy as sa

from shopledger import seeding
from shopledger.models import (
    Customer,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    InvoiceStatus,
    Job,
    JobStatusChange,
    Payment,
    PaymentAllocation,
    PaymentMethod,
    Shop,
    User,
)
from shopledger.services import clock, invoices, ledger, payments, totals
from shopledger.services import customers as customer_service

SCALE = 0.01  # 100 customers, 1,000 invoices, 800 payments, 200 jobs

TABLES = {"customers": Customer, "invoices": Invoice, "payments": Payment, "jobs": Job}


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def seeded(app, db):
    """The small demo shop first, then the large one added to it: what the bulk seeding added, and the shop."""
    runner = app.test_cli_runner()
    assert runner.invoke(args=["shopledger", "seed-demo"]).exit_code == 0
    before = {name: _count(db, model) for name, model in TABLES.items()}
    before_invoice_ids = set(db.session.scalars(sa.select(Invoice.id)))
    result = runner.invoke(args=["shopledger", "seed-demo", "--scale", str(SCALE)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    shop = db.session.scalar(sa.select(Shop))
    added = {name: _count(db, model) - before[name] for name, model in TABLES.items()}
    return shop, added, before_invoice_ids


def test_the_counts_are_the_scale_times_the_base_counts():
    assert seeding.scaled_counts(1) == {"customers": 10_000, "invoices": 100_000, "payments": 80_000,
                                        "jobs": 20_000}
    assert seeding.scaled_counts(0.1) == {"customers": 1_000, "invoices": 10_000, "payments": 8_000, "jobs": 2_000}
    assert seeding.scaled_counts(5)["invoices"] == 500_000
    for bad in (0, -1, seeding.MAX_SCALE + 1):
        with pytest.raises(ValueError):
            seeding.scaled_counts(bad)


def test_seeding_adds_the_scaled_counts_to_the_demo_shop(seeded, db):
    shop, added, _before = seeded
    assert added == seeding.scaled_counts(SCALE)
    # Every row belongs to the demo shop, the one its owner works in.
    owner = db.session.scalar(sa.select(User).where(User.email == "owner@noortailors.example.com"))
    assert owner.last_shop_id == shop.id
    for model in (*TABLES.values(), InvoiceLine, PaymentAllocation, JobStatusChange):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model).where(model.shop_id != shop.id)) == 0
    statuses = Counter(db.session.scalars(sa.select(Invoice.status)))
    assert statuses[InvoiceStatus.ISSUED] > statuses[InvoiceStatus.VOID] > 0 and statuses[InvoiceStatus.DRAFT] > 0
    lines_per_invoice = Counter(db.session.scalars(
        sa.select(sa.func.count()).select_from(InvoiceLine).group_by(InvoiceLine.invoice_id)))
    assert min(lines_per_invoice) >= 1 and max(lines_per_invoice) <= 8


def test_stored_totals_follow_the_rounding_rule(seeded, db):
    lines_by_invoice = {}
    for line in db.session.scalars(sa.select(InvoiceLine).order_by(InvoiceLine.invoice_id, InvoiceLine.position)):
        lines_by_invoice.setdefault(line.invoice_id, []).append(line)
    checked = 0
    for invoice in db.session.scalars(sa.select(Invoice)):
        lines = lines_by_invoice[invoice.id]
        worked = totals.compute([totals.LineInput(Decimal(line.quantity), line.unit_price_minor,
                                                  Decimal(line.discount_percent), Decimal(line.tax_percent))
                                 for line in lines], invoice.discount_minor)
        assert (invoice.subtotal_minor, invoice.tax_minor, invoice.total_minor) == (
            worked.subtotal_minor, worked.tax_minor, worked.total_minor), invoice.id
        for line, line_totals in zip(lines, worked.lines):
            assert (line.net_minor, line.invoice_discount_minor, line.tax_minor, line.total_minor) == (
                line_totals.net_minor, line_totals.invoice_discount_minor, line_totals.tax_minor,
                line_totals.total_minor)
        assert invoice.total_minor == invoice.subtotal_minor - invoice.discount_minor + invoice.tax_minor
        checked += 1
    assert checked > 1000


def test_balances_reconcile_with_the_ledger(seeded, db):
    shop, _added, _before = seeded
    customer_ids = list(db.session.scalars(sa.select(Customer.id).where(Customer.shop_id == shop.id)))
    balances = ledger.balances(shop, customer_ids)

    issued = dict(db.session.execute(
        sa.select(Invoice.customer_id, sa.func.sum(Invoice.total_minor))
        .where(Invoice.status == InvoiceStatus.ISSUED).group_by(Invoice.customer_id)).all())
    paid_in = dict(db.session.execute(
        sa.select(Payment.customer_id, sa.func.sum(Payment.amount_minor))
        .where(Payment.voided_at.is_(None)).group_by(Payment.customer_id)).all())
    all_invoices = list(db.session.scalars(sa.select(Invoice)))
    paid = invoices.paid_amounts([invoice.id for invoice in all_invoices])
    still_due = Counter()
    for invoice in all_invoices:
        assert 0 <= paid.get(invoice.id, 0) <= max(invoice.total_minor, 0), invoice.id
        if invoice.status == InvoiceStatus.ISSUED:
            still_due[invoice.customer_id] += invoice.total_minor - paid.get(invoice.id, 0)
        else:
            assert paid.get(invoice.id, 0) == 0, "money is set against a draft or a void invoice"

    owing = credit = 0
    for customer in db.session.scalars(sa.select(Customer).where(Customer.shop_id == shop.id)):
        balance = balances[customer.id]
        assert balance == int(issued.get(customer.id) or 0) - int(paid_in.get(customer.id) or 0)
        # The same balance from the other side: what is still due on invoices, less unallocated credit.
        assert balance == still_due[customer.id] - payments.credit_minor(shop, customer), customer.name
        owing += balance > 0
        credit += balance < 0
    assert owing > 0 and credit > 0

    # No payment is spread over more than it was; a voided payment's allocations are void too.
    for payment in db.session.scalars(sa.select(Payment)):
        assert payments.allocated_minor(payment) <= payment.amount_minor
        if payment.is_void:
            assert payments.allocated_minor(payment) == 0

    # The busiest customer's statement ends at their balance.
    busiest = db.session.execute(sa.select(Invoice.customer_id).group_by(Invoice.customer_id)
                                 .order_by(sa.func.count().desc()).limit(1)).scalar_one()
    customer = db.session.get(Customer, busiest)
    account = ledger.statement(shop, customer)
    assert len(account.entries) > 50 and account.closing_minor == balances[busiest]


def test_numbers_are_unique_per_year_and_the_counters_continue_from_them(seeded, db, request_context):
    shop, _added, before = seeded
    numbered = db.session.execute(sa.select(Invoice.id, Invoice.number, Invoice.issue_date, Invoice.status)).all()
    numbers = [number for _id, number, _on, status in numbered if status != InvoiceStatus.DRAFT]
    assert len(numbers) == len(set(numbers)) and all(numbers)
    assert all(number is None for _id, number, _on, status in numbered if status == InvoiceStatus.DRAFT)
    highest = {}
    for invoice_id, number, issued_on, status in numbered:
        if status == InvoiceStatus.DRAFT:
            continue
        prefix, year, sequence = re.fullmatch(r"([A-Z-]+)-(\d{4})-(\d{4,})", number).groups()
        assert prefix == shop.invoice_prefix and int(year) == issued_on.year
        highest[issued_on.year] = max(highest.get(issued_on.year, 0), int(sequence))
    # Numbers follow the issue dates within a year, the bulk data after the demo's own.
    bulk = sorted(((on, invoice_id, number) for invoice_id, number, on, status in numbered
                   if invoice_id not in before and status != InvoiceStatus.DRAFT))
    by_year = {}
    for on, _id, number in bulk:
        by_year.setdefault(on.year, []).append(int(number.rsplit("-", 1)[1]))
    for sequence in by_year.values():
        assert sequence == sorted(sequence)
    counters = dict(db.session.execute(sa.select(InvoiceCounter.year, InvoiceCounter.last_number)
                                       .where(InvoiceCounter.shop_id == shop.id)).all())
    assert counters == highest
    assert len(counters) >= 2  # two years of history

    # The next invoice issued the ordinary way takes the next number.
    today = clock.shop_today(shop)
    customer = db.session.scalar(sa.select(Customer).where(Customer.shop_id == shop.id).limit(1))
    owner = db.session.scalar(sa.select(User).where(User.email == "owner@noortailors.example.com"))
    draft = invoices.create_draft(shop, customer, by=owner, issue_date=today,
                                  lines=[invoices.LineDraft("Alteration", Decimal(1), 500_00)])
    invoices.issue(shop, draft, by=owner)
    assert draft.number == f"{shop.invoice_prefix}-{today.year}-{highest[today.year] + 1:04d}"
    # New rows get ids past the bulk ones on every database (PostgreSQL's sequences were moved on).
    newcomer = customer_service.create_customer(shop, by=owner, name="Naya Gahak", phone="0300 0000001")
    payment, _created = payments.record(shop, newcomer, by=owner, amount_minor=100_00, received_on=today,
                                        method=PaymentMethod.CASH)
    db.session.commit()
    assert newcomer.id > max(db.session.scalars(sa.select(Customer.id).where(Customer.id != newcomer.id)))
    assert payment.id == db.session.scalar(sa.select(sa.func.max(Payment.id)))


def test_customers_look_like_a_pakistani_shops(seeded, db):
    shop, _added, _before = seeded
    people = list(db.session.scalars(sa.select(Customer).where(Customer.shop_id == shop.id)))
    phones = [person.phone for person in people if person.phone]
    assert len(phones) >= 0.9 * len(people)
    assert len(set(phones)) >= 0.9 * len(phones)  # unique, mostly: a family may share one
    for person in people:
        assert person.last_activity_at >= person.created_at
        if person.phone:
            number = phonenumbers.parse(person.phone, None)
            assert phonenumbers.is_valid_number(number) and phonenumbers.region_code_for_number(number) == "PK"
            assert person.phone == f"+92{person.phone_national}"
    scripts = Counter("urdu" if not person.name.isascii() else "latin" for person in people)
    assert scripts["urdu"] > 10 and scripts["latin"] > 10
    invoice_days = list(db.session.scalars(sa.select(Invoice.issue_date)))
    today = clock.shop_today(shop)
    assert min(invoice_days) >= today - timedelta(days=seeding.HISTORY_DAYS) and max(invoice_days) <= today


def test_the_plan_is_the_same_for_the_same_seed_and_day():
    import random
    from datetime import date

    def plan(seed):
        made = seeding._make_plan(random.Random(seed), seeding.scaled_counts(SCALE), date(2026, 6, 1))
        return made.invoices, made.payments, [sorted(job.items()) for job in made.jobs]

    assert plan("a") == plan("a")
    assert plan("a") != plan("b")
