"""Payments over HTTP: the list, recording (in full and in two taps), one payment per key, the page, voiding."""
import json
import re
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shopledger.models import Membership, Payment, PaymentAllocation, PaymentMethod, Role
from shopledger.services import clock, customers, invoices, ledger, payments
from shopledger.services.invoices import LineDraft
from shopledger.services.money import format_money

HX = {"HX-Request": "true"}
NOW = datetime(2026, 11, 21, 8, 0, tzinfo=timezone.utc)  # 13:00 in Karachi
TODAY = date(2026, 11, 21)
CSRF = re.compile(r'name="csrf_token" type="hidden" value="[^"]+"')
KEY = re.compile(r'name="idempotency_key" type="hidden" value="([^"]+)"')


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def team(make_team):
    return make_team("Noor Tailors")


@pytest.fixture
def ali(db, team):
    made = customers.create_customer(team.shop, by=team.owner, name="Ali Raza")
    db.session.commit()
    return made


def issued(db, team, customer, amount_minor, *, on=TODAY):
    invoice = invoices.create_draft(team.shop, customer, by=team.owner, issue_date=on,
                                    lines=[LineDraft("Stitching", Decimal(1), amount_minor)])
    invoices.issue(team.shop, invoice, by=team.owner)
    db.session.commit()
    return invoice


def pay(db, team, customer, amount_minor, **options):
    payment, _created = payments.record(team.shop, customer, by=team.staff, amount_minor=amount_minor,
                                        received_on=options.pop("on", TODAY),
                                        method=options.pop("method", PaymentMethod.CASH), **options)
    db.session.commit()
    return payment


@pytest.fixture
def as_role(client, team, login):
    def log_in_as(role: Role):
        login(client, team.member(role).email)
        return client

    return log_in_as


@pytest.fixture
def as_owner(as_role):
    return as_role(Role.OWNER)


def rs(minor: int) -> str:
    """An amount as the pages write it for the shop (a Pakistani shop, in English)."""
    return format_money(minor, "PKR", territory="PK", locale="en")


def text(response) -> str:
    return response.get_data(as_text=True)


def key_in(body: str) -> str:
    found = KEY.search(body)
    assert found, "no idempotency key on the form"
    return found.group(1)


def same_but_keys(one: str, other: str) -> bool:
    """Two answers alike once the fresh form's idempotency key and the (timestamped) CSRF token are set aside."""
    def masked(body):
        return CSRF.sub("csrf", KEY.sub("key", body))

    return masked(one) == masked(other)


def all_payments(db) -> list[Payment]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Payment).order_by(Payment.id)))


def paid(db, *invoices_) -> list[int]:
    db.session.expire_all()
    amounts = invoices.paid_amounts([invoice.id for invoice in invoices_])
    return [amounts.get(invoice.id, 0) for invoice in invoices_]


def form(customer, **values) -> dict:
    return {"customer_id": str(customer.id), "fixed_customer": "1", "amount": "", "received_on": TODAY.isoformat(),
            "method": "cash", "reference": "", "note": "", "allocate": "auto", "idempotency_key": "tap-1", **values}


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


# The form


def test_the_form_lists_open_invoices_with_what_is_due_and_shows_the_credit(as_owner, db, team, ali):
    old = issued(db, team, ali, 1000_00, on=TODAY - timedelta(days=10))
    new = issued(db, team, ali, 500_00)
    pay(db, team, ali, 300_00, allocations=[])  # set against nothing: credit
    page = as_owner.get(f"/payments/new?customer_id={ali.id}")
    body = text(page)
    assert page.status_code == 200 and "<html" in body and 'id="payment-form"' in body
    assert body.index(old.number) < body.index(new.number)  # oldest first
    assert f'name="alloc-{old.id}"' in body and f'name="alloc-{new.id}"' in body
    assert rs(1000_00) in body and rs(500_00) in body
    assert f'Credit now: <bdi class="num">{rs(300_00)}</bdi>' in body
    assert f'href="/invoices/{old.id}"' in body
    assert '<input checked id="allocate-0" name="allocate" type="radio" value="auto">' in body  # oldest first
    assert f'value="{TODAY.isoformat()}"' in body  # the shop's today
    assert 'data-dictate="note"' in body
    assert len(key_in(body)) >= 32
    fragment = as_owner.get(f"/payments/new?customer_id={ali.id}", headers=HX)
    assert text(fragment).lstrip().startswith('<form id="payment-form"') and "<html" not in text(fragment)
    assert "HX-Request" in fragment.headers["Vary"]
    assert key_in(text(fragment)) != key_in(body)  # every drawing of the form has its own key


