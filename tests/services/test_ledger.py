"""The khata's reads, called directly: what all customers owe together, who owes longest, the latest entries,
and the day a void falls on in the shop."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from shopledger.models import PaymentMethod
from shopledger.services import customers, invoices, ledger, payments
from shopledger.services.invoices import LineDraft

TODAY = date(2026, 11, 21)


@pytest.fixture
def team(make_team):
    return make_team("Noor Tailors")


@pytest.fixture
def person(db, team):
    def person(name: str):
        return customers.create_customer(team.shop, by=team.owner, name=name)

    return person


def sell(team, customer, amount, *, on=TODAY):
    invoice = invoices.create_draft(team.shop, customer, by=team.staff, issue_date=on,
                                    lines=[LineDraft("Stitching", Decimal(1), amount)])
    invoices.issue(team.shop, invoice, by=team.staff)
    return invoice


def pay(team, customer, amount, *, on=TODAY):
    payment, _created = payments.record(team.shop, customer, by=team.staff, amount_minor=amount, received_on=on,
                                        method=PaymentMethod.CASH)
    return payment


def test_the_total_owed_counts_only_customers_who_owe(db, team, person, make_team):
    ali, sana, ahead = person("Ali"), person("Sana"), person("Ahead")
    sell(team, ali, 1000_00)
    pay(team, ali, 250_00)
    sell(team, sana, 300_00)
    pay(team, ahead, 500_00)  # credit does not lower what the others owe
    other = make_team("Other")
    theirs = customers.create_customer(other.shop, by=other.owner, name="Theirs")
    invoice = invoices.create_draft(other.shop, theirs, by=other.owner, issue_date=TODAY,
                                    lines=[LineDraft("x", Decimal(1), 9999_00)])
    invoices.issue(other.shop, invoice, by=other.owner)
    assert ledger.total_owed(team.shop) == ledger.Owed(total_minor=1050_00, customers=2)


def test_nobody_owing_is_zero(db, team, person):
    pay(team, person("Ahead"), 500_00)
    assert ledger.total_owed(team.shop) == ledger.Owed(total_minor=0, customers=0)


def test_by_age_the_oldest_unpaid_due_date_leads_even_beyond_the_limit_by_amount(db, team, person):
    for number in range(5):
        sell(team, person(f"Big {number}"), 1000_00 + number, on=TODAY - timedelta(days=1))
    old = person("Small but old")
    sell(team, old, 10_00, on=TODAY - timedelta(days=90))
    by_amount = ledger.who_owes(team.shop, limit=3)
    assert [debtor.customer.name for debtor in by_amount] == ["Big 4", "Big 3", "Big 2"]
    by_age = ledger.who_owes(team.shop, order="age", limit=3)
    assert by_age[0].customer.name == "Small but old" and by_age[0].oldest_due == TODAY - timedelta(days=90)
    assert by_age[0].days_overdue(TODAY) == 90 and by_amount[0].days_overdue(TODAY) == 1


def test_the_oldest_due_date_skips_invoices_already_paid(db, team, person):
    ali = person("Ali")
    sell(team, ali, 100_00, on=TODAY - timedelta(days=60))
    second = sell(team, ali, 200_00, on=TODAY - timedelta(days=10))
    pay(team, ali, 150_00)  # pays the first in full and part of the second
    [debtor] = ledger.who_owes(team.shop)
    assert debtor.oldest_due == second.due_date and debtor.balance_minor == 150_00
    assert ledger.Debtor(ali, 1, TODAY + timedelta(days=3)).days_overdue(TODAY) == 0


def test_the_latest_entries_carry_what_came_before_as_the_opening_balance(db, team, person):
    ali = person("Ali")
    for day in range(6):
        sell(team, ali, 100_00, on=TODAY - timedelta(days=10 - day))
    whole = ledger.statement(team.shop, ali)
    latest = whole.latest(4)
    assert [entry.balance_minor for entry in latest.entries] == [300_00, 400_00, 500_00, 600_00]
    assert latest.opening_minor == 200_00 and latest.closing_minor == 600_00
    assert latest.date_from == TODAY - timedelta(days=8)
    assert whole.latest(10) is whole


def test_a_void_late_in_the_evening_is_on_the_shops_day_not_utcs(db, team, person):
    ali = person("Ali")
    invoice = sell(team, ali, 500_00)
    payment = pay(team, ali, 200_00)
    late = datetime(2026, 11, 21, 20, 30, tzinfo=timezone.utc)  # 01:30 on the 22nd in Karachi
    payments.void(team.shop, payment, by=team.manager, reason="Cheque bounced")
    invoices.void(team.shop, invoice, by=team.manager, reason="Wrong customer")
    payment.voided_at = invoice.voided_at = late
    entries = ledger.statement(team.shop, ali).entries
    voids = {entry.kind: entry.on for entry in entries if entry.kind.endswith("_void")}
    assert voids == {"invoice_void": date(2026, 11, 22), "payment_void": date(2026, 11, 22)}
    assert entries[-1].balance_minor == 0
