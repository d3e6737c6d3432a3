"""Importing customers from a spreadsheet: Excel's files read, every row checked, nothing saved before the
confirmation, then the good rows added with opening balances that reconcile."""
from __future__ import annotations

import codecs
import time

import pytest
import sqlalchemy as sa

from shopledger.models import AuditEvent, Customer, Invoice, InvoiceStatus, Payment, PaymentMethod
from shopledger.services import clock, csv_export, csv_import, customers, ledger
from shopledger.services.errors import DomainError


@pytest.fixture(autouse=True)
def own_folders(app, tmp_path, monkeypatch):
    """Backups and import previews in this test's own folders: shop ids start again in every test."""
    monkeypatch.setitem(app.config, "BACKUP_FOLDER", str(tmp_path / "backups"))
    monkeypatch.setitem(app.config, "IMPORT_FOLDER", str(tmp_path / "imports"))


@pytest.fixture
def team(make_team, request_context):
    return make_team("Noor Tailors")


def _csv(text: str, *, bom: bool = True, encoding: str = "utf-8") -> bytes:
    data = text.replace("\n", "\r\n").encode(encoding)
    return (codecs.BOM_UTF8 + data) if bom and encoding == "utf-8" else data


def _count(db, model, shop) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(model.shop_id == shop.id))


# --- Reading the file ---------------------------------------------------------------------------------------

def test_excels_csv_utf8_with_a_bom_and_urdu_reads_as_typed(team):
    columns, ignored, rows = csv_import.read_file(_csv(
        "Name,Phone,Email,Address,Opening balance\n"
        "فاطمہ بی بی,0321 4567890,,\"گلشن اقبال، کراچی\",\"1,500\"\n"
        "Ahmed Raza,0300 2345678,ahmed@example.com,\"Shop 4\nTariq Road\",-250.50\n"))
    assert columns == ["name", "phone", "email", "address", "opening_balance"] and ignored == []
    assert rows[0] == (2, {"name": "فاطمہ بی بی", "phone": "0321 4567890", "email": "",
                           "address": "گلشن اقبال، کراچی", "opening_balance": "1,500"})
    assert rows[1][1]["address"] == "Shop 4\nTariq Road" and rows[1][0] == 3


def test_semicolons_tabs_utf16_urdu_headings_and_any_order_are_read(team):
    semicolons = _csv("Opening balance;Mobile;Customer name\n500;0300 1112233;Usman\n", bom=False)
    assert csv_import.read_file(semicolons)[2] == [(2, {"opening_balance": "500", "phone": "0300 1112233",
                                                        "name": "Usman"})]
    unicode_text = "نام\tفون\tبقایا\tشہر\nزینب علی\t0345 9876543\t1200\tلاہور\n".encode("utf-16")
    columns, ignored, rows = csv_import.read_file(unicode_text)
    assert columns == ["name", "phone", "opening_balance"] and ignored == ["شہر"]
    assert rows == [(2, {"name": "زینب علی", "phone": "0345 9876543", "opening_balance": "1200"})]


def test_blank_rows_are_skipped_and_our_exports_quotes_come_off(team):
    rows = csv_import.read_file(_csv("Name,Phone\n,\n'=1+1,'+971 50 123 4567\n;;\n\nBilal,\n"))[2]
    assert [values for _line, values in rows] == [{"name": "=1+1", "phone": "+971 50 123 4567"},
                                                  {"name": ";;", "phone": ""}, {"name": "Bilal", "phone": ""}]


@pytest.mark.parametrize("data, said", [
    (b"", "empty"),
    (b"PK\x03\x04 an xlsx", "Excel workbook"),
    ("Name,Phone\nJos\xe9,0300 1234567\n".encode("cp1252"), "UTF-8"),
    (_csv("Phone,Email\n0300 1234567,a@example.com\n"), "Name column"),
    (_csv("Name,Phone\n"), "no customers"),
    (_csv('Name,Phone\n"Ahmed,0300\n'), "could not be read"),
])
def test_a_file_that_cannot_be_read_is_refused_with_a_message_for_the_file_field(team, data, said):
    with pytest.raises(DomainError) as refused:
        csv_import.read_file(data)
    assert said in refused.value.message and refused.value.field == "file"


def test_the_size_and_row_limits_are_kept(app, team, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 3)
    with pytest.raises(DomainError, match="more than 3 customers"):
        csv_import.read_file(_csv("Name\nA\nB\nC\nD\n"))
    assert len(csv_import.read_file(_csv("Name\nA\nB\nC\n"))[2]) == 3
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 100)
    with pytest.raises(DomainError, match="too large"):
        csv_import.read_file(_csv("Name\n" + "Ahmed\n" * 30))


# --- Checking the rows ------------------------------------------------------------------------------------

