"""The khata over HTTP: the balance and running ledger on a customer's page, balances in the list, who owes
what, and the statement of account; each shop only its own, in a handful of queries."""
import re
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shopledger.models import PaymentMethod
from shopledger.services import clock, customers, invoices, payments
from shopledger.services.invoices import LineDraft
from shopledger.services.money import format_money

HX = {"HX-Request": "true"}
BOOSTED = {"HX-Request": "true", "HX-Boosted": "true"}
NOW = datetime(2026, 11, 21, 8, 0, tzinfo=timezone.utc)  # 13:00 in Karachi
TODAY = date(2026, 11, 21)


def rs(minor: int) -> str:
    """An amount as the pages write it for an English reader in a Pakistani shop."""
    return " ".join(format_money(minor, "PKR", territory="PK", locale="en").split())


def text(response) -> str:
    return response.get_data(as_text=True)


def kinds_in(html: str) -> list[str]:
    """The kinds of the ledger's entries, in order, leaving out the opening and closing lines."""
    return [kind for kind in re.findall(r'<li class="entry entry-(\w+)">', html) if kind != "total"]


def squeeze(html: str) -> str:
    """The page's words without tags or runs of spaces, to read sentences the way a person sees them."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@contextmanager
def counted_statements(db):
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def team(make_team):
    return make_team("Noor Tailors")


@pytest.fixture
def owner_client(client, team, login):
    login(client, team.owner.email)
    return client


@pytest.fixture
def add(db, team):
    def add(name: str, *, shop=None, by=None) -> object:
        customer = customers.create_customer(shop or team.shop, by=by or team.owner, name=name)
        db.session.commit()
        return customer

    return add


@pytest.fixture
def sell(db, team):
    """Issue an invoice of one line for the amount, on the day given (today by default)."""

    def sell(customer, amount: int, *, on: date = TODAY, by=None, shop=None, **options):
        shop = shop or team.shop
        by = by or team.staff
        invoice = invoices.create_draft(shop, customer, by=by, issue_date=on,
                                        lines=[LineDraft("Stitching", Decimal(1), amount)], **options)
        invoices.issue(shop, invoice, by=by)
        db.session.commit()
        return invoice

    return sell


@pytest.fixture
def receive(db, team):
    def receive(customer, amount: int, *, on: date = TODAY, by=None, shop=None, method=PaymentMethod.CASH,
                reference: str = ""):
        payment, _created = payments.record(shop or team.shop, customer, by=by or team.manager, amount_minor=amount,
                                            received_on=on, method=method, reference=reference)
        db.session.commit()
        return payment

    return receive


# --- the customer's page -----------------------------------------------------------------------------------


def test_the_customer_page_says_what_they_owe_and_runs_one_balance_with_who_recorded_each_entry(
        owner_client, team, add, sell, receive):
    ali = add("Ali Raza")
    first = sell(ali, 1000_00, on=TODAY - timedelta(days=20))
    payment = receive(ali, 400_00, on=TODAY - timedelta(days=10), reference="Slip 77")
    second = sell(ali, 300_00, on=TODAY - timedelta(days=2))
    page = text(owner_client.get(f"/customers/{ali.id}"))
    balance = re.search(r'<div class="balance owes" id="balance-%d">.*?</div>' % ali.id, page, re.S).group(0)
    assert squeeze(balance).startswith(f"Owes {rs(900_00)}")
    ledger = re.search(r'<ol class="entries".*?</ol>', page, re.S).group(0)
    rows = re.findall(r'<li class="entry entry-(\w+)">(.*?)</li>', ledger, re.S)
    assert [kind for kind, _row in rows] == ["invoice", "payment", "invoice"]  # date order
    (_, sold), (_, paid), (_, later) = rows
    assert f'href="/invoices/{first.id}"' in sold and first.number in sold and team.staff.name in sold
    assert f"Balance {rs(1000_00)}" in squeeze(sold)
    assert f'href="/payments/{payment.id}"' in paid and team.manager.name in paid
    assert "Cash" in paid and "Slip 77" in paid and f"Balance {rs(600_00)}" in squeeze(paid)
    assert f'href="/invoices/{second.id}"' in later and f"Balance {rs(900_00)}" in squeeze(later)


def test_credit_is_said_as_credit_and_nothing_owed_as_settled(owner_client, add, sell, receive):
    sana = add("Sana Malik")
    sell(sana, 400_00)
    receive(sana, 1000_00)
    page = squeeze(text(owner_client.get(f"/customers/{sana.id}")))
    assert f"Has {rs(600_00)} credit" in page and f"Credit {rs(600_00)}" in page
    usman = add("Usman Tariq")
    page = text(owner_client.get(f"/customers/{usman.id}"))
    assert 'class="balance settled"' in page and "Settled" in page and "No invoices or payments yet." in page


def test_voids_stay_in_the_khata_with_their_reasons(owner_client, team, add, sell, receive):
    ali = add("Ali Raza")
    invoice = sell(ali, 500_00)
    payment = receive(ali, 200_00)
    payments.void(team.shop, payment, by=team.manager, reason="Cheque bounced")
    invoices.void(team.shop, invoice, by=team.owner, reason="Wrong customer")
    from shopledger.extensions import db

    db.session.commit()
    page = text(owner_client.get(f"/customers/{ali.id}"))
    kinds = re.findall(r'<li class="entry entry-(\w+)">', page)
    assert sorted(kinds) == ["invoice", "invoice_void", "payment", "payment_void"]
    assert "Cheque bounced" in page and "Wrong customer" in page
    assert 'class="balance settled"' in page


def test_the_page_offers_both_quick_actions_and_the_full_forms_and_the_statement(owner_client, add):
    ali = add("Ali Raza")
    page = text(owner_client.get(f"/customers/{ali.id}"))
    assert 'action="/payments/quick"' in page and 'name="customer_id" value="%d"' % ali.id in page
    assert 'action="/invoices/credit-sale"' in page and 'name="customer_id" value="%d"' % ali.id in page
    assert f'href="/invoices/new?customer_id={ali.id}"' in page
    assert f'href="/payments/new?customer_id={ali.id}"' in page
    assert f'href="/customers/{ali.id}/statement"' in page


def test_the_balance_and_the_khata_redraw_themselves_when_a_sale_or_payment_is_recorded(owner_client, add):
    ali = add("Ali Raza")
    page = text(owner_client.get(f"/customers/{ali.id}"))
    ledger = re.search(r'<section class="card ledger" id="ledger-%d"[^>]*>' % ali.id, page).group(0)
    assert f'hx-get="/customers/{ali.id}/ledger"' in ledger
    assert 'hx-trigger="invoice-changed from:body, payment-recorded from:body"' in ledger
    assert 'hx-swap="outerHTML"' in ledger


def test_the_ledger_fragment_answers_the_entries_with_the_balance_out_of_band(owner_client, add, sell, receive):
    ali = add("Ali Raza")
    sell(ali, 700_00)
    receive(ali, 200_00)
    response = owner_client.get(f"/customers/{ali.id}/ledger", headers=HX)
    fragment = text(response)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert fragment.lstrip().startswith(f'<section class="card ledger" id="ledger-{ali.id}"')
    assert "<html" not in fragment and fragment.count('<li class="entry ') == 2
    oob = re.search(r'<div class="balance owes" id="balance-%d" hx-swap-oob="true">.*?</div>' % ali.id, fragment, re.S)
    assert oob and f"Owes {rs(500_00)}" in squeeze(oob.group(0))
    plain = owner_client.get(f"/customers/{ali.id}/ledger")
    assert plain.status_code == 303 and plain.headers["Location"] == f"/customers/{ali.id}#account"


def test_after_a_quick_payment_the_fragment_shows_it(owner_client, add, sell):
    ali = add("Ali Raza")
    sell(ali, 700_00)
    page = text(owner_client.get(f"/customers/{ali.id}"))
    key = re.search(r'name="idempotency_key"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="idempotency_key"', page)
    response = owner_client.post("/payments/quick", headers=HX, data={
        "customer_id": ali.id, "amount": "250", "method": "cash",
        "idempotency_key": (key.group(1) or key.group(2)) if key else "",
    })
    assert response.status_code == 200 and "payment-recorded" in response.headers["HX-Trigger"]
    fragment = squeeze(text(owner_client.get(f"/customers/{ali.id}/ledger", headers=HX)))
    assert f"Owes {rs(450_00)}" in fragment and f"Balance {rs(450_00)}" in fragment


def test_after_a_quick_credit_sale_the_fragment_shows_its_invoice(owner_client, add):
    ali = add("Ali Raza")
    response = owner_client.post("/invoices/credit-sale", headers=HX, data={
        "customer_id": ali.id, "amount": "1500", "note": "Cloth, 3 metres"})
    assert response.status_code == 200 and "invoice-changed" in response.headers["HX-Trigger"]
    fragment = text(owner_client.get(f"/customers/{ali.id}/ledger", headers=HX))
    assert kinds_in(fragment) == ["invoice"] and "INV-2026-0001" in fragment
    assert f"Owes {rs(1500_00)}" in squeeze(fragment)


def test_a_long_khata_shows_the_latest_entries_and_brings_the_rest_forward(owner_client, add, sell):
    ali = add("Ali Raza")
    for day in range(25):
        sell(ali, 100_00, on=TODAY - timedelta(days=40 - day))
    page = text(owner_client.get(f"/customers/{ali.id}"))
    ledger = re.search(r'<ol class="entries".*?</ol>', page, re.S).group(0)
    assert ledger.count('<li class="entry entry-invoice">') == 20
    assert squeeze(ledger).startswith(f"Brought forward Owes {rs(500_00)}")
    first_day = (TODAY - timedelta(days=40)).isoformat()
    assert f'href="/customers/{ali.id}/statement?from={first_day}"' in page


def test_a_viewer_sees_the_balance_and_khata_but_no_way_to_record(client, team, login, add, sell):
    ali = add("Ali Raza")
    sell(ali, 700_00)
    login(client, team.viewer.email)
    page = text(client.get(f"/customers/{ali.id}"))
    assert f"Owes {rs(700_00)}" in squeeze(page) and 'class="entry entry-invoice"' in page
    for absent in ("/payments/quick", "/payments/new", "/invoices/new"):
        assert absent not in page
    assert client.get(f"/customers/{ali.id}/ledger", headers=HX).status_code == 200


def test_the_customer_page_costs_the_same_few_queries_for_a_long_khata(owner_client, db, add, sell, receive):
    ali = add("Ali Raza")
    sell(ali, 100_00)
    receive(ali, 50_00)
    with counted_statements(db) as few:
        assert owner_client.get(f"/customers/{ali.id}").status_code == 200
    for day in range(15):
        sell(ali, 100_00, on=TODAY - timedelta(days=day))
        receive(ali, 30_00, on=TODAY - timedelta(days=day))
    with counted_statements(db) as many:
        assert owner_client.get(f"/customers/{ali.id}").status_code == 200
    assert len(many) == len(few), many
    with counted_statements(db) as fragment:
        owner_client.get(f"/customers/{ali.id}/ledger", headers=HX)
    assert len(fragment) <= 8, fragment


# --- the customers list ------------------------------------------------------------------------------------


def test_each_row_of_the_list_says_what_the_customer_owes_or_holds_as_credit(owner_client, add, sell, receive):
    owing, ahead = add("Ali Owes"), add("Bina Ahead")
    add("Chand Square")
    sell(owing, 1200_00)
    receive(owing, 200_00)
    sell(ahead, 100_00)
    receive(ahead, 600_00)
    page = text(owner_client.get("/customers"))
    rows = {re.search(r'dir="auto">([^<]+)</strong>', row).group(1): squeeze(row)
            for row in re.findall(r'<a class="list-link".*?</a>', page, re.S)}
    assert rows["Ali Owes"].endswith(f"Owes {rs(1000_00)}")
    assert rows["Bina Ahead"].endswith(f"Has {rs(500_00)} credit")
    assert rows["Chand Square"].endswith("Settled")
    assert '<span class="row-balance credit">' in page and '<span class="row-balance owes">' in page
    assert 'href="/customers/owing"' in page


def test_the_list_with_balances_stays_within_its_query_budget(owner_client, db, add, sell, receive):
    for number in range(2):
        customer = add(f"First {number}")
        sell(customer, 100_00)
    with counted_statements(db) as few:
        assert owner_client.get("/customers").status_code == 200
    for number in range(40):
        customer = add(f"Customer {number}")
        sell(customer, 100_00 + number)
        receive(customer, 50_00)
    with counted_statements(db) as many:
        response = owner_client.get("/customers")
    assert text(response).count('class="row-balance ') == 25
    assert len(many) == len(few) and len(many) <= 8, many  # the list's six, and two for every balance on it


# --- who owes what -----------------------------------------------------------------------------------------


@pytest.fixture
def debts(add, sell, receive):
    """Big owes most, lately; Old owes less, for longer; Paid Up and Credit Holder owe nothing."""
    big, old, paid, ahead = add("Big Debt"), add("Old Debt"), add("Paid Up"), add("Credit Holder")
    sell(big, 9000_00, on=TODAY - timedelta(days=3))
    sell(old, 500_00, on=TODAY - timedelta(days=45))
    sell(old, 250_00, on=TODAY - timedelta(days=5))
    receive(old, 100_00, on=TODAY - timedelta(days=40))
    sell(paid, 300_00)
    receive(paid, 300_00)
    receive(ahead, 800_00)
    return big, old


def test_who_owes_what_lists_only_debtors_largest_first_with_the_total(owner_client, debts):
    big, old = debts
    response = owner_client.get("/customers/owing")
    page = text(response)
    assert response.status_code == 200 and page.startswith("<!doctype html>")
    assert f"Customers owe you {rs(9650_00)}" in squeeze(page)
    assert "2 customers have not paid in full." in page
    names = re.findall(r'<strong class="customer-name" dir="auto">([^<]+)</strong>', page)
    assert names == ["Big Debt", "Old Debt"]
    assert f'href="/customers/{big.id}"' in page and f'href="/customers/{old.id}"' in page
    assert f"Owes {rs(9000_00)}" in squeeze(page) and f"Owes {rs(650_00)}" in squeeze(page)
    assert "Paid Up" not in page and "Credit Holder" not in page
    assert re.search(r'<a[^>]*aria-current="page"[^>]*>Largest first</a>', page)


def test_who_owes_what_sorted_by_age_puts_the_longest_waiting_first_with_days_overdue(owner_client, debts):
    response = owner_client.get("/customers/owing", query_string={"order": "age"}, headers=HX)
    fragment = text(response)
    assert response.status_code == 200 and fragment.lstrip().startswith('<div id="owing"')
    names = re.findall(r'<strong class="customer-name" dir="auto">([^<]+)</strong>', fragment)
    assert names == ["Old Debt", "Big Debt"]
    assert "45 days overdue" in fragment and "3 days overdue" in fragment
    assert re.search(r'<a[^>]*aria-current="page"[^>]*>Waiting longest</a>', fragment)
    toggle = re.search(r'<a href="/customers/owing"[^>]*>', fragment).group(0)
    assert 'hx-push-url="true"' in toggle and 'hx-target="#owing"' in toggle


def test_who_owes_what_is_linked_from_more_and_says_so_when_nobody_owes(owner_client, add):
    add("Nobody Owes")
    assert 'href="/customers/owing"' in text(owner_client.get("/more"))
    page = text(owner_client.get("/customers/owing"))
    assert "Nobody owes you anything." in page and "Nobody Owes" not in page


def test_who_owes_what_costs_the_same_for_many_debtors(owner_client, db, add, sell):
    sell(add("One"), 100_00)
    with counted_statements(db) as few:
        owner_client.get("/customers/owing")
    for number in range(30):
        sell(add(f"Debtor {number}"), 100_00 + number)
    with counted_statements(db) as many:
        page = text(owner_client.get("/customers/owing", query_string={"order": "age"}))
    assert page.count('<strong class="customer-name"') == 31
    assert len(many) == len(few) and len(many) <= 7, many


def test_another_shops_debtors_never_show(owner_client, db, make_team, add, sell):
    other = make_team("Beta Repairs")
    theirs = add("Secret Debtor", shop=other.shop, by=other.owner)
    sell(theirs, 5000_00, shop=other.shop, by=other.owner)
    mine = add("My Debtor")
    sell(mine, 100_00)
    page = text(owner_client.get("/customers/owing"))
    assert "Secret Debtor" not in page and "My Debtor" in page
    assert f"Customers owe you {rs(100_00)}" in squeeze(page)


# --- the statement of account ------------------------------------------------------------------------------


@pytest.fixture
def ali_account(add, sell, receive):
    ali = add("Ali Raza")
    sell(ali, 1000_00, on=date(2026, 10, 1))
    receive(ali, 400_00, on=date(2026, 10, 15))
    sell(ali, 300_00, on=date(2026, 11, 2))
    receive(ali, 100_00, on=date(2026, 11, 20))
    sell(ali, 50_00, on=date(2026, 12, 1))  # after the range: not in November's closing balance
    return ali


def test_the_statement_defaults_to_this_month_with_opening_and_closing_balances(owner_client, ali_account):
    response = owner_client.get(f"/customers/{ali_account.id}/statement")
    page = text(response)
    assert response.status_code == 200 and page.startswith("<!doctype html>")
    assert 'value="2026-11-01"' in page and 'value="2026-11-30"' in page
    words = squeeze(page)
    assert f"Opening balance Owes {rs(600_00)}" in words
    assert f"Closing balance Owes {rs(800_00)}" in words
    entries = re.search(r'<ol class="entries" role="list" id="statement-entries">.*?</ol>', page, re.S).group(0)
    assert kinds_in(entries) == ["invoice", "payment"]
    assert f"Balance {rs(900_00)}" in squeeze(entries) and f"Balance {rs(800_00)}" in squeeze(entries)
    pdf = re.search(r'<a class="button secondary block" hx-boost="false"\s+href="([^"]+)"', page).group(1)
    assert "from=2026-11-01" in pdf and "to=2026-11-30" in pdf and f"/{ali_account.id}/" in pdf


def test_the_statement_covers_the_dates_in_the_url(owner_client, ali_account):
    page = text(owner_client.get(f"/customers/{ali_account.id}/statement",
                                 query_string={"from": "2026-10-01", "to": "2026-10-31"}))
    words = squeeze(page)
    assert "Opening balance Settled" in words and f"Closing balance Owes {rs(600_00)}" in words
    entries = re.search(r'id="statement-entries">.*?</ol>', page, re.S).group(0)
    assert kinds_in(entries) == ["invoice", "payment"]
    pdf = re.search(r'<a class="button secondary block" hx-boost="false"\s+href="([^"]+)"', page).group(1)
    assert "from=2026-10-01" in pdf and "to=2026-10-31" in pdf and f"/{ali_account.id}/" in pdf


def test_the_statement_form_answers_its_fragment_to_htmx(owner_client, ali_account):
    response = owner_client.get(f"/customers/{ali_account.id}/statement", headers=HX,
                                query_string={"from": "2026-12-01", "to": "2026-12-31"})
    fragment = text(response)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert fragment.lstrip().startswith('<div id="statement"') and "<html" not in fragment
    assert f"Opening balance Owes {rs(800_00)}" in squeeze(fragment)
    boosted = owner_client.get(f"/customers/{ali_account.id}/statement", headers=BOOSTED)
    assert text(boosted).startswith("<!doctype html>")


@pytest.mark.parametrize("query, shown", [
    ({"from": "2026-09-10"}, ("2026-09-10", "2026-11-30")),  # from then to the end of this month
    ({"to": "2026-10-31"}, ("2026-10-01", "2026-10-31")),  # the month that ends there
    ({"from": "9999-12-01"}, ("9999-12-01", "9999-12-31")),
])
def test_a_statement_with_one_date_fills_in_the_other(owner_client, ali_account, query, shown):
    page = text(owner_client.get(f"/customers/{ali_account.id}/statement", query_string=query))
    assert f'value="{shown[0]}"' in page and f'value="{shown[1]}"' in page


@pytest.mark.parametrize("query, field", [
    ({"from": "2026-13-01"}, "from"),
    ({"from": "yesterday"}, "from"),
    ({"to": "2026-02-30"}, "to"),
    ({"from": "2026-11-30", "to": "2026-11-01"}, "to"),
])
def test_bad_dates_answer_422_with_the_message_by_the_field_and_what_was_typed(owner_client, ali_account, query,
                                                                               field):
    response = owner_client.get(f"/customers/{ali_account.id}/statement", query_string=query)
    page = text(response)
    assert response.status_code == 422
    error = re.search(r'<p class="error-text" id="%s-error">([^<]+)</p>' % field, page)
    assert error, page
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*id="%s"|<input[^>]*id="%s"[^>]*aria-invalid="true"'
                     % (field, field), page)
    assert f'value="{query[field]}"' in page
    assert 'id="statement-entries"' not in page


def test_a_statement_of_another_shops_customer_is_not_found(owner_client, make_team, add):
    other = make_team("Beta Repairs")
    theirs = add("Secret Client", shop=other.shop, by=other.owner)
    for path in (f"/customers/{theirs.id}/statement", f"/customers/{theirs.id}/ledger"):
        for headers in ({}, HX):
            response = owner_client.get(path, headers=headers)
            assert response.status_code == 404 and "Secret Client" not in text(response)
