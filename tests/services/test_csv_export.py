"""The CSV writer and the shop's exports: parsed back, they say what the database says, Urdu intact, formulas
defused, money exact in major units, dates ISO."""
from __future__ import annotations

import codecs
import csv
import io
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shopledger.models import (
    Customer, Invoice, InvoiceLine, InvoiceStatus, Job, Payment, PaymentAllocation, PaymentMethod, PaymentTerms,
    Shop,
)
from shopledger.services import clock, csv_export, customers, invoices, jobs, ledger, payments
from shopledger.services.invoices import LineDraft


# --- The writer -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["=SUM(A1:A9)", "+92300", "-2+3", "@cmd", "\tTAB", "\rCR", "=HYPERLINK(\"x\")"])
def test_text_a_spreadsheet_would_run_gets_a_quote_in_front(text):
    assert csv_export.neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Ahmed", "", "0300 1234567", "فاطمہ", " =not first", "100", "a=b"])
def test_other_text_is_left_as_it_is(text):
    assert csv_export.neutralise(text) == text


def test_cells_keep_numbers_dates_and_money_as_they_are_and_neutralise_text(request_context):
    zone = timezone(timedelta(hours=5))
    assert csv_export.cell_text(Decimal("-1500.50")) == "-1500.50"  # a credit is a number, not a formula
    assert csv_export.cell_text(-3) == "-3"
    assert csv_export.cell_text(None) == ""
    assert csv_export.cell_text(date(2026, 11, 21)) == "2026-11-21"
    assert csv_export.cell_text(time(17, 0)) == "17:00:00"
    moment = datetime(2026, 11, 21, 9, 5, tzinfo=timezone.utc)
    assert csv_export.cell_text(moment, zone=zone) == "2026-11-21T14:05:00+05:00"
    assert csv_export.cell_text("-1500") == "'-1500"  # typed by someone: text
    assert csv_export.money(150050, "PKR") == Decimal("1500.50")
    assert csv_export.money(1500, "JPY") == Decimal("1500")
    assert csv_export.money(-1, "KWD") == Decimal("-0.001")


def test_the_file_starts_with_a_bom_and_is_sent_in_chunks(request_context):
    rows = ([f"Customer {index}", "فاطمہ بی بی", Decimal(index)] for index in range(20_000))
    chunks = list(csv_export.encode_rows(["Name", "نام", "Amount"], rows))
    assert len(chunks) > 5 and all(len(chunk) < 2 * csv_export.CHUNK_BYTES for chunk in chunks)
    data = b"".join(chunks)
    assert data.startswith(codecs.BOM_UTF8) and data.count(codecs.BOM_UTF8) == 1
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert parsed[0] == ["Name", "نام", "Amount"] and len(parsed) == 20_001
    assert parsed[-1] == ["Customer 19999", "فاطمہ بی بی", "19999"]
    assert b"\r\n" in data


def test_a_download_names_its_file_for_every_browser():
    assert csv_export.content_disposition("customers-2026-11-21.csv") == \
        'attachment; filename="customers-2026-11-21.csv"'
    header = csv_export.content_disposition("گاہک.csv")
    assert header == "attachment; filename=\"export.csv\"; filename*=UTF-8''%DA%AF%D8%A7%DB%81%DA%A9.csv"
    assert csv_export.content_disposition('a"b\r\n.csv') == 'attachment; filename="a-b.csv"; ' \
        "filename*=UTF-8''a%22b%0D%0A.csv"


# --- The shop's exports -----------------------------------------------------------------------------------

@pytest.fixture
def book(db, make_team, request_context):
    """A shop with Urdu and formula-looking names, a credit, a partly paid, a void and a draft invoice."""
    team = make_team("Noor Tailors")
    shop = team.shop
    today = clock.shop_today(shop)
    fatima = customers.create_customer(shop, by=team.owner, name="فاطمہ بی بی", phone="0321 4567890",
                                       address="گلشن اقبال، کراچی")
    formula = customers.create_customer(shop, by=team.owner, name="=1+1", phone="+971 50 123 4567",
                                        notes="@SUM(A1)")
    plain = customers.create_customer(shop, by=team.owner, name="Ahmed Raza", email="ahmed@example.com")
    job = jobs.create_job(shop, fatima, by=team.staff, title="شادی کا جوڑا", quoted_minor=15000_00,
                          due_date=today + timedelta(days=3), due_time=time(17))
    partly = invoices.create_draft(shop, fatima, by=team.staff, issue_date=today - timedelta(days=2),
                                   terms=PaymentTerms.NET_15, discount_minor=100_00, lines=[
                                       LineDraft("سلائی", Decimal(2), 1500_50, job_id=job.id),
                                       LineDraft("Buttons", Decimal("12.5"), 25_00, tax_percent=Decimal(17))])
    invoices.issue(shop, partly, by=team.staff)
    payments.record(shop, fatima, by=team.staff, amount_minor=1000_00, received_on=today,
                    method=PaymentMethod.MOBILE_WALLET, reference="-JazzCash 8821")
    wrong = invoices.quick_credit_sale(shop, plain, by=team.owner, amount_minor=700_00, note="Cloth",
                                       today=today - timedelta(days=40))
    invoices.void(shop, wrong, by=team.owner, reason="=wrong price")
    invoices.create_draft(shop, plain, by=team.staff, issue_date=today, lines=[LineDraft("Draft", Decimal(1), 5)])
    payments.record(shop, formula, by=team.staff, amount_minor=2500_00, received_on=today - timedelta(days=1),
                    method=PaymentMethod.CASH)
    db.session.commit()
    return team


