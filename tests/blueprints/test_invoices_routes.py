"""Invoices over HTTP: the list, the draft form and its live totals, issuing, voiding, correcting, credit sales."""
import json
import re
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import render_template

from shopledger.models import Invoice, InvoiceLine, InvoiceStatus, PaymentMethod, PaymentTerms
from shopledger.services import clock, customers, invoices, jobs, payments, totals
from shopledger.services.invoices import LineDraft
from shopledger.services.money import format_money

HX = {"HX-Request": "true"}
NOW = datetime(2026, 3, 11, 8, 0, tzinfo=timezone.utc)  # 13:00 in Karachi
TODAY = date(2026, 3, 11)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def team(make_team):
    return make_team("Noor Tailors")


@pytest.fixture
def ali(db, team):
    made = customers.create_customer(team.shop, by=team.owner, name="Ali Raza", phone="0300 1234567")
    db.session.commit()
    return made


@pytest.fixture
def as_owner(client, team, login):
    login(client, team.owner.email)
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


def money(app, minor: int) -> str:
    with app.test_request_context():
        return format_money(minor, "PKR", territory="PK")


def make_draft(db, team, customer, *amounts, on=TODAY, **options) -> Invoice:
    lines = [LineDraft(f"Line {index}", Decimal(1), amount) for index, amount in enumerate(amounts)]
    invoice = invoices.create_draft(team.shop, customer, by=team.staff, issue_date=on, lines=lines, **options)
    db.session.commit()
    return invoice


def make_issued(db, team, customer, *amounts, **options) -> Invoice:
    invoice = make_draft(db, team, customer, *amounts, **options)
    invoices.issue(team.shop, invoice, by=team.staff)
    db.session.commit()
    return invoice


def pay(db, team, customer, amount, **options):
    payment, _created = payments.record(team.shop, customer, by=team.staff, amount_minor=amount, received_on=TODAY,
                                        method=PaymentMethod.CASH, **options)
    db.session.commit()
    return payment


def row(index: int, description: str = "", quantity: str = "1", price: str = "", discount: str = "",
        tax: str = "", job_id="") -> dict:
    prefix = f"lines-{index}-"
    return {f"{prefix}description": description, f"{prefix}quantity": quantity, f"{prefix}unit_price": price,
            f"{prefix}discount_percent": discount, f"{prefix}tax_percent": tax, f"{prefix}job_id": job_id}


def draft_form(*rows, **fields) -> dict:
    data = {"issue_date": TODAY.isoformat(), "terms": "on_receipt", "due_date": "", "discount": "", "notes": ""}
    for one in rows:
        data.update(one)
    data.update({name: str(value) for name, value in fields.items()})
    return data


def slot(body: str, field_id: str) -> str:
    """The error slot of a field: its text, or None when it is hidden."""
    found = re.search(rf'<p class="error-text" id="{field_id}-error"([^>]*)>(.*?)</p>', body, re.S)
    assert found, f"no error slot for {field_id}"
    return None if "hidden" in found.group(1) else found.group(2)