def test_without_a_customer_the_form_asks_who_paid_and_refetches_on_choosing(as_owner, db, team, ali):
    body = text(as_owner.get("/payments/new"))
    assert '<select' in body and f'<option value="{ali.id}">Ali Raza</option>' in body
    assert 'hx-get="/payments/new?choose_customer=1"' in body
    chosen = as_owner.get(f"/payments/new?choose_customer=1&customer_id={ali.id}&amount=700", headers=HX)
    assert f'<option selected value="{ali.id}">Ali Raza</option>' in text(chosen)
    assert 'value="700"' in text(chosen)


def test_an_invoice_in_the_address_is_chosen_for_what_is_due_on_it(as_owner, db, team, ali):
    issued(db, team, ali, 1000_00, on=TODAY - timedelta(days=3))
    second = issued(db, team, ali, 800_00)
    pay(db, team, ali, 300_00, allocations=[(second, 300_00)])
    body = text(as_owner.get(f"/payments/new?invoice_id={second.id}"))
    assert '<input checked id="allocate-1" name="allocate" type="radio" value="choose">' in body
    assert f'name="alloc-{second.id}" value="500"' in body
    assert re.search(r'id="amount"[^>]*value="500"|value="500"[^>]*id="amount"', body)
    assert "Ali Raza" in body


def test_the_preview_says_where_the_money_goes_and_what_is_kept_as_credit(as_owner, db, team, ali):
    old = issued(db, team, ali, 1000_00, on=TODAY - timedelta(days=10))
    issued(db, team, ali, 500_00)
    preview = text(as_owner.get(f"/payments/new?customer_id={ali.id}&amount=1800&allocate=auto", headers=HX))
    assert f'<strong><bdi class="num">{rs(300_00)}</bdi> will be kept as credit.</strong>' in preview
    chosen = text(as_owner.get(f"/payments/new?customer_id={ali.id}&amount=600&allocate=choose&alloc-{old.id}=400",
                               headers=HX))
    assert f"{rs(200_00)}</bdi> will be kept as credit" in chosen
    over = text(as_owner.get(f"/payments/new?customer_id={ali.id}&amount=100&allocate=choose&alloc-{old.id}=400",
                             headers=HX))
    assert "more than was paid" in over


# Recording


def test_a_payment_goes_to_the_oldest_invoices_first_and_the_rest_is_credit(as_owner, db, team, ali):
    old = issued(db, team, ali, 1000_00, on=TODAY - timedelta(days=10))
    new = issued(db, team, ali, 500_00)
    response = as_owner.post("/payments", data=form(ali, amount="1,800"))
    [payment] = all_payments(db)
    assert response.status_code == 303 and response.headers["Location"] == f"/payments/{payment.id}"
    assert paid(db, old, new) == [1000_00, 500_00]
    assert payment.amount_minor == 1800_00 and payment.recorded_by_id == team.owner.id
    page = text(as_owner.get(response.headers["Location"]))
    assert f"{rs(1800_00)} received from \u2068Ali Raza\u2069. {rs(300_00)} will be kept as credit." in page  # toast
    assert f'<bdi class="num">{rs(300_00)}</bdi> is kept as credit.' in page


def test_a_payment_can_be_set_against_chosen_invoices_in_part(as_owner, db, team, ali):
    old = issued(db, team, ali, 1000_00, on=TODAY - timedelta(days=10))
    new = issued(db, team, ali, 500_00)
    response = as_owner.post("/payments", headers=HX, data=form(
        ali, amount="600", allocate="choose", method="mobile_wallet", reference="JC-99812",
        **{f"alloc-{old.id}": "", f"alloc-{new.id}": "450"}))
    [payment] = all_payments(db)
    assert response.status_code == 204 and response.headers["HX-Redirect"] == f"/payments/{payment.id}"
    assert paid(db, old, new) == [0, 450_00]
    assert payment.method == PaymentMethod.MOBILE_WALLET and payment.reference == "JC-99812"
    assert payments.unallocated_minor(payment) == 150_00