def _parse(header, rows) -> list[dict]:
    data = b"".join(csv_export.encode_rows(header, rows))
    assert data.startswith(codecs.BOM_UTF8)
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _unquote(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:2] in "=+-@\t\r" else text


def test_the_customers_export_is_every_customer_with_what_they_owe(db, book):
    shop = book.shop
    rows = _parse(*csv_export.customers_export(shop))
    stored = list(db.session.scalars(sa.select(Customer).where(Customer.shop_id == shop.id).order_by(Customer.id)))
    assert [_unquote(row["Name"]) for row in rows] == [customer.name for customer in stored]
    balances = ledger.balances(shop, [customer.id for customer in stored])
    assert [Decimal(row["Balance"]) for row in rows] == [Decimal(balances[c.id]) / 100 for c in stored]
    assert {row["Currency"] for row in rows} == {"PKR"}
    by_name = {_unquote(row["Name"]): row for row in rows}
    assert by_name["فاطمہ بی بی"]["Address"] == "گلشن اقبال، کراچی"
    assert by_name["فاطمہ بی بی"]["Phone"] == "0321 4567890"
    assert by_name["=1+1"]["Name"] == "'=1+1" and by_name["=1+1"]["Notes"] == "'@SUM(A1)"
    assert by_name["=1+1"]["Phone"] == "'+971 50 123 4567"  # read back by the import without the quote
    assert by_name["=1+1"]["Balance"] == "-2500.00"  # the shop owes them: a number, not neutralised
    assert by_name["Ahmed Raza"]["Added on"].startswith(clock.shop_today(shop).isoformat()[:4])


def test_the_invoices_export_matches_the_invoices_and_their_payments(db, book):
    shop = book.shop
    rows = _parse(*csv_export.invoices_export(shop))
    stored = list(db.session.scalars(sa.select(Invoice).where(Invoice.shop_id == shop.id)
                                     .order_by(Invoice.issue_date, Invoice.id)))
    assert len(rows) == len(stored) == 3
    paid = invoices.paid_amounts([invoice.id for invoice in stored])
    for row, invoice in zip(rows, stored):
        assert int(row["Invoice ID"]) == invoice.id
        assert row["Number"] == (invoice.number or "")
        assert row["Invoice date"] == invoice.issue_date.isoformat() and row["Due date"] == invoice.due_date.isoformat()
        assert Decimal(row["Total"]) * 100 == invoice.total_minor
        assert Decimal(row["Subtotal"]) * 100 == invoice.subtotal_minor
        assert Decimal(row["Tax"]) * 100 == invoice.tax_minor
        assert Decimal(row["Discount"]) * 100 == invoice.discount_minor
        assert Decimal(row["Paid"]) * 100 == paid.get(invoice.id, 0)
        due = invoice.total_minor - paid.get(invoice.id, 0) if invoice.status == InvoiceStatus.ISSUED else 0
        assert Decimal(row["Due"]) * 100 == due
        assert row["Currency"] == "PKR"
    statuses = {row["Number"] or "draft": row["Status"] for row in rows}
    assert sorted(statuses.values()) == ["Draft", "Partly paid", "Void"]
    void = next(row for row in rows if row["Status"] == "Void")
    assert void["Reason for voiding"] == "'=wrong price" and "T" in void["Voided on"]
    assert "." in next(row for row in rows if row["Status"] == "Partly paid")["Total"]  # never 1.5e3, never a float


def test_the_invoice_lines_export_adds_up_to_each_invoice(db, book):
    shop = book.shop
    rows = _parse(*csv_export.invoice_lines_export(shop))
    stored = list(db.session.scalars(sa.select(InvoiceLine).where(InvoiceLine.shop_id == shop.id)))
    assert len(rows) == len(stored)
    totals = {}
    for row in rows:
        totals[int(row["Invoice ID"])] = totals.get(int(row["Invoice ID"]), 0) + Decimal(row["Line total"])
    for invoice in db.session.scalars(sa.select(Invoice).where(Invoice.shop_id == shop.id)):
        assert totals[invoice.id] * 100 == invoice.total_minor
    sewing = next(row for row in rows if row["Description"] == "سلائی")
    assert (sewing["Quantity"], sewing["Unit price"], sewing["Line"]) == ("2", "1500.50", "1")
    buttons = next(row for row in rows if row["Description"] == "Buttons")
    assert (buttons["Quantity"], buttons["Tax %"]) == ("12.5", "17")