def count(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@contextmanager
def counted_statements(db):
    statements = []

    def counter(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", counter)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", counter)


# The list


def test_the_list_is_a_page_and_its_fragment_is_the_same_results(as_owner, db, team, ali):
    make_issued(db, team, ali, 100_00)
    page, fragment = as_owner.get("/invoices"), as_owner.get("/invoices", headers=HX)
    boosted = as_owner.get("/invoices", headers={**HX, "HX-Boosted": "true"})
    for response in (page, fragment, boosted):
        assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert text(page).startswith("<!doctype html>") and 'id="invoice-filters"' in text(page)
    assert text(boosted).startswith("<!doctype html>")
    assert text(fragment).lstrip().startswith('<div id="invoices-results"') and "<html" not in text(fragment)
    assert '<bdi class="invoice-number" dir="ltr">INV-2026-0001</bdi>' in text(fragment)


def test_the_list_puts_overdue_first_and_totals_everything_selected(app, as_owner, db, team, ali):
    sana = customers.create_customer(team.shop, by=team.owner, name="Sana Malik")
    late = make_issued(db, team, ali, 300_00, on=TODAY - timedelta(days=30))
    part = make_issued(db, team, sana, 500_00, terms=PaymentTerms.NET_30)
    pay(db, team, sana, 200_00)
    make_draft(db, team, ali, 50_00)
    voided = make_issued(db, team, ali, 70_00)
    invoices.void(team.shop, voided, by=team.manager, reason="wrong")
    db.session.commit()

    body = text(as_owner.get("/invoices", headers=HX))
    rows = re.findall(r'<li class="is-(\w+)">\s*<a class="invoice-row" href="/invoices/(\d+)"', body)
    assert rows[0] == ("overdue", str(late.id))
    assert {status for status, _ in rows} == {"overdue", "partly_paid", "draft", "void"}
    summary = re.search(r'<dl class="list-summary card".*?</dl>', body, re.S).group(0)
    assert "<bdi class=\"num\">4</bdi>" in summary
    assert money(app, 850_00) in summary  # every invoice but the void one
    assert money(app, 600_00) in summary  # 300 late + 300 still due on Sana's
    part_row = re.search(rf'href="/invoices/{part.id}".*?</a>', body, re.S).group(0)
    assert "Sana Malik" in part_row and "Partly paid" in part_row and money(app, 300_00) in part_row
    assert ">Draft<" in body and ">Void<" in body and "flag-mark" in body


def test_the_list_filters_by_status_customer_dates_and_search_in_the_url(as_owner, db, team, ali):
    sana = customers.create_customer(team.shop, by=team.owner, name="Sana Malik")
    older = make_issued(db, team, ali, 100_00, on=date(2026, 2, 1), terms=PaymentTerms.NET_30)
    newer = make_issued(db, team, sana, 200_00, terms=PaymentTerms.NET_30)
    draft = make_draft(db, team, sana, 10_00)

    def shown(query, headers=HX):
        body = text(as_owner.get("/invoices", query_string=query, headers=headers))
        return {int(found) for found in re.findall(r'class="invoice-row" href="/invoices/(\d+)"', body)}

    response = as_owner.get("/invoices?status=draft&customer_id=&from=&to=&q=", headers=HX)
    assert response.headers["HX-Push-Url"] == "/invoices?status=draft"
    assert shown({"status": "draft"}) == {draft.id}
    assert shown({"status": "overdue"}) == {older.id}  # 1 Feb + 30 days is before 11 March
    assert shown({"customer_id": sana.id}) == {newer.id, draft.id}
    assert shown({"from": "2026-03-01", "to": "2026-03-31"}) == {newer.id, draft.id}
    assert shown({"q": "sana"}) == {newer.id, draft.id}
    assert shown({"q": older.number}) == {older.id}
    assert shown({"status": "nonsense", "from": "not-a-date"}) == {older.id, newer.id, draft.id}

    page = text(as_owner.get(f"/invoices?customer_id={sana.id}&status=issued"))
    assert f'name="customer_id" value="{sana.id}"' in page and "Sana Malik" in page
    assert 'value="issued" checked' in page and 'href="/invoices?status=issued"' in page
    assert "No invoices match." in text(as_owner.get("/invoices?q=nobody", headers=HX))


def test_the_list_pages_and_keeps_the_filters_in_the_links(as_owner, db, team, ali):
    for number in range(27):
        make_issued(db, team, ali, 10_00 + number)
    first = text(as_owner.get("/invoices?q=ali", headers=HX))
    assert first.count('class="invoice-row"') == 25 and 'href="/invoices?q=ali&amp;page=2"' in first
    second = as_owner.get("/invoices?q=ali&page=2", headers=HX)
    assert text(second).count('class="invoice-row"') == 2 and second.headers["HX-Push-Url"] == "/invoices?q=ali&page=2"
    assert 'href="/invoices?q=ali"' in text(second)  # back to the first page, which has no page=1


def test_the_list_runs_the_same_few_statements_whatever_the_number_of_rows(as_owner, db, team, ali):
    make_issued(db, team, ali, 100_00)
    make_draft(db, team, ali, 100_00)
    with counted_statements(db) as few:
        assert as_owner.get("/invoices").status_code == 200
    for number in range(40):
        invoice = make_issued(db, team, ali, 100_00 + number)
        if number % 3 == 0:
            pay(db, team, ali, 50_00)
        if number % 7 == 0:
            invoices.void(team.shop, invoice, by=team.owner, reason="test")
            db.session.commit()
    with counted_statements(db) as many:
        response = as_owner.get("/invoices")
    assert text(response).count('class="invoice-row"') == 25
    assert len(many) == len(few), many
    assert len(many) <= 6, many  # the session, the shop, the jobs badge, the totals, the page of invoices
    with counted_statements(db) as filtered:
        as_owner.get(f"/invoices?status=paid&q=ali&from=2026-01-01&customer_id={ali.id}", headers=HX)
    assert len(filtered) <= 6, filtered


# The new invoice: customer, jobs, lines


def test_a_new_invoice_starts_by_choosing_the_customer(as_owner, db, team, ali):
    page = text(as_owner.get("/invoices/new"))
    assert re.search(rf'<option value="{ali.id}">Ali Raza</option>', page)
    assert 'id="invoice-form"' not in page and 'hx-get="/invoices/new"' in page
    fragment = as_owner.get(f"/invoices/new?customer_id={ali.id}", headers=HX)
    body = text(fragment)
    assert fragment.status_code == 200 and body.lstrip().startswith('<div id="invoice-editor"')
    assert f'<option value="{ali.id}" selected>Ali Raza</option>' in body
    assert f'name="customer_id" value="{ali.id}"' in body and 'id="invoice-form"' in body
    assert 'name="lines-0-description"' in body and 'name="lines-0-quantity" type="text" value="1"' in body
    assert 'hx-post="/invoices/preview"' in body and 'hx-trigger="input changed delay:400ms"' in body
    assert 'hx-get="/invoices/line-row?index=1"' in body


def test_a_new_invoice_with_no_customers_sends_you_to_add_one(as_owner):
    page = text(as_owner.get("/invoices/new"))
    assert "Add your first customer" in page and 'id="invoice-editor"' not in page


def test_the_customers_unbilled_jobs_are_offered_as_checkboxes(as_owner, db, team, ali):
    billed = jobs.create_job(team.shop, ali, by=team.owner, title="Billed coat", quoted_minor=900_00)
    on_draft = jobs.create_job(team.shop, ali, by=team.owner, title="Kurta on a draft", quoted_minor=1500_00)
    open_job = jobs.create_job(team.shop, ali, by=team.owner, title="Two shirts", quoted_minor=3000_00)
    db.session.commit()
    invoices.issue(team.shop, invoices.draft_from_jobs(team.shop, ali, [billed], by=team.owner, issue_date=TODAY),
                   by=team.owner)
    invoices.draft_from_jobs(team.shop, ali, [on_draft], by=team.owner, issue_date=TODAY)
    db.session.commit()
    body = text(as_owner.get(f"/invoices/new?customer_id={ali.id}", headers=HX))
    picks = re.search(r'<ul class="job-picks".*?</ul>', body, re.S).group(0)
    assert f'name="job_id" value="{open_job.id}"' in picks and f'name="job_id" value="{on_draft.id}"' in picks
    assert "Billed coat" not in picks


def test_jobs_in_the_address_fill_in_the_lines_at_their_quoted_prices(app, as_owner, db, team, ali):
    shirts = jobs.create_job(team.shop, ali, by=team.owner, title="Two shirts", quoted_minor=3000_00)
    hem = jobs.create_job(team.shop, ali, by=team.owner, title="Hemming")
    db.session.commit()
    body = text(as_owner.get(f"/invoices/new?customer_id={ali.id}&job_id={shirts.id}&job_id={hem.id}", headers=HX))
    assert 'name="lines-0-description" type="text" value="Two shirts"' in body
    assert 'name="lines-0-unit_price" type="text" value="3000"' in body
    assert f'name="lines-0-job_id" type="hidden" value="{shirts.id}"' in body
    assert 'name="lines-1-description" type="text" value="Hemming"' in body
    assert 'name="lines-1-unit_price" type="text" value="0"' in body
    assert 'name="lines-2-description"' not in body
    assert re.search(rf'value="{shirts.id}" checked', body) and re.search(rf'value="{hem.id}" checked', body)
    totals_card = re.search(r'<div id="invoice-totals".*?</div>', body, re.S).group(0)
    assert money(app, 3000_00) in totals_card
    assert count(db, Invoice) == 0  # filling in is not saving

    response = as_owner.post("/invoices", data=draft_form(row(0, "Two shirts", price="3000", job_id=shirts.id),
                                                          customer_id=ali.id))
    invoice = db.session.scalars(sa.select(Invoice)).one()
    assert response.status_code == 303 and invoice.lines[0].job_id == shirts.id
    invoices.issue(team.shop, invoice, by=team.owner)
    db.session.commit()
    picks = text(as_owner.get(f"/invoices/new?customer_id={ali.id}", headers=HX))
    assert f'name="job_id" value="{shirts.id}"' not in picks and f'name="job_id" value="{hem.id}"' in picks


def test_creating_a_draft_saves_the_lines_typed_and_goes_to_it(as_owner, db, team, ali):
    data = draft_form(
        row(0, "Shirt stitching", quantity="2", price="1,500"),
        row(2, "Buttons", quantity="12", price="25", tax="17"),
        row(5),  # an added row left empty is no line
        customer_id=ali.id, discount="200", terms="net_15", notes="Collect on Friday",
    )
    response = as_owner.post("/invoices", data=data)
    invoice = db.session.scalars(sa.select(Invoice)).one()
    assert response.status_code == 303 and response.headers["Location"] == f"/invoices/{invoice.id}"
    assert invoice.status == InvoiceStatus.DRAFT and invoice.number is None
    assert [(line.description, line.quantity, line.unit_price_minor, line.tax_percent) for line in invoice.lines] == [
        ("Shirt stitching", Decimal(2), 1500_00, Decimal(0)), ("Buttons", Decimal(12), 25_00, Decimal(17))]
    expected = totals.compute([totals.LineInput(Decimal(2), 1500_00), totals.LineInput(Decimal(12), 25_00,
                                                                                      tax_percent=Decimal(17))], 200_00)
    assert (invoice.subtotal_minor, invoice.tax_minor, invoice.total_minor) == (
        expected.subtotal_minor, expected.tax_minor, expected.total_minor)
    assert invoice.due_date == TODAY + timedelta(days=15) and invoice.notes == "Collect on Friday"

    fragment = as_owner.post("/invoices", data=draft_form(row(0, "Again", price="10"), customer_id=ali.id), headers=HX)
    newest = db.session.scalar(sa.select(Invoice.id).order_by(Invoice.id.desc()).limit(1))
    assert fragment.status_code == 204 and fragment.headers["HX-Redirect"] == f"/invoices/{newest}"


def test_bad_values_answer_422_next_to_their_line_field_and_keep_what_was_typed(as_owner, db, ali):
    data = draft_form(
        row(0, "Shirt", quantity="2", price="1500"),
        row(3, "Trousers", quantity="two", price="800"),
        row(7, "", price="500", tax="150"),
        customer_id=ali.id, discount="lots", notes="Keep this note",
    )
    response = as_owner.post("/invoices", data=data, headers=HX)
    body = text(response)
    assert response.status_code == 422 and body.lstrip().startswith('<form id="invoice-form"')
    assert slot(body, "lines-3-quantity") == "Enter the quantity as a number, like 2 or 1.5."
    assert slot(body, "lines-7-description") == "Say what this line is for."
    assert slot(body, "lines-0-quantity") is None and slot(body, "lines-3-unit_price") is None
    assert slot(body, "discount") == "Enter the discount as an amount, like 200."
    assert re.search(r'<input aria-describedby="lines-3-quantity-error" aria-invalid="true"[^>]*'
                     r'name="lines-3-quantity" type="text" value="two"', body)
    assert 'name="lines-7-tax_percent" type="text" value="150"' in body and "Keep this note" in body
    assert 'value="lots"' in body and body.count("autofocus") == 1
    assert re.search(r'<input[^>]*autofocus[^>]*id="lines-3-quantity"', body)
    assert count(db, Invoice) == 0

    page = as_owner.post("/invoices", data=data)
    assert page.status_code == 422 and text(page).startswith("<!doctype html>") and 'id="invoice-editor"' in text(page)


def test_rules_the_service_keeps_come_back_by_their_field(as_owner, db, ali):
    too_much = as_owner.post("/invoices", headers=HX, data=draft_form(
        row(0, "Shirt", price="100"), customer_id=ali.id, discount="150"))
    assert too_much.status_code == 422
    assert slot(text(too_much), "discount") == "The discount cannot be more than the lines add up to."
    no_date = as_owner.post("/invoices", headers=HX, data=draft_form(
        row(0, "Shirt", price="100"), customer_id=ali.id, terms="custom"))
    assert no_date.status_code == 422 and slot(text(no_date), "due_date") == "Choose the date payment is due."
    assert 'class="due-date-field has-error"' in text(no_date)
    many = draft_form(*(row(index, f"Line {index}", price="1") for index in range(101)), customer_id=ali.id)
    too_many = as_owner.post("/invoices", headers=HX, data=many)
    assert too_many.status_code == 422 and "at most 100 lines" in text(too_many)
    nobody = as_owner.post("/invoices", headers=HX, data=draft_form(row(0, "Shirt", price="100")))
    assert nobody.status_code == 422 and "Choose who the invoice is for." in text(nobody)
    assert count(db, Invoice) == 0


# The live totals


def test_the_preview_works_out_the_totals_as_the_service_does_and_saves_nothing(app, as_owner, db, ali):
    data = draft_form(
        row(0, "Cloth", quantity="2.5", price="333.33", discount="10", tax="17"),
        row(4, "Stitching", quantity="1", price="1,499.99", tax="5"),
        row(6),
        customer_id=ali.id, discount="100.01", terms="net_7",
    )
    response = as_owner.post("/invoices/preview", data=data, headers=HX)
    body = text(response)
    assert response.status_code == 200 and body.lstrip().startswith('<div id="invoice-totals"')
    expected = totals.compute([
        totals.LineInput(Decimal("2.5"), 333_33, Decimal(10), Decimal(17)),
        totals.LineInput(Decimal(1), 1499_99, Decimal(0), Decimal(5)),
    ], 100_01)
    totals_card = re.search(r'<div id="invoice-totals".*?</div>\s*(?=<output)', body, re.S).group(0)
    for amount in (expected.subtotal_minor, expected.discount_minor, expected.tax_minor, expected.total_minor):
        assert money(app, amount) in totals_card
    assert "Payment due <bdi>Mar 18, 2026</bdi>" in totals_card
    for row_id, worked in (("lines-0", expected.lines[0]), ("lines-4", expected.lines[1])):
        output = re.search(rf'<output class="line-amount" id="{row_id}-amount"[^>]*hx-swap-oob="true">.*?</output>',
                           body, re.S).group(0)
        assert money(app, worked.net_minor) in output and money(app, worked.tax_minor) in output
    blank = re.search(r'<output class="line-amount" id="lines-6-amount".*?</output>', body, re.S).group(0)
    assert "–" in blank
    assert slot(body, "lines-0-quantity") is None  # every slot comes back, emptied when all is well
    assert count(db, Invoice) == 0


def test_the_preview_of_a_saved_draft_changes_nothing_in_it(app, as_owner, db, team, ali):
    invoice = make_draft(db, team, ali, 100_00)
    response = as_owner.post("/invoices/preview", headers=HX, data=draft_form(
        row(0, "Changed", quantity="3", price="100"), invoice_id=invoice.id))
    assert response.status_code == 200 and money(app, 300_00) in text(response)
    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).total_minor == 100_00


