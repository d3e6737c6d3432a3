"""Sending and sharing over HTTP: Send emails the link and marks the invoice Sent; Share makes a fresh link with
WhatsApp, SMS and copy; a tap on one is noted; Stop kills the link; who may do what."""
from __future__ import annotations

import html
import re
from datetime import date, datetime, timezone
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from shopledger.models import CustomerMessage, MessageChannel, OutboxMessage, PaymentMethod, ShareLink
from shopledger.services import clock, customers, invoices, links, payments
from shopledger.services.invoices import LineDraft, PaymentTerms

HX = {"HX-Request": "true"}
NOW = datetime(2026, 11, 21, 7, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 21)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def team(make_team):
    return make_team("Noor Tailors")


def _customer(db, team, *, email="", locale="en", name="Hira Shah"):
    made = customers.create_customer(team.shop, by=team.owner, name=name, phone="0321 5550123", email=email,
                                     preferred_locale=locale)
    db.session.commit()
    return made


def _invoice(db, team, customer):
    made = invoices.create_draft(team.shop, customer, by=team.owner, issue_date=TODAY, terms=PaymentTerms.NET_15,
                                 lines=[LineDraft("Bridal lehenga fitting", Decimal(1), 25000_00)])
    invoices.issue(team.shop, made, by=team.owner)
    db.session.commit()
    return made


def _as(client, login, user):
    login(client, user.email)
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


def test_send_emails_the_customer_and_the_invoice_shows_sent(client, login, db, team):
    hira = _customer(db, team, email="hira@example.com")
    invoice = _invoice(db, team, hira)
    as_staff = _as(client, login, team.staff)
    page = text(as_staff.get(f"/invoices/{invoice.id}"))
    assert f'action="/links/invoices/{invoice.id}/send"' in page and "hira@example.com" in page
    response = as_staff.post(f"/links/invoices/{invoice.id}/send", headers=HX)
    assert response.status_code == 204 and response.headers["HX-Redirect"] == f"/invoices/{invoice.id}"
    [outbox] = db.session.scalars(sa.select(OutboxMessage)).all()
    assert outbox.to_address == "hira@example.com" and invoice.number in outbox.subject
    page = text(as_staff.get(f"/invoices/{invoice.id}"))
    assert "Sent to" in page and 'status-badge invoice-sent' in page and "Emailed" in page


def test_without_email_the_panel_offers_whatsapp_and_sms_and_send_is_refused(client, login, db, team):
    hira = _customer(db, team)
    invoice = _invoice(db, team, hira)
    as_staff = _as(client, login, team.staff)
    page = text(as_staff.get(f"/invoices/{invoice.id}"))
    assert "/send" not in page and "Share on WhatsApp or SMS" in page
    refused = as_staff.post(f"/links/invoices/{invoice.id}/send", headers=HX)
    assert refused.status_code == 422 and "has no email address" in text(refused)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_share_makes_a_fresh_link_with_the_customers_number_and_words(client, login, db, team):
    hira = _customer(db, team, locale="ur", name="حرا شاہ")
    invoice = _invoice(db, team, hira)
    as_staff = _as(client, login, team.staff)
    response = as_staff.post(f"/links/invoices/{invoice.id}/share", headers=HX)
    assert response.status_code == 200
    panel = text(response)
    assert panel.lstrip().startswith(f'<section class="card share-panel" id="share-invoice-{invoice.id}"')
    whatsapp = html.unescape(re.search(r'href="(https://wa\.me/[^"]+)"', panel).group(1))
    assert whatsapp.startswith("https://wa.me/923215550123?text=")
    message = parse_qs(urlsplit(whatsapp).query)["text"][0]
    assert "حرا شاہ" in message and "السلام علیکم" in message and invoice.number in message
    url = re.search(r"https?://\S+/l/[A-Za-z0-9_-]+", message).group(0)
    assert f'value="{url}"' in panel  # the same link, to copy
    assert 'href="sms:+923215550123?body=' in panel
    token = url.rsplit("/", 1)[1]
    assert as_staff.get(f"/l/{token}").status_code == 200
    # Sharing again kills that link.
    as_staff.post(f"/links/invoices/{invoice.id}/share", headers=HX)
    assert as_staff.get(f"/l/{token}").status_code == 410