def test_an_advance_with_no_open_invoices_is_all_credit_and_used_by_the_next_invoice(as_owner, db, team, ali):
    body = text(as_owner.get(f"/payments/new?customer_id={ali.id}"))
    assert "has no invoices waiting to be paid" in body and 'name="allocate" value="auto"' in body
    as_owner.post("/payments", data=form(ali, amount="2000", note="Advance for the wedding suit"))
    assert payments.credit_minor(team.shop, ali) == 2000_00
    later = issued(db, team, ali, 1500_00)
    assert paid(db, later) == [1500_00]
    assert ledger.balance(team.shop, ali) == -500_00


@pytest.mark.parametrize("amount, message", [
    ("abc", "Enter the amount as a number, like 1500."),
    ("", "Enter the amount received."),
    ("0", "Enter an amount above zero."),
    ("12.345", "Enter the amount as a number, like 1500."),
])
def test_a_bad_amount_answers_422_with_the_form_and_what_was_typed(as_owner, db, team, ali, amount, message):
    issued(db, team, ali, 1000_00)
    response = as_owner.post("/payments", headers=HX, data=form(ali, amount=amount, reference="Cheque 4411",
                                                                note="Paid at the counter"))
    body = text(response)
    assert response.status_code == 422 and body.lstrip().startswith('<form id="payment-form"')
    assert message in body and 'aria-invalid="true"' in body
    assert 'value="Cheque 4411"' in body and "Paid at the counter" in body
    assert key_in(body) == "tap-1"  # the same form, the same key
    assert all_payments(db) == []


def test_more_than_is_due_on_an_invoice_is_refused_next_to_it(as_owner, db, team, ali):
    invoice = issued(db, team, ali, 500_00)
    response = as_owner.post("/payments", headers=HX, data=form(
        ali, amount="900", allocate="choose", **{f"alloc-{invoice.id}": "600"}))
    body = text(response)
    assert response.status_code == 422
    assert f'id="alloc-{invoice.id}-error">{invoice.number} has only {rs(500_00)} due.' in body
    assert f'name="alloc-{invoice.id}" value="600"' in body and 'value="900"' in body
    assert all_payments(db) == []


def test_amounts_against_invoices_adding_up_to_more_than_was_paid_are_refused(as_owner, db, team, ali):
    first, second = issued(db, team, ali, 500_00), issued(db, team, ali, 500_00)
    response = as_owner.post("/payments", data=form(
        ali, amount="700", allocate="choose", **{f"alloc-{first.id}": "500", f"alloc-{second.id}": "300"}))
    assert response.status_code == 422 and "<html" in text(response)
    assert "The amounts set against invoices add up to more than was paid." in text(response)
    assert all_payments(db) == []


def test_a_date_after_today_is_refused(as_owner, db, team, ali):
    response = as_owner.post("/payments", data=form(ali, amount="100",
                                                    received_on=(TODAY + timedelta(days=1)).isoformat()))
    assert response.status_code == 422 and "The date cannot be later than today." in text(response)


def test_an_invoice_paid_meanwhile_is_refused_and_the_form_shows_what_is_open_now(as_owner, db, team, ali):
    invoice = issued(db, team, ali, 500_00)
    pay(db, team, ali, 500_00)
    response = as_owner.post("/payments", data=form(ali, amount="500", allocate="choose",
                                                    idempotency_key="tap-2", **{f"alloc-{invoice.id}": "500"}))
    assert response.status_code == 422 and "no longer open" in text(response)
    assert len(all_payments(db)) == 1


# One payment per key


