"""Reminders over HTTP: the "to remind today" list with WhatsApp, the log of sent messages, the notifications
page and the bell's badge; the reminder settings; opting a customer out."""
from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shopledger.models import Customer, OutboxMessage, OutboxStatus, ReminderMark
from shopledger.services import clock, customers, invoices, jobs, reminders
from shopledger.services.invoices import LineDraft, PaymentTerms

HX = {"HX-Request": "true"}
NOW = datetime(2026, 11, 21, 5, 0, tzinfo=timezone.utc)  # 10:00 in Karachi
TODAY = date(2026, 11, 21)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def team(make_team):
    return make_team("Noor Tailors")


def _customer(db, team, name, *, email="", phone="0321 5550123"):
    made = customers.create_customer(team.shop, by=team.owner, name=name, phone=phone, email=email)
    db.session.commit()
    return made


def _overdue(db, team, customer, days=1, amount_minor=700_00):
    made = invoices.create_draft(team.shop, customer, by=team.owner, issue_date=TODAY - timedelta(days=30),
                                 terms=PaymentTerms.CUSTOM, due_date=TODAY - timedelta(days=days),
                                 lines=[LineDraft("Cloth", Decimal(1), amount_minor)])
    invoices.issue(team.shop, made, by=team.owner)
    db.session.commit()
    return made


def text(response) -> str:
    return response.get_data(as_text=True)


def test_the_list_shows_who_to_remind_by_hand_and_whatsapp_makes_the_message(client, login, db, team):
    hira = _customer(db, team, "Hira Shah")
    emailed = _customer(db, team, "Email Person", email="person@example.com")
    invoice = _overdue(db, team, hira)
    _overdue(db, team, emailed)
    login(client, team.staff.email)
    page = text(client.get("/reminders"))
    assert "Hira Shah" in page and f'id="remind-{hira.id}"' in page
    assert f'id="remind-{emailed.id}"' not in page and "Email Person" in page  # listed under "by email"
    response = client.post(f"/reminders/customers/{hira.id}/remind", data={"channel": "whatsapp"}, headers=HX)
    assert response.status_code == 200
    row = text(response)
    assert row.lstrip().startswith(f'<li class="remind-row is-ready" id="remind-{hira.id}"')
    whatsapp = html.unescape(re.search(r'href="(https://wa\.me/[^"]+)"', row).group(1))
    assert whatsapp.startswith("https://wa.me/923215550123?text=")
    assert db.session.scalar(sa.select(ReminderMark.subject_id)) == invoice.id
    assert f'id="remind-{hira.id}"' not in text(client.get("/reminders"))
    again = client.post(f"/reminders/customers/{hira.id}/remind", data={"channel": "sms"}, headers=HX)
    assert again.status_code == 422 and "no reminder due now" in text(again)


def test_sms_makes_an_sms_link(client, login, db, team):
    hira = _customer(db, team, "Hira Shah")
    _overdue(db, team, hira)
    login(client, team.owner.email)
    row = text(client.post(f"/reminders/customers/{hira.id}/remind", data={"channel": "sms"}, headers=HX))
    assert 'href="sms:+923215550123?body=' in row


def test_the_log_shows_every_message_and_which_failed(client, login, db, team):
    person = _customer(db, team, "Email Person", email="person@example.com")
    _overdue(db, team, person)
    reminders.run_for_shop(team.shop.id, now=NOW)
    db.session.commit()
    login(client, team.viewer.email)
    page = text(client.get("/reminders/log"))
    assert "Email Person" in page and "Overdue reminder" in page and "person@example.com" in page
    assert "automatic" in page and "Not emailed" in page
    outbox = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "reminder_overdue"))
    outbox.status, outbox.last_error = OutboxStatus.FAILED, "550 5.1.1 No such mailbox here"
    db.session.commit()
    failed = text(client.get("/reminders/log?show=failed", headers=HX))
    assert failed.lstrip().startswith('<div id="message-log">')
    assert "Not delivered" in failed and "550 5.1.1 No such mailbox here" in failed