def test_the_preview_puts_a_bad_value_by_its_field_and_holds_the_total(app, as_owner, db, ali):
    response = as_owner.post("/invoices/preview", headers=HX, data=draft_form(
        row(0, "Shirt", quantity="2", price="1500"), row(1, "Cap", quantity="0", price="100"), customer_id=ali.id))
    body = text(response)
    assert response.status_code == 422
    assert re.search(r'<p class="error-text" id="lines-1-quantity-error" hx-swap-oob="true">'
                     r'Use a quantity above 0, with at most 3 decimals.</p>', body)
    assert re.search(r'<p class="error-text" id="lines-0-quantity-error" hx-swap-oob="true" hidden></p>', body)
    assert "Put right what is marked to see the total." in body
    good_row = re.search(r'<output class="line-amount" id="lines-0-amount".*?</output>', body, re.S).group(0)
    assert money(app, 3000_00) in good_row  # a good row shows its amount while another is wrong


def test_removing_a_line_works_the_totals_out_without_it_and_deletes_its_row(app, as_owner, ali):
    data = draft_form(row(0, "Shirt", price="1500"), row(1, "Cap", price="100"), customer_id=ali.id,
                      remove_line="lines-1")
    body = text(as_owner.post("/invoices/preview", data=data, headers=HX))
    assert '<div id="lines-1" hx-swap-oob="delete"></div>' in body
    assert 'id="lines-1-amount"' not in body and 'id="lines-0-amount"' in body
    grand = re.search(r'<div class="grand-total">.*?</div>', body, re.S).group(0)
    assert money(app, 1500_00) in grand