def test_the_payments_and_allocations_exports_match_the_ledger(db, book):
    shop = book.shop
    rows = _parse(*csv_export.payments_export(shop))
    stored = list(db.session.scalars(sa.select(Payment).where(Payment.shop_id == shop.id)
                                     .order_by(Payment.received_on, Payment.id)))
    assert [int(row["Payment ID"]) for row in rows] == [payment.id for payment in stored]
    for row, payment in zip(rows, stored):
        assert Decimal(row["Amount"]) * 100 == payment.amount_minor
        assert (Decimal(row["Set against invoices"]) + Decimal(row["Kept as credit"])) * 100 == payment.amount_minor
        assert Decimal(row["Kept as credit"]) * 100 == payments.unallocated_minor(payment)
        assert row["Received on"] == payment.received_on.isoformat()
    wallet = next(row for row in rows if row["Reference"] == "'-JazzCash 8821")
    assert wallet["Method"] == "Mobile wallet (JazzCash, Easypaisa)"
    allocated = _parse(*csv_export.allocations_export(shop))
    live = list(db.session.scalars(sa.select(PaymentAllocation).where(PaymentAllocation.shop_id == shop.id)))
    assert len(allocated) == len(live) == 1
    assert Decimal(allocated[0]["Amount"]) * 100 == live[0].amount_minor
    assert allocated[0]["Invoice number"] == db.session.get(Invoice, live[0].invoice_id).number


def test_the_jobs_export_says_who_what_and_when(db, book):
    rows = _parse(*csv_export.jobs_export(book.shop))
    job = db.session.scalar(sa.select(Job).where(Job.shop_id == book.shop.id))
    assert len(rows) == 1
    row = rows[0]
    assert (row["Title"], row["Customer"], row["Status"], row["Quoted"], row["Due time"]) == \
        ("شادی کا جوڑا", "فاطمہ بی بی", "In progress", "15000.00", "17:00")
    assert row["Due date"] == job.due_date.isoformat() and int(row["Job"]) == job.id


def test_a_period_keeps_the_rows_dated_in_it(db, book):
    shop = book.shop
    today = clock.shop_today(shop)
    recent = _parse(*csv_export.invoices_export(shop, today - timedelta(days=7), today))
    assert sorted(row["Status"] for row in recent) == ["Draft", "Partly paid"]
    old = _parse(*csv_export.payments_export(shop, None, today - timedelta(days=1)))
    assert [row["Customer"] for row in old] == ["'=1+1"]
    assert _parse(*csv_export.jobs_export(shop, today + timedelta(days=1), None)) == []


def test_exports_never_show_another_shops_rows(db, book, make_team):
    other = make_team("Beta Repairs")
    secret = customers.create_customer(other.shop, by=other.owner, name="Secret Customer", phone="0300 7654321")
    invoices.quick_credit_sale(other.shop, secret, by=other.owner, amount_minor=999_00, note="Secret line",
                               today=clock.shop_today(other.shop))
    payments.record(other.shop, secret, by=other.owner, amount_minor=999_00, received_on=clock.shop_today(other.shop),
                    method=PaymentMethod.CASH)
    db.session.commit()
    for export in csv_export.EXPORTS.values():
        data = b"".join(csv_export.encode_rows(*export.build(book.shop, None, None)))
        assert b"Secret" not in data and b"999.00" not in data, export.key


def test_the_exports_read_in_batches_not_all_at_once(db, book, monkeypatch):
    # A large shop is streamed: with a batch of 1 row, each export still gives every row.
    monkeypatch.setattr(csv_export, "BATCH_ROWS", 1)
    counts = {key: len(_parse(*export.build(book.shop, None, None))) for key, export in csv_export.EXPORTS.items()}
    assert counts == {"customers": 3, "jobs": 1, "invoices": 3, "invoice-lines": 4, "payments": 2, "allocations": 1}


def test_the_file_name_says_what_and_when(db, book):
    today = date(2026, 11, 21)
    assert csv_export.export_filename(book.shop, "customers", None, None, today) == "customers-2026-11-21.csv"
    assert csv_export.export_filename(book.shop, "invoices", date(2026, 11, 1), None, today) == \
        "invoices-2026-11-01-to-2026-11-21.csv"
    assert csv_export.export_filename(book.shop, "payments", None, date(2026, 10, 31), today) == \
        "payments-start-to-2026-10-31.csv"
    assert db.session.get(Shop, book.shop.id) is not None
