"""Public links: unguessable, stored as a hash, one live link per thing, expiring, counted when opened; sending
and sharing them, and the invoice showing Sent."""
from __future__ import annotations

import math
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import sqlalchemy as sa

from shopledger.models import (
    CustomerMessage, LinkKind, MessageChannel, MessageKind, OutboxMessage, PaymentMethod, ShareLink, ShareLinkView,
)
from shopledger.services import clock, customers, invoices, links, payments
from shopledger.services.errors import DomainError
from shopledger.services.invoices import DisplayStatus, LineDraft

NOW = datetime(2026, 11, 21, 7, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 21)


@pytest.fixture
def frozen(monkeypatch):
    moment = {"now": NOW}
    monkeypatch.setattr(clock, "now", lambda: moment["now"])
    return moment


@pytest.fixture
def team(make_team):
    return make_team("Noor Tailors")


def _customer(db, team, *, name="Bilal Ahmed", email="bilal@example.com", phone="0300 1234567", locale="en"):
    customer = customers.create_customer(team.shop, by=team.owner, name=name, email=email, phone=phone,
                                         preferred_locale=locale)
    db.session.commit()
    return customer


def _invoice(db, team, customer, amount_minor=2500_00, issue_date=TODAY, due_date=None):
    invoice = invoices.create_draft(team.shop, customer, by=team.owner, issue_date=issue_date,
                                    terms=invoices.PaymentTerms.CUSTOM if due_date else invoices.PaymentTerms.ON_RECEIPT,
                                    due_date=due_date, lines=[LineDraft("Kurta stitching", Decimal(1), amount_minor)])
    invoices.issue(team.shop, invoice, by=team.owner)
    db.session.commit()
    return invoice


def test_a_link_carries_at_least_128_random_bits_and_only_its_hash_is_kept(db, team, frozen):
    invoice = _invoice(db, team, _customer(db, team))
    link = links.link_for_invoice(team.shop, invoice, by=team.owner)
    db.session.commit()
    alphabet_bits = math.log2(64)  # URL-safe base64
    assert len(link.token) * alphabet_bits >= 128
    stored = db.session.execute(sa.select(ShareLink.__table__)).one()._asdict()
    assert link.token not in {str(value) for value in stored.values()}
    assert stored["token_hash"] == links.hash_token(link.token)
    tokens = {links.link_for_invoice(team.shop, invoice, by=team.owner).token for _ in range(50)}
    assert len(tokens) == 50


def test_a_new_link_stops_the_one_before_it_and_only_for_the_same_thing(db, team, frozen):
    customer = _customer(db, team)
    first_invoice, second_invoice = _invoice(db, team, customer), _invoice(db, team, customer)
    old = links.link_for_invoice(team.shop, first_invoice, by=team.owner)
    other = links.link_for_invoice(team.shop, second_invoice, by=team.owner)
    statement = links.link_for_statement(team.shop, customer, by=team.owner)
    new = links.link_for_invoice(team.shop, first_invoice, by=team.owner)
    db.session.commit()
    assert links.find(old.token).gone
    assert links.find(new.token).works and links.find(other.token).works and links.find(statement.token).works


def test_links_expire_after_the_shops_period_ninety_days_unless_it_says_otherwise(db, team, frozen):
    invoice = _invoice(db, team, _customer(db, team))
    link = links.link_for_invoice(team.shop, invoice, by=team.owner)
    db.session.commit()
    assert link.expires_at == NOW + timedelta(days=90)
    assert links.find(link.token, now=NOW + timedelta(days=89, hours=23)).works
    assert links.find(link.token, now=NOW + timedelta(days=90)).gone

    team.shop.link_lifetime_days = 7
    short = links.link_for_invoice(team.shop, invoice, by=team.owner)
    db.session.commit()
    assert short.expires_at == NOW + timedelta(days=7)


def test_unknown_and_altered_tokens_find_nothing_and_void_things_are_gone(db, team, frozen):
    customer = _customer(db, team)
    invoice = _invoice(db, team, customer)
    link = links.link_for_invoice(team.shop, invoice, by=team.owner)
    payment, _ = payments.record(team.shop, customer, by=team.owner, amount_minor=100_00, received_on=TODAY,
                                 method=PaymentMethod.CASH)
    receipt = links.link_for_receipt(team.shop, payment, by=team.owner)
    db.session.commit()
    altered = link.token[:-1] + ("A" if link.token[-1] != "A" else "B")
    for token in (altered, link.token.upper(), link.token + "x", "", "x" * 200):
        assert links.find(token).link is None, token
    invoices.void(team.shop, invoice, by=team.owner, reason="wrong price")
    payments.void(team.shop, payment, by=team.owner, reason="bounced")
    db.session.commit()
    assert links.find(link.token).gone and links.find(receipt.token).gone


def test_a_draft_or_void_invoice_cannot_be_linked(db, team, frozen):
    customer = _customer(db, team)
    draft = invoices.create_draft(team.shop, customer, by=team.owner, issue_date=TODAY,
                                  lines=[LineDraft("Cloth", Decimal(1), 100_00)])
    with pytest.raises(DomainError):
        links.link_for_invoice(team.shop, draft, by=team.owner)