def test_add_line_fetches_a_blank_row_and_the_button_for_the_next(as_owner):
    response = as_owner.get("/invoices/line-row?index=3", headers=HX)
    body = text(response)
    assert response.status_code == 200
    assert body.lstrip().startswith('<fieldset class="invoice-line" id="lines-3">')
    assert 'name="lines-3-description"' in body and 'name="lines-3-quantity" type="text" value="1"' in body
    assert re.search(r'<input[^>]*autofocus[^>]*id="lines-3-description"', body)
    assert 'id="add-line"' in body and 'hx-get="/invoices/line-row?index=4"' in body and 'hx-swap-oob="true"' in body
    assert 'id="lines-3-quantity-error"' in body and 'name="remove_line" value="lines-3"' in body
    clamped = text(as_owner.get("/invoices/line-row?index=-5", headers=HX))
    assert 'id="lines-0"' in clamped and 'hx-get="/invoices/line-row?index=1"' in clamped


def test_without_script_the_form_buttons_answer_with_the_whole_form(as_owner, ali):
    added = as_owner.post("/invoices/preview", data=draft_form(row(0, "Shirt", price="1500"), customer_id=ali.id,
                                                               add_line="1"))
    assert added.status_code == 200 and text(added).startswith("<!doctype html>")
    assert 'name="lines-1-description"' in text(added) and 'value="Shirt"' in text(added)
    removed = as_owner.post("/invoices/preview", data=draft_form(row(0, "Shirt", price="1500"), row(1, "Cap"),
                                                                 customer_id=ali.id, remove_line="lines-1"))
    assert 'name="lines-1-description"' not in text(removed) and 'name="lines-0-description"' in text(removed)


