"""The Outbox page: held and failed messages, passed on by WhatsApp, SMS or copying, or emailed again."""
from __future__ import annotations

import html as html_module
import re
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from shopledger.models import OutboxMessage, OutboxStatus, Role
from shopledger.services import customers, mail
from tests.mail.server import BASE_URL

FRAGMENT = {"HX-Request": "true"}


@pytest.fixture
def shop_with_mail(db, make_team, request_context, app, monkeypatch):
    """Noor Tailors with a customer and one held invoice email for them."""
    team = make_team("Noor Tailors")
    customer = customers.create_customer(team.shop, by=team.owner, name="Bilal Ahmed", phone="0300 1234567",
                                         email="bilal@example.com")
    db.session.commit()
    monkeypatch.setitem(app.config, "BASE_URL", BASE_URL)
    message = mail.queue_email(
        team.shop, to_address="bilal@example.com", to_name="Bilal Ahmed", subject="Invoice INV-2026-0007",
        text=f"Assalam-o-Alaikum Bilal,\nYour invoice: {BASE_URL}/i/Tok3n\nNoor Tailors\n",
        html="<p>Assalam-o-Alaikum Bilal</p>", kind="invoice", locale="en", related_type="customer",
        related_id=customer.id, created_by=team.owner,
    )
    db.session.commit()
    return team, message


def _card(page: str, message_id: int) -> str:
    found = re.search(rf'<article[^>]*id="outbox-message-{message_id}".*?</article>', page, re.S)
    assert found, f"no card for message {message_id}"
    return found.group(0)


def test_a_held_message_can_be_sent_on_whatsapp_or_sms_or_copied(client, login, shop_with_mail):
    team, message = shop_with_mail
    login(client, team.owner.email)
    response = client.get("/outbox")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Email is not set up on this ShopLedger" in page
    card = html_module.unescape(_card(page, message.id))
    assert "Bilal Ahmed" in card and "Invoice INV-2026-0007" in card and "Not emailed" in card
    text = quote(message.text_body.strip(), safe="")
    assert f'href="https://wa.me/923001234567?text={text}"' in card
    assert f'href="sms:+923001234567?&body={text}"' in card
    assert f'value="{BASE_URL}/i/Tok3n"' in card, "the link alone, to copy"
    assert 'data-copy="outbox-link-' in card and 'data-copy="outbox-text-' in card
    assert "Email it now" not in card, "no email button while email is not set up"


def test_marking_a_message_sent_by_hand_takes_it_off_the_waiting_list(db, client, login, shop_with_mail):
    team, message = shop_with_mail
    login(client, team.manager.email)
    more = client.get("/more").get_data(as_text=True)
    assert 'href="/outbox"' in more and re.search(r'class="badge outbox-waiting"[^>]*><bdi>1</bdi>', more)

    response = client.post(f"/outbox/{message.id}/shared", headers=FRAGMENT)
    assert response.status_code == 200
    card = response.get_data(as_text=True)
    assert card.lstrip().startswith(f'<article class="card outbox-message" id="outbox-message-{message.id}"')
    assert "Sent by hand" in card and "wa.me" not in card
    assert '<bdi class="count" id="outbox-waiting-count" hidden hx-swap-oob="true">0</bdi>' in card
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).shared_at is not None

    waiting = client.get("/outbox").get_data(as_text=True)
    assert f'id="outbox-message-{message.id}"' not in waiting and "Nothing is waiting" in waiting
    assert f'id="outbox-message-{message.id}"' in client.get("/outbox?show=all").get_data(as_text=True)
    assert "outbox-waiting" not in client.get("/more").get_data(as_text=True)

    plain = client.post(f"/outbox/{message.id}/shared")
    assert plain.status_code == 303 and plain.headers["Location"] == "/outbox"


def test_once_email_is_set_up_a_held_message_can_be_emailed(db, client, login, shop_with_mail, smtp_server):
    team, message = shop_with_mail
    login(client, team.owner.email)
    page = client.get("/outbox").get_data(as_text=True)
    assert "Email it now" in _card(page, message.id)
    response = client.post(f"/outbox/{message.id}/send", headers=FRAGMENT)
    assert response.status_code == 200 and "Emailed" in response.get_data(as_text=True)
    [received] = smtp_server.messages
    assert received["Message-ID"] == message.message_id and received["Subject"] == "Invoice INV-2026-0007"
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == OutboxStatus.SENT


def test_a_failed_message_shows_what_the_server_said(db, client, login, shop_with_mail, smtp_server):
    team, message = shop_with_mail
    smtp_server.refused.add("bilal@example.com")
    mail.send_again(team.shop, db.session.get(OutboxMessage, message.id))
    db.session.commit()
    login(client, team.owner.email)
    card = _card(client.get("/outbox").get_data(as_text=True), message.id)
    assert "Not delivered" in card and "550 5.1.1 No such mailbox here" in card and "Email it again" in card


def test_the_outbox_is_for_owners_and_managers(client, login, shop_with_mail):
    team, _message = shop_with_mail
    for role, status in ((Role.STAFF, 403), (Role.VIEWER, 403), (Role.MANAGER, 200)):
        browser = client.application.test_client()
        login(browser, team.member(role).email)
        assert browser.get("/outbox").status_code == status
        assert ('href="/outbox"' in browser.get("/more").get_data(as_text=True)) == (status == 200)


def test_the_list_pages_twenty_at_a_time(db, client, login, shop_with_mail):
    team, _message = shop_with_mail
    for number in range(25):
        mail.queue_email(team.shop, to_address=f"c{number}@example.com", subject=f"Message {number}", text="x",
                         html="<p>x</p>", kind="statement", locale="en")
    db.session.commit()
    login(client, team.owner.email)
    first = client.get("/outbox").get_data(as_text=True)
    assert first.count('class="card outbox-message"') == 20 and "Message 24" in first
    second = client.get("/outbox?page=2", headers=FRAGMENT).get_data(as_text=True)
    assert second.lstrip().startswith('<div id="outbox-list">')
    assert second.count('class="card outbox-message"') == 6 and "Invoice INV-2026-0007" in second
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 26


def test_a_page_of_waiting_messages_takes_a_handful_of_queries(app, db, client, login, shop_with_mail):
    from sqlalchemy import event

    team, _message = shop_with_mail
    for number in range(19):
        customer = customers.create_customer(team.shop, by=team.owner, name=f"Customer {number}",
                                             phone=f"0300 12345{number:02d}", email=f"c{number}@example.com")
        db.session.flush()
        mail.queue_email(team.shop, to_address=customer.email, subject=f"Message {number}", text="x", html="x",
                         kind="invoice", locale="en", related_type="customer" if number % 2 else "",
                         related_id=customer.id if number % 2 else None)
    db.session.commit()
    login(client, team.owner.email)
    statements = []

    def count(*args):
        statements.append(args[2])

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        page = client.get("/outbox").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert page.count("https://wa.me/92300") == 20, "every card has its customer's number"
    # Six today (the session, the shop, the page, the count, the phones by customer and by email): not one per card.
    assert len(statements) <= 10, statements
