"""Payments and notes taken with no connection: kept on the phone, shown as waiting, sent once when it returns.

Offline is the context's switch (navigator.onLine goes false, every request fails); "the answer was lost" is a
request that reached the server and whose answer the page never saw. The database says what was recorded.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from shopledger.models import Invoice, JobNote, Payment, Shop, User
from shopledger.services import customers as customer_service
from shopledger.services import invoices as invoice_service
from shopledger.services import jobs as job_service

from .conftest import Member, log_in
from .pwa_support import controlled, pending, wait_until


@dataclass(frozen=True)
class Account:
    customer_id: int
    invoice_id: int
    job_id: int


@pytest.fixture
def account(db, shop_owner: Member) -> Account:
    """Rashid Mehmood owes Rs 3,000 on one issued invoice, and has a job in the workshop."""
    owner = db.session.scalar(db.select(User).filter_by(email=shop_owner.email))
    shop = db.session.scalar(db.select(Shop).filter_by(name=shop_owner.shop_name))
    customer = customer_service.create_customer(shop, by=owner, name="Rashid Mehmood", phone="0300 7654321")
    invoice = invoice_service.create_draft(
        shop, customer, by=owner, issue_date=date.today(),
        lines=[invoice_service.LineDraft("Wedding sherwani", Decimal(1), 3000_00)])
    invoice_service.issue(shop, invoice, by=owner)
    job = job_service.create_job(shop, customer, by=owner, title="Wedding sherwani", quoted_minor=3000_00)
    db.session.commit()
    found = Account(customer_id=customer.id, invoice_id=invoice.id, job_id=job.id)
    db.session.close()
    return found


def payments_of(db, customer_id: int) -> list[Payment]:
    db.session.expire_all()
    found = list(db.session.scalars(sa.select(Payment).where(Payment.customer_id == customer_id)))
    db.session.close()
    return found


def notes_of(db, job_id: int) -> list[JobNote]:
    db.session.expire_all()
    found = list(db.session.scalars(sa.select(JobNote).where(JobNote.job_id == job_id)))
    db.session.close()
    return found


def apart(text: str) -> str:
    """Text set apart in a sentence of the other direction (first-strong isolate ... pop), as offline.js does."""
    return f"\u2068{text}\u2069"


def queue_empty(page) -> None:
    wait_until(page, "async () => (await window.ShopLedgerSync.entries()).length === 0",
               message="the phone's queue to empty")


def test_a_payment_received_offline_waits_on_the_phone_and_is_recorded_once_when_back_online(
    context, page, js_problems, shop_owner, account, db, screenshot
):
    log_in(page, shop_owner)
    page.goto(f"/customers/{account.customer_id}")
    controlled(page)

    context.set_offline(True)
    page.locator("#received-amount").fill("500")
    page.locator("#quick-received button[type='submit']").click()

    queue = page.locator("[data-queue]")
    expect(queue).to_be_visible()
    expect(queue.locator("[data-summary]")).to_have_text(f"Received {apart('Rs 500')} from {apart('Rashid Mehmood')}")
    expect(queue.locator("[data-state]")).to_have_text("Waiting to sync")
    expect(page.locator("#quick-received [data-offline-saved]")).to_have_text(
        f"Kept on this phone: Received {apart('Rs 500')} from {apart('Rashid Mehmood')}. "
        "It will be sent when the connection returns.")
    expect(page.locator("[data-connection]")).to_be_visible()
    # The form is ready for the next payment, under a new key.
    expect(page.locator("#received-amount")).to_have_value("")
    [entry] = pending(page)
    assert page.locator("#received-key").input_value() not in ("", entry["id"])
    assert payments_of(db, account.customer_id) == []
    screenshot("waiting-to-sync")

    context.set_offline(False)  # the browser's "online" event sends it
    expect(page.locator("#toasts")).to_contain_text(f"Sent: Received {apart('Rs 500')} from {apart('Rashid Mehmood')}")
    expect(queue).to_be_hidden()
    expect(page.locator("[data-connection]")).to_be_hidden()
    [payment] = payments_of(db, account.customer_id)
    assert (payment.amount_minor, payment.idempotency_key) == (500_00, entry["id"])
    screenshot("synced")

    # Sending it again, as a second tab or a retry would, records nothing more.
    again = page.evaluate("""async (entry) => {
      const session = await (await fetch("/pwa/session")).json();
      const body = new URLSearchParams(entry.fields);
      const response = await fetch(entry.action, { method: "POST", body,
        headers: { "X-CSRFToken": session.csrf_token, "HX-Request": "true" } });
      return response.status;
    }""", entry)
    assert again == 200
    assert len(payments_of(db, account.customer_id)) == 1
    assert js_problems.all() == []


def test_a_payment_whose_answer_was_lost_is_sent_again_and_still_recorded_once(
    context, page, shop_owner, account, db
):
    log_in(page, shop_owner)
    page.goto(f"/customers/{account.customer_id}")
    controlled(page)

    def reach_the_server_then_lose_the_answer(route):
        route.fetch()  # the server records the payment ...
        route.abort("internetdisconnected")  # ... and the phone never hears back

    page.route(re.compile(r"/payments/quick$"), reach_the_server_then_lose_the_answer, times=1)
    page.locator("#received-amount").fill("700")
    page.locator("#quick-received button[type='submit']").click()
    expect(page.locator("[data-queue] [data-summary]")).to_have_text(
        f"Received {apart('Rs 700')} from {apart('Rashid Mehmood')}")
    assert len(payments_of(db, account.customer_id)) == 1  # it did arrive

    page.evaluate("() => window.ShopLedgerSync.sync()")
    queue_empty(page)
    [payment] = payments_of(db, account.customer_id)
    assert payment.amount_minor == 700_00


def test_a_payment_against_an_invoice_voided_meanwhile_is_shown_as_not_sent_until_discarded(
    context, page, shop_owner, account, db, screenshot
):
    log_in(page, shop_owner)
    page.goto(f"/payments/new?invoice_id={account.invoice_id}")
    controlled(page)
    expect(page.locator(f"#alloc-{account.invoice_id}")).not_to_have_value("")

    context.set_offline(True)
    page.locator("#payment-form button[type='submit']").click()
    expect(page.locator("[data-queue] [data-state]")).to_have_text("Waiting to sync")

    # Meanwhile, at the counter, the manager voids the invoice.
    shop = db.session.scalar(db.select(Shop).filter_by(name=shop_owner.shop_name))
    owner = db.session.scalar(db.select(User).filter_by(email=shop_owner.email))
    invoice_service.void(shop, db.session.get(Invoice, account.invoice_id), by=owner, reason="Wrong customer")
    db.session.commit()
    db.session.close()

    context.set_offline(False)
    entry = page.locator("[data-queue] .sync-queue-entry")
    expect(entry.locator("[data-state]")).to_have_text("Not sent")
    expect(entry.locator("[data-problem]")).to_contain_text("An invoice you chose is no longer open.")
    expect(page.locator("#toasts .toast.error")).to_contain_text(
        f"Not sent: Received {apart('Rs 3000')} from {apart('Rashid Mehmood')}. The shop refused it. "
        "An invoice you chose is no longer open.")
    assert payments_of(db, account.customer_id) == []
    [kept] = pending(page)
    assert kept["state"] == "conflict"
    screenshot("conflict")

    # It stays, through reloads and later syncs, until the person decides.
    page.reload()
    page.evaluate("() => window.ShopLedgerSync.sync()")
    expect(entry.locator("[data-state]")).to_have_text("Not sent")
    page.once("dialog", lambda dialog: dialog.accept())
    entry.locator("[data-discard]").click()
    expect(page.locator("[data-queue]")).to_be_hidden()
    assert pending(page) == []
    assert payments_of(db, account.customer_id) == []


def test_a_payment_kept_when_the_session_ended_waits_for_the_login_and_is_then_sent(
    context, page, shop_owner, account, db
):
    log_in(page, shop_owner)
    page.goto(f"/customers/{account.customer_id}")
    controlled(page)
    context.set_offline(True)
    page.locator("#received-amount").fill("250")
    page.locator("#quick-received button[type='submit']").click()
    expect(page.locator("[data-queue] [data-state]")).to_have_text("Waiting to sync")

    context.clear_cookies()  # the session ended while the phone was offline
    context.set_offline(False)
    entry = page.locator("[data-queue] .sync-queue-entry")
    expect(entry.locator("[data-state]")).to_have_text("Waiting for you to log in")
    expect(entry.locator("[data-problem]")).to_have_text(
        "Your session has ended. Log in again and it will be sent.")
    assert payments_of(db, account.customer_id) == []

    log_in(page, shop_owner)
    queue_empty(page)
    [payment] = payments_of(db, account.customer_id)
    assert payment.amount_minor == 250_00


def test_a_job_note_written_offline_is_saved_once_when_back_online(context, page, shop_owner, account, db,
                                                                   screenshot):
    log_in(page, shop_owner)
    page.goto(f"/jobs/{account.job_id}")
    controlled(page)
    context.set_offline(True)
    page.locator("#job-note-body").fill("Customer called: collar one size up.")
    page.locator("#job-notes button[type='submit']").click()
    expect(page.locator("[data-queue] [data-summary]")).to_have_text(
        f"Note on {apart('Wedding sherwani')}: {apart('Customer called: collar one size up.')}")
    expect(page.locator("#job-note-body")).to_have_value("")
    assert notes_of(db, account.job_id) == []
    screenshot("note-waiting")

    context.set_offline(False)
    queue_empty(page)
    [note] = notes_of(db, account.job_id)
    assert note.body == "Customer called: collar one size up."
    page.reload()
    expect(page.locator("#job-notes .note-list")).to_contain_text("Customer called: collar one size up.")
    screenshot("note-sent")


def test_logging_out_with_something_unsent_asks_first_and_then_clears_the_phone(
    context, page, shop_owner, account, db
):
    log_in(page, shop_owner)
    page.goto(f"/customers/{account.customer_id}")
    controlled(page)
    # The server cannot be reached for payments just now: what is taken waits on the phone.
    page.route(re.compile(r"/payments/quick$"), lambda route: route.abort("connectionrefused"))
    page.locator("#received-amount").fill("300")
    page.locator("#quick-received button[type='submit']").click()
    expect(page.locator("[data-queue] [data-state]")).to_have_text("Waiting to sync")

    asked = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.dismiss() if len(asked) == 1 else dialog.accept()

    page.on("dialog", answer)
    page.locator(".bottom-nav a[href='/more']").click()
    page.wait_for_url(re.compile(r"/more$"))
    logout = page.locator("form[action='/logout'] button[type='submit']")
    logout.click()
    for _ in range(100):
        if asked:
            break
        page.wait_for_timeout(50)
    expect(page.locator("[data-queue]")).to_be_visible()  # "No": still logged in, still waiting
    assert asked == ["Payments or notes kept on this phone have not been sent yet (1). Logging out deletes them. "
                     "Log out anyway?"]
    assert page.url.endswith("/more")

    logout.click()
    page.wait_for_url(re.compile(r"/login$"))
    assert len(asked) == 2
    assert pending(page) == []
    assert payments_of(db, account.customer_id) == []


def test_the_queue_speaks_urdu_to_an_urdu_reader(context, page, shop_owner, account, db, app, screenshot):
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale("ur"):
        waiting, kept = gettext("Waiting to sync"), gettext("Kept on this phone:")
        offline = gettext("You are offline. Payments and notes you save are kept on this phone and sent when the "
                          "connection returns.")
    log_in(page, shop_owner)
    page.locator(".lang-toggle button").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.goto(f"/customers/{account.customer_id}")
    controlled(page)
    context.set_offline(True)
    page.locator("#received-amount").fill("500")
    page.locator("#quick-received button[type='submit']").click()
    queue = page.locator("[data-queue]")
    expect(queue.locator("[data-state]")).to_have_text(waiting)
    expect(queue.locator(".sync-queue-entry")).to_contain_text(kept)
    expect(page.locator("[data-connection]")).to_have_text(offline)
    # The Urdu sentence runs right to left, the amount and the name set apart inside it.
    summary = queue.locator("[data-summary]")
    assert summary.evaluate("(element) => getComputedStyle(element).direction") == "rtl"
    assert apart("Rs\xa0500") in summary.inner_text() and apart("Rashid Mehmood") in summary.inner_text()
    screenshot("urdu-waiting")
    context.set_offline(False)
    queue_empty(page)