# Editing a draft; an issued invoice is not edited


def test_editing_a_draft_shows_its_values_and_saves_the_changes(as_owner, db, team, ali):
    invoice = invoices.create_draft(team.shop, ali, by=team.owner, issue_date=TODAY, discount_minor=50_00,
                                    terms=PaymentTerms.CUSTOM, due_date=date(2026, 4, 1), lines=[
                                        LineDraft("Cloth", Decimal("1.5"), 1500_50, tax_percent=Decimal("17.5"))])
    db.session.commit()
    page = text(as_owner.get(f"/invoices/{invoice.id}/edit"))
    assert 'value="1.5"' in page and 'value="1500.50"' in page and 'value="17.5"' in page and 'value="50"' in page
    assert 'value="2026-04-01"' in page and '<option selected value="custom">' in page
    assert f'name="invoice_id" value="{invoice.id}"' in page and 'name="customer_id"' not in page
    assert '<details class="line-extras" open>' in page

    response = as_owner.post(f"/invoices/{invoice.id}", data=draft_form(
        row(0, "Cloth", quantity="2", price="1000"), row(1, "Lace", price="250"), invoice_id=invoice.id))
    assert response.status_code == 303 and response.headers["Location"] == f"/invoices/{invoice.id}"
    db.session.expire_all()
    saved = db.session.get(Invoice, invoice.id)
    assert [(line.description, line.unit_price_minor) for line in saved.lines] == [("Cloth", 1000_00), ("Lace", 250_00)]
    assert saved.total_minor == 2250_00 and saved.terms == PaymentTerms.ON_RECEIPT

    bad = as_owner.post(f"/invoices/{invoice.id}", data=draft_form(row(0, "Cloth", price="ten")), headers=HX)
    assert bad.status_code == 422 and slot(text(bad), "lines-0-unit_price") == "Enter the price as a number, like 1500."


def test_an_issued_invoice_cannot_be_edited(as_owner, db, team, ali):
    invoice = make_issued(db, team, ali, 100_00)
    edit = as_owner.get(f"/invoices/{invoice.id}/edit")
    assert edit.status_code == 303 and edit.headers["Location"] == f"/invoices/{invoice.id}"
    assert "cannot be changed" in text(as_owner.get(f"/invoices/{invoice.id}"))
    update = as_owner.post(f"/invoices/{invoice.id}", data=draft_form(row(0, "Changed", price="1")), headers=HX)
    assert update.status_code == 409 and "cannot be changed" in text(update)
    preview = as_owner.post("/invoices/preview", data=draft_form(row(0, "x", price="1"), invoice_id=invoice.id),
                            headers=HX)
    assert preview.status_code == 409
    db.session.expire_all()
    assert [line.description for line in db.session.get(Invoice, invoice.id).lines] == ["Line 0"]
    assert f"/invoices/{invoice.id}/edit" not in text(as_owner.get(f"/invoices/{invoice.id}"))


# The invoice page and its lifecycle


def test_issuing_numbers_the_draft_and_answers_with_the_invoice_and_an_event(as_owner, db, team, ali):
    invoice = make_draft(db, team, ali, 100_00)
    draft_page = text(as_owner.get(f"/invoices/{invoice.id}"))
    assert "Draft invoice" in draft_page and f'hx-post="/invoices/{invoice.id}/issue"' in draft_page
    assert f'href="/invoices/{invoice.id}/edit"' in draft_page and "Delete this draft?" in draft_page

    response = as_owner.post(f"/invoices/{invoice.id}/issue", headers=HX)
    body = text(response)
    assert response.status_code == 200 and body.lstrip().startswith('<div id="invoice"')
    assert json.loads(response.headers["HX-Trigger"])["invoice-changed"] == {"id": invoice.id, "customer_id": ali.id}
    assert 'Invoice <bdi class="invoice-number" dir="ltr">INV-2026-0001</bdi>' in body
    assert "Issued as \u2068INV-2026-0001\u2069." in body and "Issued as <bdi" in body
    assert f"by <bdi>{team.owner.name}</bdi>" in body
    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).status == InvoiceStatus.ISSUED

    again = as_owner.post(f"/invoices/{invoice.id}/issue")
    assert again.status_code == 422 and "cannot be changed" in text(again)
    other = make_draft(db, team, ali, 5_00)
    plain = as_owner.post(f"/invoices/{other.id}/issue")
    assert plain.status_code == 303 and plain.headers["Location"] == f"/invoices/{other.id}"


def test_an_empty_draft_is_not_issued(as_owner, db, team, ali):
    invoice = make_draft(db, team, ali)
    response = as_owner.post(f"/invoices/{invoice.id}/issue", headers=HX)
    assert response.status_code == 422 and "Add at least one line before issuing." in text(response)
    assert "HX-Trigger" not in response.headers