def test_an_opening_is_counted_on_the_link_and_the_invoice(db, team, frozen):
    invoice = _invoice(db, team, _customer(db, team))
    link = links.link_for_invoice(team.shop, invoice, by=team.owner)
    db.session.commit()
    updated = invoice.updated_at
    links.record_view(link)
    frozen["now"] = NOW + timedelta(hours=2)
    links.record_view(link, what="pdf")
    db.session.commit()
    db.session.refresh(link), db.session.refresh(invoice)
    assert link.view_count == 2 and link.first_viewed_at == NOW and link.last_viewed_at == NOW + timedelta(hours=2)
    assert invoice.viewed_at == NOW + timedelta(hours=2) and invoice.updated_at == updated
    assert [view.what for view in db.session.scalars(sa.select(ShareLinkView).order_by(ShareLinkView.id))] == [
        "page", "pdf"]
    facts = links.facts_for(team.shop, invoice=invoice)
    assert facts.views == 2 and facts.last_viewed_at == NOW + timedelta(hours=2) and facts.live


def test_sending_an_invoice_emails_a_fresh_link_in_the_customers_language_and_marks_it_sent(db, team, frozen):
    customer = _customer(db, team, locale="ur")
    invoice = _invoice(db, team, customer, due_date=TODAY + timedelta(days=7))
    assert invoices.display_status(invoice, 0, TODAY) == DisplayStatus.ISSUED
    message = links.send_invoice(team.shop, invoice, by=team.owner)
    db.session.commit()
    outbox = db.session.get(OutboxMessage, message.outbox_message_id)
    assert outbox.to_address == "bilal@example.com" and outbox.locale == "ur" and outbox.kind == "invoice"
    assert invoice.number in outbox.subject and "انوائس" in outbox.subject
    link = db.session.get(ShareLink, message.link_id)
    assert link.kind == LinkKind.INVOICE and link.invoice_id == invoice.id
    url = next(word for word in outbox.text_body.split() if "/l/" in word)
    assert links.find(urlsplit(url).path.rsplit("/", 1)[1]).link.id == link.id
    assert invoice.sent_at == NOW and invoice.sent_by_id == team.owner.id
    assert invoices.display_status(invoice, 0, TODAY) == DisplayStatus.SENT
    assert invoices.display_status(invoice, 100_00, TODAY) == DisplayStatus.PARTLY_PAID
    assert invoices.display_status(invoice, 0, TODAY + timedelta(days=8)) == DisplayStatus.OVERDUE
    listed = invoices.list_invoices(team.shop, today=TODAY, status=DisplayStatus.SENT)
    assert [row.invoice.id for row in listed.rows] == [invoice.id]
    assert invoices.list_invoices(team.shop, today=TODAY, status=DisplayStatus.ISSUED).rows == []
    assert (message.kind, message.channel, message.automatic) == (MessageKind.INVOICE, MessageChannel.EMAIL, False)


def test_a_customer_without_email_cannot_be_emailed_but_can_be_shared_with(db, team, frozen):
    customer = _customer(db, team, email="")
    invoice = _invoice(db, team, customer)
    with pytest.raises(DomainError) as refused:
        links.send_invoice(team.shop, invoice, by=team.owner)
    assert "WhatsApp" in refused.value.message
    db.session.rollback()
    share = links.prepare_share(team.shop, links.link_for_invoice(team.shop, invoice, by=team.staff))
    assert share.whatsapp.startswith("https://wa.me/923001234567?text=")
    text = unquote(parse_qs(urlsplit(share.whatsapp).query)["text"][0])
    assert text == share.text and share.url in text and invoice.number in text and "Rs\u00a02,500" in text
    assert share.sms.startswith("sms:+923001234567?body=")


def test_the_shared_message_is_in_the_customers_language(db, team, frozen):
    customer = _customer(db, team, name="فاطمہ بی بی", locale="ur", email="")
    invoice = _invoice(db, team, customer)
    share = links.prepare_share(team.shop, links.link_for_invoice(team.shop, invoice, by=team.owner))
    assert "السلام علیکم" in share.text and "فاطمہ بی بی" in share.text and share.url in share.text
    assert "Assalam" not in share.text


def test_sharing_on_whatsapp_marks_the_invoice_sent_and_is_logged(db, team, frozen):
    customer = _customer(db, team, email="")
    invoice = _invoice(db, team, customer, due_date=TODAY + timedelta(days=3))
    link = links.link_for_invoice(team.shop, invoice, by=team.staff)
    message = links.record_share(team.shop, link, channel=MessageChannel.WHATSAPP, by=team.staff)
    db.session.commit()
    assert invoice.sent_at == NOW and invoices.display_status(invoice, 0, TODAY) == DisplayStatus.SENT
    assert (message.channel, message.to_address, message.amount_minor) == (
        MessageChannel.WHATSAPP, "+923001234567", 2500_00)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CustomerMessage)) == 1


def test_a_receipt_and_a_statement_can_be_sent(db, team, frozen):
    customer = _customer(db, team)
    _invoice(db, team, customer)
    payment, _ = payments.record(team.shop, customer, by=team.owner, amount_minor=1000_00, received_on=TODAY,
                                 method=PaymentMethod.CASH)
    receipt = links.send_receipt(team.shop, payment, by=team.owner)
    statement = links.send_statement(team.shop, customer, by=team.owner, date_from=date(2026, 9, 1))
    db.session.commit()
    subjects = [db.session.get(OutboxMessage, m.outbox_message_id).subject for m in (receipt, statement)]
    assert "Rs 1,000" in subjects[0] and "statement" in subjects[1]
    link = db.session.get(ShareLink, statement.link_id)
    assert link.kind == LinkKind.STATEMENT and link.date_from == date(2026, 9, 1) and link.date_to is None


def test_revoking_stops_every_live_link_to_the_thing(db, team, frozen):
    invoice = _invoice(db, team, _customer(db, team))
    link = links.link_for_invoice(team.shop, invoice, by=team.owner)
    db.session.commit()
    assert links.revoke_all_for(team.shop, link, by=team.owner) == 1
    db.session.commit()
    assert links.find(link.token).gone
    assert not links.facts_for(team.shop, invoice=invoice).live