def test_notifications_page_shows_the_days_summary_and_the_bell_counts_it(client, login, db, team):
    hira = _customer(db, team, "Hira Shah")
    jobs.create_job(team.shop, hira, by=team.owner, title="Bridal lehenga", due_date=TODAY)
    db.session.commit()
    reminders.run_for_shop(team.shop.id, now=NOW)
    db.session.commit()
    login(client, team.manager.email)
    home = text(client.get("/customers"))
    assert 'class="topbar-bell"' in home and re.search(r'topbar-bell.*?nav-badge[^>]*><bdi>1</bdi>', home, re.S)
    page = text(client.get("/notifications"))
    assert "Bridal lehenga" in page and "Jobs due today" in page and "is-unread" in page
    after = text(client.get("/customers"))
    assert 'class="topbar-bell"' in after and not re.search(r'topbar-bell.*?nav-badge', after.split("</header>")[0],
                                                            re.S)
    assert "is-unread" not in text(client.get("/notifications"))


def test_staff_and_viewers_have_no_bell_and_no_notifications(client, login, db, team):
    login(client, team.staff.email)
    assert "topbar-bell" not in text(client.get("/customers"))
    assert client.get("/notifications").status_code == 403


def test_the_shop_sets_the_stages_link_lifetime_and_balance_reminders(client, login, db, team):
    login(client, team.owner.email)
    form = {"name": "Noor Tailors", "phone": "", "address": "", "country": "PK", "currency": "PKR",
            "timezone": "Asia/Karachi", "default_locale": "en", "invoice_prefix": "INV", "payment_instructions": "",
            "link_lifetime_days": "30", "reminder_stages": "3, 10", "balance_reminders": "y"}
    assert client.post("/settings", data=form).status_code == 303
    db.session.refresh(team.shop)
    assert (team.shop.link_lifetime_days, team.shop.reminder_stages, team.shop.balance_reminders) == (30, "3,10", True)
    refused = client.post("/settings", data={**form, "reminder_stages": "every week"})
    assert refused.status_code == 422
    page = text(refused)
    assert "Write whole days after the due date" in page and 'value="every week"' in page
    refused = client.post("/settings", data={**form, "link_lifetime_days": "0"})
    assert refused.status_code == 422 and "Use a number of days from 1 to 3650" in text(refused)
    db.session.refresh(team.shop)
    assert (team.shop.link_lifetime_days, team.shop.reminder_stages) == (30, "3,10")


def test_a_customer_can_be_opted_out_on_their_form(client, login, db, team):
    hira = _customer(db, team, "Hira Shah")
    _overdue(db, team, hira)
    login(client, team.staff.email)
    form = text(client.get(f"/customers/{hira.id}/edit"))
    assert 'name="reminders_opted_out"' in form
    response = client.post(f"/customers/{hira.id}", data={"name": "Hira Shah", "phone": "0321 5550123",
                                                          "preferred_locale": "en", "reminders_opted_out": "y"})
    assert response.status_code in (200, 303)
    assert db.session.get(Customer, hira.id).reminders_opted_out is True
    assert "Hira Shah" not in text(client.get("/reminders"))
    assert "None sent automatically" in text(client.get(f"/customers/{hira.id}"))


def test_a_long_list_to_remind_comes_a_page_at_a_time(client, login, db, team):
    for number in range(35):
        _overdue(db, team, _customer(db, team, f"Customer {number:02d}", phone=f"0321 55501{number:02d}"))
    login(client, team.owner.email)
    first = text(client.get("/reminders"))
    assert first.count('class="remind-row"') == 30 and "/reminders?page=2" in first
    second = client.get("/reminders?page=2", headers=HX)
    assert text(second).count('class="remind-row"') == 5 and text(second).lstrip().startswith('<div id="to-remind">')


def test_a_busy_day_shows_the_first_few_of_each_group_and_how_many_more(client, login, db, team):
    hira = _customer(db, team, "Hira Shah")
    for number in range(12):
        jobs.create_job(team.shop, hira, by=team.owner, title=f"Suit {number:02d}", due_date=TODAY)
    db.session.commit()
    reminders.run_for_shop(team.shop.id, now=NOW)
    db.session.commit()
    login(client, team.owner.email)
    page = text(client.get("/notifications"))
    assert page.count("Suit ") == 10 and "and 2 more" in page and '<bdi>12</bdi>' in page