def test_the_invoice_page_shows_the_money_the_status_and_where_to_pay(app, client, db, team, ali, login):
    team.shop.payment_instructions = "Meezan Bank 0101-2222"
    invoice = invoices.create_draft(team.shop, ali, by=team.staff, issue_date=TODAY - timedelta(days=2),
                                    terms=PaymentTerms.NET_15, discount_minor=200_00, lines=[
                                        LineDraft("Shirts", Decimal(2), 1500_00),
                                        LineDraft("Buttons", Decimal(12), 25_00, tax_percent=Decimal(17))])
    invoices.issue(team.shop, invoice, by=team.staff)
    db.session.commit()
    pay(db, team, ali, 1000_00)
    login(client, team.owner.email)
    body = text(client.get(f"/invoices/{invoice.id}"))
    assert 'class="status-badge invoice-partly_paid large">Partly paid</span>' in body
    assert f'href="/customers/{ali.id}"><bdi>Ali Raza</bdi></a>' in body
    sheet = re.search(r'<dl class="totals">.*?</dl>', body, re.S).group(0)
    for label, amount in (("Subtotal", 3300_00), ("Discount", 200_00), ("Tax", invoice.tax_minor),
                          ("Total", invoice.total_minor), ("Paid", 1000_00),
                          ("Balance due", invoice.total_minor - 1000_00)):
        assert re.search(rf"<dt>{label}</dt><dd><bdi class=\"num\">−?{re.escape(money(app, amount))}</bdi>", sheet)
    assert "12 × " in body and "tax <bdi class=\"num\">17%</bdi>" in body
    assert "How to pay" in body and "Meezan Bank 0101-2222" in body
    assert "Sep" not in body and "Mar 9, 2026" in body and "Mar 24, 2026" in body and "In 15 days" in body
    assert f'href="/payments/new?customer_id={ali.id}&amp;invoice_id={invoice.id}"' in body
    assert f'href="/invoices/{invoice.id}/pdf" hx-boost="false"' in body

    pay(db, team, ali, invoice.total_minor - 1000_00)
    paid = text(client.get(f"/invoices/{invoice.id}"))
    assert 'class="invoice-stamp stamp-paid"' in paid and "How to pay" not in paid and "Record payment" not in paid


def test_an_overdue_invoice_says_so_in_words(as_owner, db, team, ali):
    invoice = make_issued(db, team, ali, 100_00, on=TODAY - timedelta(days=40), terms=PaymentTerms.NET_30)
    body = text(as_owner.get(f"/invoices/{invoice.id}"))
    assert re.search(r'class="status-badge invoice-overdue large"><span class="flag-mark" aria-hidden="true">!</span>'
                     r"Overdue</span>", body)


def test_voiding_needs_a_reason_and_keeps_it_in_the_history(as_owner, db, team, ali):
    invoice = make_issued(db, team, ali, 100_00)
    page = text(as_owner.get(f"/invoices/{invoice.id}"))
    assert "hx-confirm=\"Void \u2068INV-2026-0001\u2069?" in page

    refused = as_owner.post(f"/invoices/{invoice.id}/void", data={"reason": "  "}, headers=HX)
    body = text(refused)
    assert refused.status_code == 422 and body.lstrip().startswith('<div id="invoice"')
    assert re.search(r'id="reason-error">Say why the invoice is voided, for the record.', body)
    assert '<details class="card void-box" open>' in body
    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).status == InvoiceStatus.ISSUED

    response = as_owner.post(f"/invoices/{invoice.id}/void", data={"reason": "Customer returned it"}, headers=HX)
    body = text(response)
    assert response.status_code == 200 and "invoice-changed" in response.headers["HX-Trigger"]
    assert 'class="invoice-stamp stamp-void"' in body and "Customer returned it" in body and ">Voided<" in body
    assert "void-box" not in body
    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).status == InvoiceStatus.VOID
    again = as_owner.post(f"/invoices/{invoice.id}/void", data={"reason": "again"}, headers=HX)
    assert again.status_code == 422 and "Only an issued invoice can be voided." in text(again)


def test_void_and_correct_opens_a_draft_that_says_what_it_replaces(as_owner, db, team, ali):
    invoice = make_issued(db, team, ali, 100_00, notes="Thanks")
    refused = as_owner.post(f"/invoices/{invoice.id}/correct", data={"reason": ""}, headers=HX)
    assert refused.status_code == 422 and 'id="reason-error"' in text(refused)
    assert count(db, Invoice) == 1

    response = as_owner.post(f"/invoices/{invoice.id}/correct", data={"reason": "Price was wrong"}, headers=HX)
    corrected = db.session.scalars(sa.select(Invoice).where(Invoice.replaces_id == invoice.id)).one()
    assert response.status_code == 204 and response.headers["HX-Redirect"] == f"/invoices/{corrected.id}/edit"
    assert corrected.status == InvoiceStatus.DRAFT and corrected.notes == "Thanks"
    assert db.session.get(Invoice, invoice.id).status == InvoiceStatus.VOID
    edit = text(as_owner.get(f"/invoices/{corrected.id}/edit"))
    assert "INV-2026-0001 is void" in edit.replace("\u2068", "").replace("\u2069", "")
    assert 'value="Line 0"' in edit

    old_page = text(as_owner.get(f"/invoices/{invoice.id}"))
    assert f'Replaced by <a href="/invoices/{corrected.id}">a draft</a>' in old_page and "Price was wrong" in old_page
    new_page = text(as_owner.get(f"/invoices/{corrected.id}"))
    assert re.search(rf'Corrects <a href="/invoices/{invoice.id}"><bdi class="invoice-number" dir="ltr">'
                     r"INV-2026-0001</bdi></a>, which was voided", new_page)


def test_a_draft_can_be_deleted_an_issued_invoice_cannot(as_owner, db, team, ali):
    draft = make_draft(db, team, ali, 100_00)
    response = as_owner.post(f"/invoices/{draft.id}/delete", headers=HX)
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/invoices"
    assert count(db, Invoice) == 0
    issued = make_issued(db, team, ali, 100_00)
    refused = as_owner.post(f"/invoices/{issued.id}/delete", headers=HX)
    assert refused.status_code == 422 and "cannot be changed" in text(refused)
    assert count(db, Invoice) == 1


# The credit sale, the khata way