def test_a_tap_on_whatsapp_is_noted_and_marks_the_invoice_sent(client, login, db, team):
    invoice = _invoice(db, team, _customer(db, team))
    as_staff = _as(client, login, team.staff)
    panel = text(as_staff.post(f"/links/invoices/{invoice.id}/share", headers=HX))
    link_id = db.session.scalar(sa.select(ShareLink.id))
    assert f'hx-post="/links/{link_id}/shared"' in panel and """hx-vals='{"channel": "whatsapp"}'""" in panel
    noted = as_staff.post(f"/links/{link_id}/shared", data={"channel": "whatsapp"}, headers=HX)
    assert noted.status_code == 200 and 'hx-swap-oob="beforeend"' in text(noted)
    assert "Noted: sent on WhatsApp." in text(noted)
    db.session.expire_all()
    assert db.session.get(type(invoice), invoice.id).sent_at == NOW
    [message] = db.session.scalars(sa.select(CustomerMessage)).all()
    assert message.channel == MessageChannel.WHATSAPP and message.created_by_id == team.staff.id
    assert as_staff.post(f"/links/{link_id}/shared", data={"channel": "pigeon"}, headers=HX).status_code == 422


def test_stop_the_link_makes_it_answer_410(client, login, db, team):
    invoice = _invoice(db, team, _customer(db, team))
    link = links.link_for_invoice(team.shop, invoice, by=team.owner)
    db.session.commit()
    as_manager = _as(client, login, team.manager)
    assert "Stop the link" in text(as_manager.get(f"/invoices/{invoice.id}"))
    response = as_manager.post(f"/links/{link.id}/revoke")
    assert response.status_code == 303 and response.headers["Location"] == f"/invoices/{invoice.id}"
    assert client.get(f"/l/{link.token}").status_code == 410


def test_receipts_and_statements_have_the_panel_too(client, login, db, team):
    hira = _customer(db, team, email="hira@example.com")
    _invoice(db, team, hira)
    payment, _ = payments.record(team.shop, hira, by=team.owner, amount_minor=5000_00, received_on=TODAY,
                                 method=PaymentMethod.CASH)
    db.session.commit()
    as_owner = _as(client, login, team.owner)
    assert f"/links/payments/{payment.id}/share" in text(as_owner.get(f"/payments/{payment.id}"))
    assert f"/links/customers/{hira.id}/statement/share" in text(as_owner.get(f"/customers/{hira.id}"))
    statement_page = text(as_owner.get(f"/customers/{hira.id}/statement?from=2026-11-01&to=2026-11-30"))
    assert 'name="from" value="2026-11-01"' in statement_page
    as_owner.post(f"/links/customers/{hira.id}/statement/share", data={"from": "2026-11-01", "to": "2026-11-30"},
                  headers=HX)
    link = db.session.scalar(sa.select(ShareLink))
    assert (link.date_from, link.date_to) == (date(2026, 11, 1), date(2026, 11, 30))
    response = as_owner.post(f"/links/payments/{payment.id}/send")
    assert response.status_code == 303
    assert db.session.scalar(sa.select(OutboxMessage.kind).where(OutboxMessage.kind == "receipt")) == "receipt"


def test_a_viewer_sees_whether_it_was_opened_but_cannot_send(client, login, db, team):
    invoice = _invoice(db, team, _customer(db, team, email="hira@example.com"))
    link = links.link_for_invoice(team.shop, invoice, by=team.owner)
    links.record_view(link)
    db.session.commit()
    as_viewer = _as(client, login, team.viewer)
    page = text(as_viewer.get(f"/invoices/{invoice.id}"))
    assert "Opened by the customer once" in page
    assert "/links/invoices" not in page and "Stop the link" not in page
    for path in (f"/links/invoices/{invoice.id}/send", f"/links/invoices/{invoice.id}/share",
                 f"/links/{link.id}/revoke", f"/links/{link.id}/shared"):
        assert as_viewer.post(path, data={"channel": "whatsapp"}).status_code == 403


def test_without_script_share_answers_with_a_page_of_its_own(client, login, db, team):
    invoice = _invoice(db, team, _customer(db, team))
    as_staff = _as(client, login, team.staff)
    response = as_staff.post(f"/links/invoices/{invoice.id}/share")
    assert response.status_code == 200
    page = text(response)
    assert "<html" in page and "https://wa.me/923215550123?text=" in page and f'href="/invoices/{invoice.id}"' in page


def test_the_audit_log_says_who_sent_an_invoice_and_who_stopped_a_link(client, login, db, team):
    invoice = _invoice(db, team, _customer(db, team, email="hira@example.com"))
    links.send_invoice(team.shop, invoice, by=team.staff)
    link = db.session.scalar(sa.select(ShareLink))
    links.revoke(team.shop, link, by=team.owner)
    db.session.commit()
    login(client, team.owner.email)
    page = re.sub(r"<[^>]+>", "", text(client.get("/audit")))
    assert f"{team.staff.name} sent {invoice.number} to the customer by email" in " ".join(page.split())
    assert f"{team.owner.name} stopped the customer's link to {invoice.number}" in " ".join(
        html.unescape(page).split())