def test_each_row_says_what_is_wrong_next_to_the_cell(db, team):
    customers.create_customer(team.shop, by=team.owner, name="Already Here", phone="0333 1112233")
    db.session.commit()
    raw = csv_import.read_file(_csv(
        "Name,Phone,Email,Opening balance\n"
        "Good One,0300 1234567,good@example.com,1500\n"
        ",0300 7654321,,\n"
        "Bad Phone,0300-12,,\n"
        "Twin,0300 1234567,,\n"
        "Known,0333-1112233,,\n"
        "Bad Amount,,,fifteen hundred\n"
        "Bad Email,,not-an-email,\n"
        "Too Precise,,,10.555\n"
        "Rupees,,,Rs. 2500\n"
        "Brackets,,,(300)\n"))[2]
    rows = csv_import.check_rows(team.shop, raw)
    errors = {row.values["name"] or f"row {row.line}": row.errors for row in rows}
    assert errors["Good One"] == {} and errors["Rupees"] == {} and errors["Brackets"] == {}
    assert errors["row 3"] == {"name": "Enter the customer's name."}
    assert list(errors["Bad Phone"]) == ["phone"] and "valid phone number" in errors["Bad Phone"]["phone"]
    assert errors["Twin"] == {"phone": "Row 2 of this file has the same phone number."}
    assert errors["Known"] == {"phone": "Already Here already has this phone number in the shop."}
    assert list(errors["Bad Amount"]) == ["opening_balance"] and list(errors["Too Precise"]) == ["opening_balance"]
    assert list(errors["Bad Email"]) == ["email"]
    amounts = {row.values["name"]: row.balance_minor for row in rows if row.ok}
    assert amounts == {"Good One": 1500_00, "Rupees": 2500_00, "Brackets": -300_00}


# --- Preview, confirmation and the book ---------------------------------------------------------------------

SAMPLE = ("Name,Phone,Email,Address,Opening balance,Notes,City\n"
          "فاطمہ بی بی,0321 4567890,,گلشن اقبال،کراچی,1500,شادی کا جوڑا,Karachi\n"
          "Ahmed Raza,0300 2345678,ahmed@example.com,,-500,,Lahore\n"
          "Usman Tariq,,,,,,Lahore\n"
          "Bad Phone,0300-12,,,100,,\n")


def test_the_preview_saves_nothing_and_is_kept_for_its_uploader_only(app, db, team):
    before = {model: _count(db, model, team.shop) for model in (Customer, Invoice, Payment, AuditEvent)}
    preview = csv_import.make_preview(team.shop, _csv(SAMPLE), "khata.csv", by=team.manager)
    db.session.commit()
    assert {model: _count(db, model, team.shop) for model in before} == before
    assert (len(preview.good), len(preview.problems)) == (3, 1)
    assert preview.ignored == ["City"] and preview.owed_minor == 1500_00 and preview.credit_minor == 500_00
    again = csv_import.load_preview(team.shop, preview.token, by=team.manager)
    assert again is not None and [row.values for row in again.rows] == [row.values for row in preview.rows]
    assert csv_import.load_preview(team.shop, preview.token, by=team.owner) is None  # someone else's
    assert csv_import.load_preview(team.shop, "../" + preview.token, by=team.manager) is None


def test_another_shops_token_finds_nothing(db, team, make_team):
    other = make_team("Beta")
    preview = csv_import.make_preview(other.shop, _csv(SAMPLE), "k.csv", by=other.owner)
    assert csv_import.load_preview(team.shop, preview.token, by=other.owner) is None


def test_an_old_preview_is_gone(db, team, monkeypatch):
    preview = csv_import.make_preview(team.shop, _csv(SAMPLE), "k.csv", by=team.owner)
    later = time.time() + csv_import.PREVIEW_LIFETIME_SECONDS + 60
    monkeypatch.setattr(csv_import.time, "time", lambda: later)
    assert csv_import.load_preview(team.shop, preview.token, by=team.owner) is None
    csv_import.prune_previews(team.shop)
    assert not list(csv_import._folder(team.shop).iterdir())


def test_confirming_adds_the_good_rows_with_opening_balances_that_reconcile(db, team):
    shop = team.shop
    preview = csv_import.make_preview(shop, _csv(SAMPLE), "khata.csv", by=team.manager)
    taken = csv_import.take_preview(shop, preview.token, by=team.manager)
    csv_import.import_rows(shop, taken, by=team.manager, today=clock.shop_today(shop))
    db.session.commit()
    csv_import.finish_preview(shop, taken)
    added = {customer.name: customer for customer in db.session.scalars(
        sa.select(Customer).where(Customer.shop_id == shop.id))}
    assert set(added) == {"فاطمہ بی بی", "Ahmed Raza", "Usman Tariq"}
    fatima = added["فاطمہ بی بی"]
    assert (fatima.phone, fatima.address, fatima.notes) == ("+923214567890", "گلشن اقبال،کراچی", "شادی کا جوڑا")
    assert added["Ahmed Raza"].email == "ahmed@example.com"
    balances = ledger.balances(shop, [customer.id for customer in added.values()])
    assert {name: balances[customer.id] for name, customer in added.items()} == {
        "فاطمہ بی بی": 1500_00, "Ahmed Raza": -500_00, "Usman Tariq": 0}
    assert {name: customer.balance_minor for name, customer in added.items()} == {
        "فاطمہ بی بی": 1500_00, "Ahmed Raza": -500_00, "Usman Tariq": 0}
    assert ledger.stored_amount_mismatches(shop.id) == []
    opening = db.session.scalar(sa.select(Invoice).where(Invoice.customer_id == fatima.id))
    assert opening.status == InvoiceStatus.ISSUED and opening.lines[0].description == "Opening balance"
    credit = db.session.scalar(sa.select(Payment).where(Payment.customer_id == added["Ahmed Raza"].id))
    assert (credit.method, credit.reference, credit.amount_minor) == (PaymentMethod.OTHER, "Opening balance", 500_00)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.shop_id == shop.id,
                                                          AuditEvent.action == "customers.imported"))
    assert event.details["added"] == 3 and event.details["skipped"] == 1 and event.user_id == team.manager.id
    done = csv_import.load_preview(shop, preview.token, by=team.manager)
    assert done.imported == {"added": 3, "skipped": 1, "owed_minor": 1500_00, "credit_minor": 500_00}
    # Confirming again (a double tap, the back button) adds nobody.
    again = csv_import.take_preview(shop, preview.token, by=team.manager)
    csv_import.import_rows(shop, again, by=team.manager, today=clock.shop_today(shop))
    db.session.commit()
    assert _count(db, Customer, shop) == 3