def test_a_credit_sale_becomes_a_one_line_issued_invoice_and_says_so(app, as_owner, db, ali):
    response = as_owner.post("/invoices/credit-sale", headers=HX,
                             data={"customer_id": ali.id, "amount": "۲,۵۰۰", "note": "Cloth, 3 metres"})
    body = text(response)
    invoice = db.session.scalars(sa.select(Invoice)).one()
    assert response.status_code == 200 and body.lstrip().startswith('<form id="credit-sale"')
    assert json.loads(response.headers["HX-Trigger"])["invoice-changed"] == {"id": invoice.id, "customer_id": ali.id}
    assert invoice.status == InvoiceStatus.ISSUED and invoice.total_minor == 2500_00
    assert [line.description for line in invoice.lines] == ["Cloth, 3 metres"]
    assert money(app, 2500_00) in body and "INV-2026-0001" in body and f'href="/invoices/{invoice.id}"' in body
    assert 'name="amount" value=""' in body  # empty again, for the next one

    plain = as_owner.post("/invoices/credit-sale", data={"customer_id": ali.id, "amount": "100"})
    assert plain.status_code == 303 and plain.headers["Location"] == f"/customers/{ali.id}"
    assert count(db, Invoice) == 2


def test_a_credit_sale_with_a_bad_amount_answers_422_by_the_amount(as_owner, db, ali):
    for typed, message in (("lots", "Enter the amount as a number, like 2500."), ("0", "Enter an amount above zero."),
                           ("", "Enter the amount, like 2500.")):
        response = as_owner.post("/invoices/credit-sale", headers=HX,
                                 data={"customer_id": ali.id, "amount": typed, "note": "kept"})
        body = text(response)
        assert response.status_code == 422, typed
        assert f'id="credit-amount-error">{message}</p>' in body and 'value="kept"' in body
        assert f'name="amount" value="{typed}"' in body and "HX-Trigger" not in response.headers
    page = as_owner.post("/invoices/credit-sale", data={"customer_id": ali.id, "amount": "x"})
    assert page.status_code == 422 and text(page).startswith("<!doctype html>") and "Ali Raza" in text(page)
    nobody = as_owner.post("/invoices/credit-sale", data={"amount": "100"}, headers=HX)
    assert nobody.status_code == 422 and "Choose the customer the goods went to." in text(nobody)
    assert count(db, Invoice) == 0


def test_the_credit_sale_form_draws_itself_on_a_customers_page(app, db, team, ali):
    with app.test_request_context():
        from flask import g
        from flask_login import login_user

        from shopledger.models import Membership

        login_user(team.staff)
        g.shop, g.membership = team.shop, db.session.scalar(sa.select(Membership).filter_by(user_id=team.staff.id))
        body = render_template("invoices/_credit_sale_form.html", customer=ali)
        assert body.lstrip().startswith('<form id="credit-sale"') and 'hx-post="/invoices/credit-sale"' in body
        assert f'name="customer_id" value="{ali.id}"' in body and 'name="csrf_token"' in body
        g.membership = db.session.scalar(sa.select(Membership).filter_by(user_id=team.viewer.id))
        assert render_template("invoices/_credit_sale_form.html", customer=ali).strip() == ""


# Roles and other shops


def test_a_viewer_sees_invoices_without_buttons_and_every_change_is_refused(client, db, team, ali, login):
    draft = make_draft(db, team, ali, 100_00)
    issued = make_issued(db, team, ali, 200_00)
    login(client, team.viewer.email)
    listing, draft_page, issued_page = (text(client.get(path)) for path in (
        "/invoices", f"/invoices/{draft.id}", f"/invoices/{issued.id}"))
    assert "INV-2026-0001" in listing and "New invoice" not in listing
    for body in (draft_page, issued_page):
        for action in ("/issue", "/edit", "/delete", "/void", "/correct", "Record payment"):
            assert action not in body, action
    assert client.get("/invoices/new").status_code == 403
    assert client.get(f"/invoices/{draft.id}/edit").status_code == 403
    assert client.get("/invoices/line-row?index=1").status_code == 403
    for path, data in (("/invoices", draft_form(row(0, "x", price="1"), customer_id=ali.id)),
                       (f"/invoices/{draft.id}", draft_form(row(0, "x", price="1"))),
                       ("/invoices/preview", draft_form(row(0, "x", price="1"), customer_id=ali.id)),
                       (f"/invoices/{draft.id}/issue", {}), (f"/invoices/{draft.id}/delete", {}),
                       (f"/invoices/{issued.id}/void", {"reason": "x"}),
                       (f"/invoices/{issued.id}/correct", {"reason": "x"}),
                       ("/invoices/credit-sale", {"customer_id": ali.id, "amount": "100"})):
        assert client.post(path, data=data).status_code == 403, path
        assert client.post(path, data=data, headers=HX).status_code == 403, path
    assert count(db, Invoice) == 2
    assert db.session.get(Invoice, draft.id).status == InvoiceStatus.DRAFT
    assert db.session.get(Invoice, issued.id).status == InvoiceStatus.ISSUED