def test_the_same_key_posted_twice_records_one_payment_and_answers_the_same(as_owner, db, team, ali):
    invoice = issued(db, team, ali, 500_00)
    sent = form(ali, amount="500", allocate="choose", **{f"alloc-{invoice.id}": "500"})
    first = as_owner.post("/payments", data=dict(sent))
    again = as_owner.post("/payments", data=dict(sent))  # the invoice is paid now: the key is looked at first
    [payment] = all_payments(db)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"] == f"/payments/{payment.id}"
    hx_first = as_owner.post("/payments", headers=HX, data=form(ali, amount="50", idempotency_key="tap-2"))
    hx_again = as_owner.post("/payments", headers=HX, data=form(ali, amount="50", idempotency_key="tap-2"))
    assert hx_first.status_code == hx_again.status_code == 204
    assert hx_first.headers["HX-Redirect"] == hx_again.headers["HX-Redirect"]
    assert len(all_payments(db)) == 2 and ledger.balance(team.shop, ali) == -50_00


def test_a_request_racing_another_with_the_same_key_answers_with_the_payment_that_won(
        as_owner, db, team, ali, monkeypatch):
    winner = pay(db, team, ali, 500_00, idempotency_key="tap-1")
    looked = []

    def not_yet_there(shop, key):
        # The racing request looked before the winner committed; only its second look finds the payment.
        looked.append(key)
        if len(looked) <= 2:
            return None
        return db.session.scalar(sa.select(Payment).where(Payment.shop_id == shop.id,
                                                          Payment.idempotency_key == key))

    monkeypatch.setattr(payments, "find_by_key", not_yet_there)
    response = as_owner.post("/payments", data=form(ali, amount="500"))
    assert response.status_code == 303 and response.headers["Location"] == f"/payments/{winner.id}"
    assert [payment.id for payment in all_payments(db)] == [winner.id] and len(looked) == 3


# "Received Rs X" in two taps


def test_quick_received_answers_with_its_fragment_and_an_event(as_owner, db, team, ali):
    invoice = issued(db, team, ali, 1000_00)
    response = as_owner.post("/payments/quick", headers=HX,
                             data={"customer_id": ali.id, "amount": "1200", "idempotency_key": "quick-1"})
    [payment] = all_payments(db)
    body = text(response)
    assert response.status_code == 200 and body.lstrip().startswith('<section class="card quick-received"')
    assert payment.method == PaymentMethod.CASH and payment.received_on == TODAY
    assert paid(db, invoice) == [1000_00]
    assert json.loads(response.headers["HX-Trigger"])["payment-recorded"] == {
        "id": payment.id, "customer_id": ali.id, "amount_minor": 1200_00}
    assert f"{rs(200_00)} will be kept as credit." in body and f'href="/payments/{payment.id}"' in body
    assert key_in(body) != "quick-1"  # a fresh form for the next payment
    again = as_owner.post("/payments/quick", headers=HX,
                          data={"customer_id": ali.id, "amount": "1200", "idempotency_key": "quick-1"})
    assert len(all_payments(db)) == 1
    assert again.status_code == 200 and again.headers["HX-Trigger"] == response.headers["HX-Trigger"]
    assert same_but_keys(text(again), body)


def test_quick_received_without_htmx_goes_back_to_the_customer(as_owner, db, team, ali):
    response = as_owner.post("/payments/quick", data={"customer_id": ali.id, "amount": "500",
                                                      "method": "bank_transfer", "idempotency_key": "q"})
    assert response.status_code == 303 and response.headers["Location"] == f"/customers/{ali.id}"
    [payment] = all_payments(db)
    assert payment.method == PaymentMethod.BANK_TRANSFER


def test_quick_received_with_a_bad_amount_answers_422(as_owner, db, team, ali):
    response = as_owner.post("/payments/quick", headers=HX, data={"customer_id": ali.id, "amount": "five"})
    assert response.status_code == 422 and "HX-Trigger" not in response.headers
    assert "Enter the amount as a number" in text(response) and 'value="five"' in text(response)
    page = as_owner.post("/payments/quick", data={"customer_id": ali.id, "amount": "five", "method": "cheque"})
    assert page.status_code == 422 and 'id="payment-form"' in text(page) and 'value="five"' in text(page)
    assert all_payments(db) == []


