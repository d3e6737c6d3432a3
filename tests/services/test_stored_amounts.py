"""The stored sums (what each invoice has been paid, what each customer owes, the shop's invoice totals)
follow every change, and the invoices list read from them pages exactly like the plain definition."""
import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shopledger.models import Customer, Invoice, InvoiceStatus, PaymentMethod
from shopledger.services import customers, invoices, ledger, payments
from shopledger.services.invoices import DisplayStatus, LineDraft

TODAY = date(2026, 11, 21)


@pytest.fixture
def team(make_team):
    return make_team("Noor Tailors")


def _draft(team, customer, amount, on):
    return invoices.create_draft(team.shop, customer, by=team.staff, issue_date=on,
                                 lines=[LineDraft("Suit", Decimal(1), amount)])


def _book(db, team, seed: int):
    """A shop with invoices in every state across two customers, on dates either side of today."""
    rng = random.Random(seed)
    people = [customers.create_customer(team.shop, by=team.owner, name=name) for name in ("Ali", "Sana", "Bilal")]
    for index in range(40):
        customer = rng.choice(people)
        invoice = _draft(team, customer, rng.randrange(1, 50) * 100_00, TODAY - timedelta(days=rng.randrange(0, 60)))
        if rng.random() < 0.85:
            invoices.issue(team.shop, invoice, by=team.staff)
            if rng.random() < 0.1:
                invoices.void(team.shop, invoice, by=team.owner, reason="Wrong price")
        if rng.random() < 0.4:
            payment, _ = payments.record(team.shop, customer, by=team.staff, amount_minor=rng.randrange(1, 40) * 100_00,
                                         received_on=TODAY, method=PaymentMethod.CASH)
            if rng.random() < 0.15:
                payments.void(team.shop, payment, by=team.owner, reason="Cheque bounced")
    db.session.commit()
    return people


def _expected_order(shop, today, **filters):
    """The list's order by its plain definition: overdue first, then newest; computed in Python."""
    rows = db_invoices(shop)
    if filters.get("customer_id"):
        rows = [invoice for invoice in rows if invoice.customer_id == filters["customer_id"]]
    status = filters.get("status")
    if status == invoices.Selection.ISSUED:
        rows = [invoice for invoice in rows if invoice.status == InvoiceStatus.ISSUED]
    elif status == invoices.Selection.UNPAID:
        rows = [invoice for invoice in rows
                if invoice.status == InvoiceStatus.ISSUED and invoice.paid_minor < invoice.total_minor]
    elif status is not None:
        rows = [invoice for invoice in rows if invoices.display_status(invoice, invoice.paid_minor, today) == status]
    if filters.get("due_from"):
        rows = [invoice for invoice in rows if invoice.due_date >= filters["due_from"]]
    if filters.get("due_to"):
        rows = [invoice for invoice in rows if invoice.due_date <= filters["due_to"]]

    def overdue(invoice):
        return invoices.display_status(invoice, invoice.paid_minor, today) == DisplayStatus.OVERDUE

    return sorted(rows, key=lambda invoice: (not overdue(invoice), -invoice.issue_date.toordinal(), -invoice.id))


def db_invoices(shop):
    from shopledger.extensions import db

    return list(db.session.scalars(sa.select(Invoice).where(Invoice.shop_id == shop.id)))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stored_sums_equal_the_rows_after_any_mix_of_changes(db, team, seed):
    _book(db, team, seed)
    assert ledger.stored_amount_mismatches() == []
    # and a wrong stored sum is found, and rebuilt
    some = db.session.scalar(sa.select(Customer).where(Customer.shop_id == team.shop.id).limit(1))
    some.balance_minor += 1
    db.session.flush()
    assert [mismatch.kind for mismatch in ledger.stored_amount_mismatches()] == ["customer"]
    assert ledger.recompute_stored_amounts(team.shop.id) == 1
    assert ledger.stored_amount_mismatches() == []


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("per_page", [3, 7])
def test_every_page_of_the_list_follows_the_plain_order(db, team, seed, per_page):
    people = _book(db, team, seed)
    for filters in ({}, {"customer_id": people[0].id}, {"status": DisplayStatus.OVERDUE},
                    {"status": DisplayStatus.PAID}, {"status": DisplayStatus.DRAFT},
                    {"status": invoices.Selection.ISSUED}, {"status": invoices.Selection.UNPAID},
                    {"status": invoices.Selection.UNPAID, "due_from": TODAY - timedelta(days=30),
                     "due_to": TODAY - timedelta(days=1)}):
        expected = _expected_order(team.shop, TODAY, **filters)
        seen, page = [], 1
        while True:
            listing = invoices.list_invoices(team.shop, today=TODAY, per_page=per_page, page=page, **filters)
            seen += [row.invoice.id for row in listing.rows]
            assert listing.count == len(expected), filters
            if not listing.has_next:
                break
            page += 1
        assert seen == [invoice.id for invoice in expected], filters


def test_the_unfiltered_totals_are_the_stored_ones_and_match_a_filtered_sum(db, team):
    _book(db, team, 4)
    everything = invoices.list_invoices(team.shop, today=TODAY)
    rows = db_invoices(team.shop)
    assert everything.count == len(rows)
    assert everything.total_minor == sum(invoice.total_minor for invoice in rows if invoice.status != InvoiceStatus.VOID)
    assert everything.due_minor == sum(invoice.total_minor - invoice.paid_minor for invoice in rows
                                       if invoice.status == InvoiceStatus.ISSUED)
    # a filter that selects everything sums the rows instead, and says the same
    wide = invoices.list_invoices(team.shop, today=TODAY, date_from=date(2000, 1, 1))
    assert (wide.count, wide.total_minor, wide.due_minor) == (everything.count, everything.total_minor,
                                                              everything.due_minor)


def test_a_deleted_draft_leaves_the_totals(db, team):
    ali = customers.create_customer(team.shop, by=team.owner, name="Ali")
    draft = _draft(team, ali, 500_00, TODAY)
    assert invoices.list_invoices(team.shop, today=TODAY).total_minor == 500_00
    invoices.delete_draft(team.shop, draft, by=team.owner)
    listing = invoices.list_invoices(team.shop, today=TODAY)
    assert (listing.count, listing.total_minor) == (0, 0)


@pytest.mark.parametrize("seed", [1, 5, 6])
@pytest.mark.parametrize("count", [1, 4, 20])
def test_the_latest_entries_are_the_tail_of_the_whole_statement(db, team, seed, count):
    for customer in _book(db, team, seed):
        whole = ledger.statement(team.shop, customer)
        latest, earlier, first_on = ledger.latest_entries(team.shop, customer, count)
        expected = whole.latest(count)
        assert [(entry.kind, entry.reference, entry.balance_minor) for entry in latest.entries] == \
            [(entry.kind, entry.reference, entry.balance_minor) for entry in expected.entries]
        assert (latest.opening_minor, latest.closing_minor) == (expected.opening_minor, expected.closing_minor)
        assert earlier == (len(whole.entries) > count)
        assert first_on == (whole.entries[0].on if whole.entries else None)