def test_staff_issue_and_sell_on_credit_but_cannot_void(client, db, team, ali, login):
    issued = make_issued(db, team, ali, 200_00)
    draft = make_draft(db, team, ali, 100_00)
    login(client, team.staff.email)
    assert "void-box" not in text(client.get(f"/invoices/{issued.id}"))
    assert client.post(f"/invoices/{issued.id}/void", data={"reason": "x"}).status_code == 403
    assert client.post(f"/invoices/{issued.id}/correct", data={"reason": "x"}).status_code == 403
    assert client.post(f"/invoices/{draft.id}/issue").status_code == 303
    assert client.post("/invoices/credit-sale", data={"customer_id": ali.id, "amount": "50"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Invoice, issued.id).status == InvoiceStatus.ISSUED


def test_another_shops_invoices_customers_and_jobs_answer_404(client, db, two_shops, login):
    a, b = two_shops
    ours = customers.create_customer(a.shop, by=a.owner, name="Ours")
    theirs = customers.create_customer(b.shop, by=b.owner, name="Theirs")
    their_job = jobs.create_job(b.shop, theirs, by=b.owner, title="Their coat", quoted_minor=100_00)
    our_other_job = jobs.create_job(a.shop, customers.create_customer(a.shop, by=a.owner, name="Someone else"),
                                    by=a.owner, title="Not Ours' job")
    their_draft = invoices.create_draft(b.shop, theirs, by=b.owner, issue_date=TODAY,
                                        lines=[LineDraft("x", Decimal(1), 100)])
    their_issued = invoices.create_draft(b.shop, theirs, by=b.owner, issue_date=TODAY,
                                         lines=[LineDraft("y", Decimal(1), 100)])
    invoices.issue(b.shop, their_issued, by=b.owner)
    db.session.commit()
    login(client, a.owner.email)

    for path in (f"/invoices/{their_draft.id}", f"/invoices/{their_draft.id}/edit", f"/invoices/{their_issued.id}",
                 f"/invoices?customer_id={theirs.id}", f"/invoices/new?customer_id={theirs.id}",
                 f"/invoices/new?customer_id={ours.id}&job_id={their_job.id}",
                 f"/invoices/new?customer_id={ours.id}&job_id={our_other_job.id}"):
        assert client.get(path).status_code == 404, path
        assert client.get(path, headers=HX).status_code == 404, path
    for path, data in (
        (f"/invoices/{their_draft.id}", draft_form(row(0, "Taken", price="1"))),
        (f"/invoices/{their_draft.id}/issue", {}), (f"/invoices/{their_draft.id}/delete", {}),
        (f"/invoices/{their_issued.id}/void", {"reason": "x"}),
        (f"/invoices/{their_issued.id}/correct", {"reason": "x"}),
        ("/invoices", draft_form(row(0, "x", price="1"), customer_id=theirs.id)),
        ("/invoices", draft_form(row(0, "x", price="1", job_id=their_job.id), customer_id=ours.id)),
        ("/invoices/preview", draft_form(row(0, "x", price="1"), invoice_id=their_draft.id)),
        ("/invoices/preview", draft_form(row(0, "x", price="1"), customer_id=theirs.id)),
        ("/invoices/credit-sale", {"customer_id": theirs.id, "amount": "100"}),
    ):
        assert client.post(path, data=data, headers=HX).status_code == 404, path
    db.session.expire_all()
    assert db.session.get(Invoice, their_draft.id).status == InvoiceStatus.DRAFT
    assert db.session.get(Invoice, their_issued.id).status == InvoiceStatus.ISSUED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invoice).where(Invoice.shop_id == a.shop.id)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InvoiceLine)) == 2


def test_what_the_shop_typed_is_shown_as_text_not_markup(as_owner, db, team):
    evil = customers.create_customer(team.shop, by=team.owner, name="<script>alert(1)</script>")
    invoice = invoices.create_draft(team.shop, evil, by=team.owner, issue_date=TODAY, notes="<b>note</b>",
                                    lines=[LineDraft("<img src=x onerror=alert(1)>", Decimal(1), 100)])
    db.session.commit()
    for path in ("/invoices", f"/invoices/{invoice.id}", f"/invoices/{invoice.id}/edit",
                 f"/invoices/new?customer_id={evil.id}"):
        body = text(as_owner.get(path))
        assert "<script>alert" not in body and "<img src=x" not in body and "<b>note" not in body, path


def test_the_pages_speak_urdu_right_to_left(client, db, team, ali, login, make_user):
    team.owner.locale = "ur"
    db.session.commit()
    invoice = make_issued(db, team, ali, 100_00)
    login(client, team.owner.email)
    for path in ("/invoices", f"/invoices/{invoice.id}", f"/invoices/new?customer_id={ali.id}"):
        body = text(client.get(path))
        assert '<html lang="ur" dir="rtl">' in body, path
    assert '<bdi class="invoice-number" dir="ltr">INV-2026-0001</bdi>' in text(client.get(f"/invoices/{invoice.id}"))


def test_the_lists_behind_the_figures_unpaid_by_due_date_and_all_issued(as_owner, db, team, ali):
    """The dashboard and reports open these: unpaid invoices due between two days (an age bucket), and
    every issued invoice of a period (a sales figure), with a chip that says so and takes it off."""
    old = make_issued(db, team, ali, 100_00, on=TODAY - timedelta(days=45))
    recent = make_issued(db, team, ali, 200_00, on=TODAY - timedelta(days=10))
    paid = make_issued(db, team, ali, 300_00, on=TODAY - timedelta(days=12))
    pay(db, team, ali, 300_00, allocations=[(paid, 300_00)])
    make_draft(db, team, ali, 50_00)
    db.session.commit()

    def shown(query):
        return set(map(int, re.findall(r'class="invoice-row" href="/invoices/(\d+)"', text(as_owner.get(query)))))

    bucket = f"/invoices?status=unpaid&due_from={TODAY - timedelta(days=30)}&due_to={TODAY - timedelta(days=1)}"
    assert shown(bucket) == {recent.id}
    assert shown(f"/invoices?status=unpaid&due_to={TODAY - timedelta(days=31)}") == {old.id}
    page = text(as_owner.get(bucket))
    assert 'name="due_from"' in page and 'name="due_to"' in page and "Due from" in page
    assert 'href="/invoices?status=unpaid"' in page  # the chip's × keeps the rest
    assert shown(f"/invoices?status=all_issued&from={TODAY - timedelta(days=50)}&to={TODAY}") == {
        old.id, recent.id, paid.id}