def test_the_quick_form_on_the_customers_page_is_for_those_who_may_record(app, db, team, ali):
    from flask import g, render_template

    def membership(user):
        return db.session.scalar(sa.select(Membership).where(Membership.user_id == user.id))

    with app.test_request_context():
        g.shop, g.membership = team.shop, membership(team.staff)
        body = render_template("payments/_quick_received_form.html", customer=ali)
        assert 'action="/payments/quick"' in body and f'name="customer_id" value="{ali.id}"' in body
        assert '<option selected value="cash">Cash</option>' in body and 'id="received-amount"' in body
        assert len(key_in(body)) >= 32
        assert key_in(render_template("payments/_quick_received_form.html", customer=ali)) != key_in(body)
        g.membership = membership(team.viewer)
        assert render_template("payments/_quick_received_form.html", customer=ali).strip() == ""


# The payment's page, and voiding


def test_the_payment_page_says_who_paid_what_how_and_where_it_went(as_owner, db, team, ali):
    old = issued(db, team, ali, 1000_00, on=TODAY - timedelta(days=10))
    new = issued(db, team, ali, 500_00)
    payment = pay(db, team, ali, 1800_00, method=PaymentMethod.CHEQUE, reference="MCB 004512",
                  note="Brought by his son")
    page = as_owner.get(f"/payments/{payment.id}")
    body = text(page)
    assert page.status_code == 200 and "<html" in body
    for shown in ("Ali Raza", rs(1800_00), "Cheque", "MCB 004512", "Brought by his son", team.staff.name,
                  old.number, new.number, rs(1000_00), rs(500_00)):
        assert shown in body, shown
    assert f'href="/invoices/{old.id}"' in body and f'href="/invoices/{new.id}"' in body
    assert f'<bdi class="num">{rs(300_00)}</bdi> is kept as credit.' in body
    assert f'href="/customers/{ali.id}"' in body
    assert f'href="/payments/{payment.id}/receipt.pdf"' in body
    fragment = as_owner.get(f"/payments/{payment.id}", headers=HX)
    assert text(fragment).lstrip().startswith(f'<div id="payment-{payment.id}"')


def test_voiding_undoes_the_allocations_and_the_invoice_is_due_again(as_role, db, team, ali):
    invoice = issued(db, team, ali, 500_00)
    payment = pay(db, team, ali, 500_00)
    manager = as_role(Role.MANAGER)
    page = text(manager.get(f"/payments/{payment.id}"))
    assert "Void this payment" in page and f'hx-confirm="Void this payment of {rs(500_00)}?' in page
    response = manager.post(f"/payments/{payment.id}/void", headers=HX, data={"reason": "Cheque bounced"})
    body = text(response)
    assert response.status_code == 200 and body.lstrip().startswith(f'<div id="payment-{payment.id}"')
    assert json.loads(response.headers["HX-Trigger"])["payment-voided"] == {"id": payment.id, "customer_id": ali.id}
    assert paid(db, invoice) == [0] and ledger.balance(team.shop, ali) == 500_00
    db.session.expire_all()
    assert db.session.get(Payment, payment.id) is not None  # kept, voided
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PaymentAllocation)) == 1
    assert "Cheque bounced" in body and team.manager.name in body and ">Void<" in body
    assert f'<s><bdi class="num">{rs(500_00)}</bdi></s>' in body  # the allocation, struck through
    assert "Void this payment" not in body and "Receipt" not in body
    assert f'name="alloc-{invoice.id}"' in text(manager.get(f"/payments/new?customer_id={ali.id}"))


def test_voiding_needs_a_reason_and_happens_once(as_role, db, team, ali):
    payment = pay(db, team, ali, 500_00)
    owner = as_role(Role.OWNER)
    response = owner.post(f"/payments/{payment.id}/void", headers=HX, data={"reason": "   "})
    assert response.status_code == 422 and "Say why the payment is voided, for the record." in text(response)
    assert "<details class=\"void-payment\" open>" in text(response)
    assert all_payments(db)[0].voided_at is None
    assert owner.post(f"/payments/{payment.id}/void", data={"reason": "Entered twice"}).status_code == 303
    again = owner.post(f"/payments/{payment.id}/void", headers=HX, data={"reason": "Again"})
    assert again.status_code == 422 and "This payment is already void." in text(again)
    assert all_payments(db)[0].void_reason == "Entered twice"