def test_a_preview_is_taken_once_so_two_confirmations_at_once_import_once(db, team):
    preview = csv_import.make_preview(team.shop, _csv(SAMPLE), "k.csv", by=team.owner)
    csv_import.take_preview(team.shop, preview.token, by=team.owner)
    with pytest.raises(csv_import.PreviewGone):
        csv_import.take_preview(team.shop, preview.token, by=team.owner)
    csv_import.release_preview(team.shop, preview)  # the first failed: it can be confirmed again
    assert csv_import.take_preview(team.shop, preview.token, by=team.owner).token == preview.token


def test_rows_are_checked_again_when_confirmed(db, team):
    preview = csv_import.make_preview(team.shop, _csv(SAMPLE), "k.csv", by=team.owner)
    customers.create_customer(team.shop, by=team.staff, name="Fatima at the counter", phone="03214567890")
    db.session.commit()
    taken = csv_import.take_preview(team.shop, preview.token, by=team.owner)
    csv_import.import_rows(team.shop, taken, by=team.owner, today=clock.shop_today(team.shop))
    db.session.commit()
    assert taken.imported["added"] == 2 and taken.imported["skipped"] == 2
    header, rows = csv_import.problem_rows(taken)
    assert header[-2:] == ["Row", "Problems"]
    assert [row[0] for row in rows] == ["فاطمہ بی بی", "Bad Phone"]
    assert "Fatima at the counter already has this phone number" in rows[0][-1]


def test_the_rows_to_fix_import_cleanly_once_fixed(db, team):
    preview = csv_import.make_preview(team.shop, _csv(SAMPLE), "k.csv", by=team.owner)
    header, rows = csv_import.problem_rows(preview)
    rows[0][1] = "0300 9990001"  # the phone corrected
    data = b"".join(csv_export.encode_rows(header, rows))
    fixed = csv_import.make_preview(team.shop, data, "fixed.csv", by=team.owner)
    assert [row.values["name"] for row in fixed.good] == ["Bad Phone"] and fixed.problems == []
    assert fixed.ignored == ["Row", "Problems"]


def test_a_customers_export_imports_into_another_shop_as_the_same_khata(db, team, make_team):
    from shopledger.services import invoices, payments

    shop = team.shop
    today = clock.shop_today(shop)
    owes = customers.create_customer(shop, by=team.owner, name="=Owes Money", phone="+971 50 123 4567",
                                     address="Dubai")
    invoices.quick_credit_sale(shop, owes, by=team.owner, amount_minor=1234_56, note="Cloth", today=today)
    credit = customers.create_customer(shop, by=team.owner, name="ثنا ملک", phone="0300 9990001")
    payments.record(shop, credit, by=team.owner, amount_minor=700_00, received_on=today, method=PaymentMethod.CASH)
    db.session.commit()
    data = b"".join(csv_export.encode_rows(*csv_export.customers_export(shop)))
    other = make_team("New Branch")
    preview = csv_import.make_preview(other.shop, data, "customers.csv", by=other.owner)
    assert preview.problems == [] and "Currency" in preview.ignored
    csv_import.import_rows(other.shop, csv_import.take_preview(other.shop, preview.token, by=other.owner),
                           by=other.owner, today=clock.shop_today(other.shop))
    db.session.commit()
    moved = {customer.name: customer for customer in db.session.scalars(
        sa.select(Customer).where(Customer.shop_id == other.shop.id))}
    assert set(moved) == {"=Owes Money", "ثنا ملک"}
    assert moved["=Owes Money"].phone == "+971501234567" and moved["=Owes Money"].address == "Dubai"
    assert ledger.balances(other.shop, [moved["=Owes Money"].id, moved["ثنا ملک"].id]) == {
        moved["=Owes Money"].id: 1234_56, moved["ثنا ملک"].id: -700_00}
