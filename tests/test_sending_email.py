"""End to end over a real SMTP server on loopback: the shop presses Send, the customer's mail arrives in their
language, and its link opens the invoice and its PDF without logging in; a receipt and a reminder likewise."""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from shopledger.models import PaymentMethod
from shopledger.services import clock, customers, invoices, payments, reminders, shops
from shopledger.services.invoices import LineDraft, PaymentTerms
from tests.mail.server import BASE_URL

LINK = re.compile(re.escape(BASE_URL) + r"(/l/[A-Za-z0-9_-]+)")


@pytest.fixture
def team(make_team, db):
    made = make_team("Noor Tailors")
    shops.update_settings(made.shop, by=made.owner, payment_instructions="JazzCash 0345 1112223")
    db.session.commit()
    return made


def _customer(db, team, *, locale="en", name="Bilal Ahmed"):
    made = customers.create_customer(team.shop, by=team.owner, name=name, email="bilal@example.com",
                                     phone="0300 1234567", preferred_locale=locale)
    db.session.commit()
    return made


def _invoice(db, team, customer, *, due: date | None = None):
    today = clock.shop_today(team.shop)
    made = invoices.create_draft(team.shop, customer, by=team.owner, issue_date=min(due or today, today),
                                 terms=PaymentTerms.CUSTOM, due_date=due or today + timedelta(days=7),
                                 lines=[LineDraft("Kurta stitching", Decimal(2), 1250_00)])
    invoices.issue(team.shop, made, by=team.owner)
    db.session.commit()
    return made


def _the_link(message) -> str:
    found = LINK.search(message.get_body(preferencelist=("plain",)).get_content())
    assert found, "no link in the email"
    return found.group(1)


@pytest.mark.parametrize("locale", ["en", "ur"])
def test_a_sent_invoice_arrives_and_its_link_opens_the_pdf_without_logging_in(
        app, db, team, smtp_server, client, login, locale):
    customer = _customer(db, team, locale=locale, name="Bilal Ahmed" if locale == "en" else "بلال احمد")
    invoice = _invoice(db, team, customer)
    login(client, team.staff.email)
    assert client.post(f"/links/invoices/{invoice.id}/send").status_code == 303

    [message] = smtp_server.wait_for(1)
    assert smtp_server.envelopes[0].rcpt_tos == ["bilal@example.com"]
    assert message["From"].addresses[0].display_name == "Noor Tailors"
    assert message["Reply-To"].addresses[0].addr_spec == team.owner.email
    assert message["Content-Language"] == locale
    assert invoice.number in message["Subject"]
    if locale == "ur":
        assert "انوائس" in message["Subject"]
        assert 'dir="rtl"' in message.get_body(preferencelist=("html",)).get_content()
    path = _the_link(message)
    assert path in message.get_body(preferencelist=("html",)).get_content()

    customer_browser = app.test_client()  # the customer: never logged in
    page = customer_browser.get(path)
    assert page.status_code == 200 and invoice.number in page.get_data(as_text=True)
    assert 'href="' + path + '/pdf"' in page.get_data(as_text=True)
    document = customer_browser.get(path + "/pdf")
    assert document.status_code == 200 and document.get_data().startswith(b"%PDF")

    client.post(f"/links/invoices/{invoice.id}/share", headers={"HX-Request": "true"})  # a new link...
    assert customer_browser.get(path).status_code == 410  # ...and the emailed one stops
    assert customer_browser.get(path[:-3] + "abc").status_code == 404  # an altered one never was


def test_a_receipt_arrives_and_opens(app, db, team, smtp_server, client, login):
    customer = _customer(db, team)
    _invoice(db, team, customer)
    payment, _ = payments.record(team.shop, customer, by=team.owner, amount_minor=1000_00,
                                 received_on=clock.shop_today(team.shop), method=PaymentMethod.CASH)
    db.session.commit()
    login(client, team.owner.email)
    client.post(f"/links/payments/{payment.id}/send")
    [message] = smtp_server.wait_for(1)
    assert "Rs" in message["Subject"] and "1,000" in message["Subject"]
    page = app.test_client().get(_the_link(message))
    assert page.status_code == 200 and "Thank you!" in page.get_data(as_text=True)


def test_an_overdue_reminder_arrives_with_links_that_open(app, db, team, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "REMINDER_HOUR", 0)
    customer = _customer(db, team)
    invoice = _invoice(db, team, customer, due=clock.shop_today(team.shop) - timedelta(days=1))
    result = reminders.run_for_shop(team.shop.id)
    db.session.commit()
    assert result.emailed == 1
    received = smtp_server.wait_for(3)  # the customer's reminder, and the summary to the owner and the manager
    [reminder] = [message for message in received if message["To"].addresses[0].addr_spec == "bilal@example.com"]
    assert message_is_auto(reminder)
    assert invoice.number in reminder.get_body(preferencelist=("plain",)).get_content()
    browser = app.test_client()
    path = _the_link(reminder)
    assert browser.get(path).status_code == 200
    assert browser.get(path + "/pdf").get_data().startswith(b"%PDF")
    digest = [message for message in received if message["To"].addresses[0].addr_spec == team.owner.email]
    assert digest and invoice.number in digest[0].get_body(preferencelist=("plain",)).get_content()


def message_is_auto(message) -> bool:
    return message["Auto-Submitted"] == "auto-generated"