def test_staff_may_record_but_not_void(as_role, db, team, ali):
    payment = pay(db, team, ali, 500_00)
    staff = as_role(Role.STAFF)
    assert "Void this payment" not in text(staff.get(f"/payments/{payment.id}"))
    assert staff.post(f"/payments/{payment.id}/void", data={"reason": "mine"}).status_code == 403
    assert staff.post("/payments", data=form(ali, amount="10", idempotency_key="staff-1")).status_code == 303
    assert all_payments(db)[0].voided_at is None


def test_a_viewer_sees_no_buttons_and_every_post_is_refused(as_role, db, team, ali):
    payment = pay(db, team, ali, 500_00)
    viewer = as_role(Role.VIEWER)
    listing, page = text(viewer.get("/payments")), text(viewer.get(f"/payments/{payment.id}"))
    assert "Record a payment" not in listing and "/payments/new" not in listing
    assert "Void this payment" not in page and "<form" not in page.split('<main', 1)[1].split("</main>")[0]
    assert viewer.get(f"/payments/new?customer_id={ali.id}").status_code == 403
    for path, data in (("/payments", form(ali, amount="10")), ("/payments/quick", {"customer_id": ali.id,
                                                                                    "amount": "10"}),
                       (f"/payments/{payment.id}/void", {"reason": "no"})):
        assert viewer.post(path, data=data).status_code == 403, path
        assert viewer.post(path, data=data, headers=HX).status_code == 403, path
    assert len(all_payments(db)) == 1 and all_payments(db)[0].voided_at is None


def test_another_shops_ids_answer_404_in_the_address_the_form_and_the_query(as_owner, db, team, ali, make_team):
    other = make_team("Beta Repairs")
    theirs = customers.create_customer(other.shop, by=other.owner, name="Theirs")
    db.session.commit()
    their_invoice = invoices.create_draft(other.shop, theirs, by=other.owner, issue_date=TODAY,
                                          lines=[LineDraft("x", Decimal(1), 100_00)])
    invoices.issue(other.shop, their_invoice, by=other.owner)
    their_payment, _ = payments.record(other.shop, theirs, by=other.owner, amount_minor=50_00, received_on=TODAY,
                                       method=PaymentMethod.CASH)
    db.session.commit()
    mine = issued(db, team, ali, 100_00)
    assert as_owner.get(f"/payments/{their_payment.id}").status_code == 404
    assert as_owner.post(f"/payments/{their_payment.id}/void", data={"reason": "x"}).status_code == 404
    assert as_owner.get(f"/payments/new?customer_id={theirs.id}").status_code == 404
    assert as_owner.get(f"/payments/new?invoice_id={their_invoice.id}").status_code == 404
    assert as_owner.get(f"/payments?customer_id={theirs.id}").status_code == 404
    assert as_owner.post("/payments", data=form(theirs, amount="10")).status_code == 404
    assert as_owner.post("/payments", data=form(ali, amount="10", allocate="choose", **{
        f"alloc-{mine.id}": "5", f"alloc-{their_invoice.id}": "5"})).status_code == 404
    assert as_owner.post("/payments/quick", data={"customer_id": theirs.id, "amount": "10"}).status_code == 404
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1  # theirs only
    assert payments.list_payments(other.shop)[0][0].voided_at is None


# The list


def test_the_list_is_a_page_and_its_fragment_is_the_results(as_owner, db, team, ali):
    pay(db, team, ali, 700_00)
    page = as_owner.get("/payments")
    fragment = as_owner.get("/payments", headers=HX)
    boosted = as_owner.get("/payments", headers={**HX, "HX-Boosted": "true"})
    for response in (page, fragment, boosted):
        assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert text(page).startswith("<!doctype html>") and 'id="payments-results"' in text(page)
    assert text(boosted).startswith("<!doctype html>")
    assert text(fragment).lstrip().startswith('<div id="payments-results"') and "<html" not in text(fragment)
    assert "Ali Raza" in text(fragment) and rs(700_00) in text(fragment)


