"""Invoices, payments and the khata, called directly: the money always adds up."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shopledger.models import AuditEvent, InvoiceStatus, PaymentAllocation, PaymentMethod, PaymentTerms
from shopledger.services import customers, invoices, jobs, ledger, payments
from shopledger.services.errors import DomainError
from shopledger.services.invoices import DisplayStatus, LineDraft

TODAY = date(2026, 11, 21)


@pytest.fixture
def team(make_team):
    return make_team("Noor Tailors")


@pytest.fixture
def ali(db, team):
    customer = customers.create_customer(team.shop, by=team.owner, name="Ali Raza")
    db.session.commit()
    return customer


def draft(team, customer, *amounts, **options):
    lines = [LineDraft(f"Line {index}", Decimal(1), amount) for index, amount in enumerate(amounts)]
    return invoices.create_draft(team.shop, customer, by=team.staff, issue_date=options.pop("on", TODAY),
                                 lines=lines, **options)


def issued(team, customer, *amounts, **options):
    invoice = draft(team, customer, *amounts, **options)
    invoices.issue(team.shop, invoice, by=team.staff)
    return invoice


def pay(team, customer, amount, **options):
    payment, _created = payments.record(team.shop, customer, by=team.staff, amount_minor=amount,
                                        received_on=options.pop("on", TODAY), method=PaymentMethod.CASH, **options)
    return payment


def test_a_draft_has_no_number_and_issuing_numbers_it_by_shop_and_year(db, team, ali):
    first = draft(team, ali, 100_00)
    assert first.number is None and first.status == InvoiceStatus.DRAFT
    invoices.issue(team.shop, first, by=team.staff)
    second = issued(team, ali, 50_00)
    next_year = issued(team, ali, 10_00, on=date(2027, 1, 2))
    assert (first.number, second.number, next_year.number) == ("INV-2026-0001", "INV-2026-0002", "INV-2027-0001")


def test_numbers_are_per_shop_and_follow_the_prefix(db, team, ali, make_team):
    other = make_team("Other")
    theirs = customers.create_customer(other.shop, by=other.owner, name="Someone")
    other.shop.invoice_prefix = "OT"
    issued(team, ali, 1_00)
    invoice = invoices.create_draft(other.shop, theirs, by=other.owner, issue_date=TODAY,
                                    lines=[LineDraft("x", Decimal(1), 5_00)])
    invoices.issue(other.shop, invoice, by=other.owner)
    assert invoice.number == "OT-2026-0001"


def test_a_voided_number_is_never_given_again(db, team, ali):
    first = issued(team, ali, 100_00)
    invoices.void(team.shop, first, by=team.manager, reason="wrong customer")
    assert issued(team, ali, 100_00).number == "INV-2026-0002"


def test_an_issued_invoice_cannot_be_edited_only_voided_and_corrected(db, team, ali):
    invoice = issued(team, ali, 100_00)
    with pytest.raises(DomainError):
        invoices.update_draft(team.shop, invoice, by=team.staff, lines=[], issue_date=TODAY,
                              terms=PaymentTerms.ON_RECEIPT, due_date=None, notes="", discount_minor=0)
    with pytest.raises(DomainError) as refused:
        invoices.void(team.shop, invoice, by=team.manager, reason="  ")
    assert refused.value.field == "reason"
    corrected = invoices.correct(team.shop, invoice, by=team.manager, reason="price was wrong", issue_date=TODAY)
    assert invoice.status == InvoiceStatus.VOID and invoice.void_reason == "price was wrong"
    assert corrected.replaces_id == invoice.id and corrected.status == InvoiceStatus.DRAFT
    assert [line.description for line in corrected.lines] == ["Line 0"]


def test_bad_lines_are_refused_next_to_the_field(db, team, ali):
    for line, field in [
        (LineDraft("", Decimal(1), 1_00), "lines-0-description"),
        (LineDraft("x", Decimal(0), 1_00), "lines-0-quantity"),
        (LineDraft("x", Decimal("1.2345"), 1_00), "lines-0-quantity"),
        (LineDraft("x", Decimal(1), -1), "lines-0-unit_price"),
        (LineDraft("x", Decimal(1), 1_00, tax_percent=Decimal(101)), "lines-0-tax_percent"),
    ]:
        with pytest.raises(DomainError) as refused:
            invoices.create_draft(team.shop, ali, by=team.staff, issue_date=TODAY, lines=[line])
        assert refused.value.field == field
        db.session.rollback()


def test_the_discount_cannot_exceed_the_lines(db, team, ali):
    with pytest.raises(DomainError) as refused:
        draft(team, ali, 100_00, discount_minor=100_01)
    assert refused.value.field == "discount"


def test_terms_set_the_due_date(db, team, ali):
    assert draft(team, ali, 1_00, terms=PaymentTerms.NET_15).due_date == TODAY + timedelta(days=15)
    assert draft(team, ali, 1_00).due_date == TODAY
    with pytest.raises(DomainError):
        draft(team, ali, 1_00, terms=PaymentTerms.CUSTOM, due_date=TODAY - timedelta(days=1))


def test_an_invoice_from_jobs_has_a_line_per_job_at_the_quoted_price(db, team, ali):
    shirts = jobs.create_job(team.shop, ali, by=team.staff, title="Two shirts", quoted_minor=3000_00)
    trousers = jobs.create_job(team.shop, ali, by=team.staff, title="Trousers", quoted_minor=1500_00)
    invoice = invoices.draft_from_jobs(team.shop, ali, [shirts, trousers], by=team.staff, issue_date=TODAY)
    assert [(line.description, line.unit_price_minor, line.job_id) for line in invoice.lines] == [
        ("Two shirts", 3000_00, shirts.id), ("Trousers", 1500_00, trousers.id)]
    assert invoice.total_minor == 4500_00


def test_a_partial_payment_goes_to_the_oldest_invoice_and_the_rest_is_credit(db, team, ali):
    old = issued(team, ali, 1000_00, on=TODAY - timedelta(days=10))
    new = issued(team, ali, 500_00)
    payment = pay(team, ali, 1200_00)
    paid = invoices.paid_amounts([old.id, new.id])
    assert paid == {old.id: 1000_00, new.id: 200_00}
    assert invoices.display_status(old, paid[old.id], TODAY) == DisplayStatus.PAID
    assert invoices.display_status(new, paid[new.id], TODAY) == DisplayStatus.PARTLY_PAID
    assert payments.unallocated_minor(payment) == 0
    assert ledger.balance(team.shop, ali) == 300_00


def test_a_payment_larger_than_the_balance_becomes_credit_used_by_the_next_invoice(db, team, ali):
    issued(team, ali, 400_00)
    payment = pay(team, ali, 1000_00)
    assert payments.credit_minor(team.shop, ali) == 600_00
    assert ledger.balance(team.shop, ali) == -600_00
    later = issued(team, ali, 250_00)
    assert invoices.paid_minor(later) == 250_00  # credit applied itself at issue
    assert payments.unallocated_minor(payment) == 350_00
    assert ledger.balance(team.shop, ali) == -350_00


def test_a_payment_can_be_set_against_chosen_invoices(db, team, ali):
    first, second = issued(team, ali, 100_00), issued(team, ali, 200_00)
    payment, _ = payments.record(team.shop, ali, by=team.staff, amount_minor=150_00, received_on=TODAY,
                                 method=PaymentMethod.MOBILE_WALLET, allocations=[(second, 150_00)])
    assert invoices.paid_amounts([first.id, second.id]) == {second.id: 150_00}
    with pytest.raises(DomainError):
        payments.record(team.shop, ali, by=team.staff, amount_minor=50_00, received_on=TODAY,
                        method=PaymentMethod.CASH, allocations=[(second, 60_00)])


def test_the_same_idempotency_key_records_one_payment(db, team, ali):
    first, created = payments.record(team.shop, ali, by=team.staff, amount_minor=100_00, received_on=TODAY,
                                     method=PaymentMethod.CASH, idempotency_key="tap-1")
    again, created_again = payments.record(team.shop, ali, by=team.staff, amount_minor=100_00, received_on=TODAY,
                                           method=PaymentMethod.CASH, idempotency_key="tap-1")
    assert created and not created_again and again.id == first.id
    assert ledger.balance(team.shop, ali) == -100_00


def test_voiding_a_payment_undoes_its_allocations_and_the_balance_follows(db, team, ali):
    invoice = issued(team, ali, 500_00)
    payment = pay(team, ali, 500_00)
    assert ledger.balance(team.shop, ali) == 0
    payments.void(team.shop, payment, by=team.manager, reason="cheque bounced")
    assert invoices.paid_minor(invoice) == 0
    assert ledger.balance(team.shop, ali) == 500_00
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PaymentAllocation)) == 1  # kept, voided
    with pytest.raises(DomainError):
        payments.void(team.shop, payment, by=team.manager, reason="again")


def test_voiding_a_paid_invoice_turns_its_payment_into_credit(db, team, ali):
    invoice = issued(team, ali, 500_00)
    pay(team, ali, 500_00)
    invoices.void(team.shop, invoice, by=team.manager, reason="returned the goods")
    assert payments.credit_minor(team.shop, ali) == 500_00
    assert ledger.balance(team.shop, ali) == -500_00


def test_quick_credit_sale_is_a_one_line_issued_invoice(db, team, ali):
    invoice = invoices.quick_credit_sale(team.shop, ali, by=team.staff, amount_minor=2500_00,
                                         note="cloth, 3 metres", today=TODAY)
    assert invoice.status == InvoiceStatus.ISSUED and invoice.number == "INV-2026-0001"
    assert [line.description for line in invoice.lines] == ["cloth, 3 metres"]
    assert ledger.balance(team.shop, ali) == 2500_00


def test_the_statement_runs_a_balance_with_who_and_an_opening_for_a_range(db, team, ali):
    issued(team, ali, 1000_00, on=date(2026, 10, 1))
    pay(team, ali, 400_00, on=date(2026, 10, 15))
    issued(team, ali, 300_00, on=date(2026, 11, 2))
    whole = ledger.statement(team.shop, ali)
    assert [(entry.kind, entry.balance_minor) for entry in whole.entries] == [
        ("invoice", 1000_00), ("payment", 600_00), ("invoice", 900_00)]
    assert (whole.entries[1].by.id, whole.entries[1].by.name) == (team.staff.id, team.staff.name)
    november = ledger.statement(team.shop, ali, date_from=date(2026, 11, 1), date_to=date(2026, 11, 30))
    assert november.opening_minor == 600_00 and november.closing_minor == 900_00 and len(november.entries) == 1


def test_who_owes_what_by_amount_and_by_age(db, team, ali):
    sana = customers.create_customer(team.shop, by=team.owner, name="Sana")
    paid_up = customers.create_customer(team.shop, by=team.owner, name="Paid up")
    issued(team, ali, 100_00, on=TODAY - timedelta(days=40))
    issued(team, sana, 900_00, on=TODAY - timedelta(days=2))
    issued(team, paid_up, 50_00)
    pay(team, paid_up, 50_00)
    by_amount = ledger.who_owes(team.shop)
    assert [(debtor.customer.name, debtor.balance_minor) for debtor in by_amount] == [("Sana", 900_00),
                                                                                     ("Ali Raza", 100_00)]
    assert [debtor.customer.name for debtor in ledger.who_owes(team.shop, order="age")] == ["Ali Raza", "Sana"]


def test_the_invoices_list_puts_overdue_first_and_totals_what_is_shown(db, team, ali):
    overdue = issued(team, ali, 300_00, on=TODAY - timedelta(days=30))
    fresh = issued(team, ali, 200_00, terms=PaymentTerms.NET_30)
    draft(team, ali, 50_00)
    voided = issued(team, ali, 70_00)
    invoices.void(team.shop, voided, by=team.manager, reason="x")
    listing = invoices.list_invoices(team.shop, today=TODAY)
    assert listing.rows[0].invoice.id == overdue.id and listing.rows[0].status == DisplayStatus.OVERDUE
    assert listing.count == 4 and listing.total_minor == 550_00 and listing.due_minor == 500_00
    only_overdue = invoices.list_invoices(team.shop, today=TODAY, status=DisplayStatus.OVERDUE)
    assert [row.invoice.id for row in only_overdue.rows] == [overdue.id]
    by_number = invoices.list_invoices(team.shop, today=TODAY, query=fresh.number)
    assert [row.invoice.id for row in by_number.rows] == [fresh.id]
    by_name = invoices.list_invoices(team.shop, today=TODAY, query="ali")
    assert by_name.count == 4


def test_issuing_voiding_and_payments_are_audited(db, team, ali):
    invoice = issued(team, ali, 100_00)
    payment = pay(team, ali, 100_00)
    payments.void(team.shop, payment, by=team.manager, reason="mistake")
    invoices.void(team.shop, invoice, by=team.manager, reason="mistake")
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.shop_id == team.shop.id)
                                 .order_by(AuditEvent.id)).all()
    assert [action for action in actions if action.startswith(("invoice.", "payment."))] == [
        "invoice.issued", "payment.recorded", "payment.allocated", "payment.voided", "invoice.voided"]