def test_the_list_is_newest_first_and_filters_by_customer_method_and_dates_in_the_url(as_owner, db, team, ali):
    sana = customers.create_customer(team.shop, by=team.owner, name="Sana Malik")
    db.session.commit()
    pay(db, team, ali, 100_00, on=TODAY - timedelta(days=20))
    pay(db, team, sana, 200_00, on=TODAY - timedelta(days=5), method=PaymentMethod.MOBILE_WALLET)
    pay(db, team, ali, 300_00, on=TODAY - timedelta(days=1), method=PaymentMethod.MOBILE_WALLET)

    def amounts(body):
        return [int(amount) for amount in re.findall(r'<bdi class="num">Rs\xa0(\d+)</bdi>\s*</span>', body)]

    everything = text(as_owner.get("/payments", headers=HX))
    assert amounts(everything) == [300, 200, 100]
    assert "3 payments" in everything and f'Received: <bdi class="num">{rs(600_00)}</bdi>' in everything
    by_method = as_owner.get("/payments?customer_id=&method=mobile_wallet&date_from=&date_to=", headers=HX)
    assert amounts(text(by_method)) == [300, 200]
    assert by_method.headers["HX-Push-Url"] == "/payments?method=mobile_wallet"
    by_customer = text(as_owner.get(f"/payments?customer_id={ali.id}"))
    assert amounts(by_customer) == [300, 100]
    assert f'<option value="{ali.id}" selected>Ali Raza</option>' in by_customer
    in_range = as_owner.get(f"/payments?date_from={(TODAY - timedelta(days=10)).isoformat()}"
                            f"&date_to={(TODAY - timedelta(days=2)).isoformat()}", headers=HX)
    assert amounts(text(in_range)) == [200] and f'Received: <bdi class="num">{rs(200_00)}</bdi>' in text(in_range)
    assert "No payments match." in text(as_owner.get("/payments?method=cheque", headers=HX))
    assert amounts(text(as_owner.get("/payments?method=nonsense&date_from=not-a-date", headers=HX))) == [300, 200, 100]


def test_the_list_pages_and_totals_everything_selected_leaving_out_voided_payments(as_owner, db, team, ali):
    for number in range(27):
        pay(db, team, ali, 100_00, on=TODAY - timedelta(days=number))
    voided = pay(db, team, ali, 1000_00, on=TODAY - timedelta(days=30))
    payments.void(team.shop, voided, by=team.owner, reason="mistake")
    db.session.commit()
    first = text(as_owner.get("/payments"))
    assert first.count('class="list-link"') == 25 and 'rel="next"' in first and 'rel="prev"' not in first
    assert "28 payments" in first and rs(2700_00) in first
    second = as_owner.get("/payments?page=2", headers=HX)
    assert text(second).count('class="list-link"') == 3 and 'rel="prev"' in text(second)
    assert second.headers["HX-Push-Url"] == "/payments?page=2"
    assert f'<s><bdi class="num">{rs(1000_00)}</bdi></s>' in text(second) and ">Void<" in text(second)
    assert "There are no more payments." in text(as_owner.get("/payments?page=9"))


def test_the_list_costs_a_few_statements_whatever_the_number_of_rows(as_owner, db, team, ali):
    pay(db, team, ali, 100_00)
    with counted_statements(db) as few:
        assert as_owner.get("/payments").status_code == 200
    others = [customers.create_customer(team.shop, by=team.owner, name=f"Customer {n}") for n in range(12)]
    db.session.commit()
    for number in range(40):
        pay(db, team, others[number % 12], 100_00 + number, on=TODAY - timedelta(days=number % 9))
    filtered = f"/payments?customer_id={others[0].id}&method=cash"
    with counted_statements(db) as many:
        response = as_owner.get(filtered)
    assert response.status_code == 200
    assert len(many) == len(few) and len(many) <= 6, "\n\n".join(many)
    with counted_statements(db) as fragment:
        as_owner.get("/payments?page=2", headers=HX)
    assert len(fragment) <= 6, fragment
