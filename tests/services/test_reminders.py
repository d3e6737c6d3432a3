"""Reminders: due from the state of the books at the shop's stages, in its time zone; one message per customer per
run; at most once per stage whoever runs it and however often; the shop's daily summary and notifications."""
from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shopledger.extensions import db as _db
from shopledger.models import (
    CustomerMessage, MarkKind, Membership, MessageChannel, MessageKind, Notification, OutboxMessage,
    PaymentMethod, ReminderMark, Role, ShareLink,
)
from shopledger.services import customers, invoices, jobs, links, payments, reminders
from shopledger.services.errors import DomainError
from shopledger.services.invoices import LineDraft, PaymentTerms

# 10:00 in Karachi (UTC+5) on 21 November 2026: past the shop's reminder hour (9).
NOW = datetime(2026, 11, 21, 5, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 21)


@pytest.fixture
def team(make_team):
    return make_team("Noor Tailors")


def _customer(db, team, name="Bilal Ahmed", *, email="bilal@example.com", phone="0300 1234567", locale="en"):
    customer = customers.create_customer(team.shop, by=team.owner, name=name, email=email, phone=phone,
                                         preferred_locale=locale)
    db.session.commit()
    return customer


def _invoice(db, team, customer, *, due: date, amount_minor: int = 1000_00):
    invoice = invoices.create_draft(team.shop, customer, by=team.owner, issue_date=min(due, TODAY - timedelta(days=60)),
                                    terms=PaymentTerms.CUSTOM, due_date=due,
                                    lines=[LineDraft("Stitching", Decimal(1), amount_minor)])
    invoices.issue(team.shop, invoice, by=team.owner)
    db.session.commit()
    return invoice


def _messages(db, kind=None) -> list[CustomerMessage]:
    query = sa.select(CustomerMessage).order_by(CustomerMessage.id)
    if kind is not None:
        query = query.where(CustomerMessage.kind == kind)
    return list(db.session.scalars(query))


def _marks(db, kind=MarkKind.OVERDUE) -> set[tuple[int, str]]:
    return {tuple(row) for row in db.session.execute(sa.select(ReminderMark.subject_id, ReminderMark.period)
                                                     .where(ReminderMark.kind == kind))}


def _run(team, now=NOW):
    result = reminders.run_for_shop(team.shop.id, now=now)
    _db.session.commit()
    return result


# The shop's settings


@pytest.mark.parametrize(("typed", "stored"), [
    ("1, 7, 14", "1,7,14"), ("14,7,1,7", "1,7,14"), ("3", "3"), ("", ""), ("  ", ""), ("۱،۷", "1,7"), ("2 5", "2,5"),
])
def test_stages_are_read_as_the_shop_types_them(typed, stored):
    assert reminders.parse_stages(typed) == stored


@pytest.mark.parametrize("typed", ["a week", "0", "-1", "400", "1,2,3,4,5,6,7", "1.5"])
def test_stages_that_cannot_be_are_refused_next_to_the_field(typed, request_context):
    with pytest.raises(DomainError) as refused:
        reminders.parse_stages(typed)
    assert refused.value.field == "reminder_stages"


def test_the_current_stage_is_the_latest_one_reached():
    stages = [1, 7, 14]
    assert [reminders.current_stage(days, stages) for days in (0, 1, 6, 7, 13, 14, 90)] == [
        None, 1, 1, 7, 7, 14, 14]


def test_a_new_shop_reminds_at_1_7_and_14_days_and_links_last_90_days(team):
    assert reminders.stages_of(team.shop) == [1, 7, 14] and team.shop.link_lifetime_days == 90
    assert team.shop.balance_reminders is False


# Overdue reminders


def test_one_message_per_customer_lists_all_their_overdue_invoices(db, team):
    bilal = _customer(db, team)
    yesterday = _invoice(db, team, bilal, due=TODAY - timedelta(days=1), amount_minor=1000_00)
    ten_days = _invoice(db, team, bilal, due=TODAY - timedelta(days=10), amount_minor=2500_00)
    not_yet = _invoice(db, team, bilal, due=TODAY + timedelta(days=3))
    result = _run(team)
    assert result.emailed == 1
    [message] = _messages(db)
    assert (message.kind, message.channel, message.automatic, message.invoice_count) == (
        MessageKind.REMINDER_OVERDUE, MessageChannel.EMAIL, True, 2)
    assert message.amount_minor == 3500_00
    assert _marks(db) == {(yesterday.id, "1"), (ten_days.id, "7")}
    outbox = db.session.get(OutboxMessage, message.outbox_message_id)
    assert outbox.kind == "reminder_overdue" and outbox.to_address == "bilal@example.com"
    assert yesterday.number in outbox.text_body and ten_days.number in outbox.text_body
    assert not_yet.number not in outbox.text_body
    assert "Rs 3,500" in outbox.subject


def test_each_listed_invoice_carries_a_fresh_link_and_the_old_one_stops(db, team):
    bilal = _customer(db, team)
    invoice = _invoice(db, team, bilal, due=TODAY - timedelta(days=1))
    old = links.link_for_invoice(team.shop, invoice, by=team.owner, now=NOW - timedelta(days=5))
    db.session.commit()
    _run(team)
    outbox = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "reminder_overdue"))
    url = next(word for word in outbox.text_body.split() if "/l/" in word)
    found = links.find(url.rsplit("/", 1)[1], now=NOW)
    assert found.works and found.link.invoice_id == invoice.id
    assert links.find(old.token, now=NOW).gone


def test_running_the_schedule_twice_sends_nothing_the_second_time(db, team):
    bilal = _customer(db, team)
    _invoice(db, team, bilal, due=TODAY - timedelta(days=1))
    assert _run(team).emailed == 1
    assert _run(team).emailed == 0
    assert _run(team, NOW + timedelta(hours=3)).emailed == 0
    assert len(_messages(db)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.kind == "reminder_overdue")) == 1


def test_each_stage_goes_once_as_the_days_pass(db, team):
    bilal = _customer(db, team)
    invoice = _invoice(db, team, bilal, due=TODAY - timedelta(days=1))
    sent_on = []
    for day in range(0, 20):
        if _run(team, NOW + timedelta(days=day)).emailed:
            sent_on.append(day + 1)  # days late
    assert sent_on == [1, 7, 14]
    assert _marks(db) == {(invoice.id, "1"), (invoice.id, "7"), (invoice.id, "14")}


def test_a_reminder_missed_while_the_worker_was_down_goes_when_it_is_back(db, team):
    bilal = _customer(db, team)
    invoice = _invoice(db, team, bilal, due=TODAY - timedelta(days=9))
    assert _run(team).emailed == 1  # day 9: the 7-day stage, late but not lost
    assert _marks(db) == {(invoice.id, "7")}  # the 1-day stage is not sent a week late on top of it


def test_never_for_paid_or_void_invoices(db, team):
    bilal = _customer(db, team)
    paid = _invoice(db, team, bilal, due=TODAY - timedelta(days=1), amount_minor=500_00)
    payments.record(team.shop, bilal, by=team.owner, amount_minor=500_00, received_on=TODAY,
                    method=PaymentMethod.CASH)
    voided = _invoice(db, team, bilal, due=TODAY - timedelta(days=7))
    invoices.void(team.shop, voided, by=team.owner, reason="wrong customer")
    db.session.commit()
    assert db.session.get(type(paid), paid.id).status.value == "issued"
    assert reminders.due_reminders(team.shop, now=NOW) == []
    assert _run(team).emailed == 0


def test_a_partly_paid_invoice_is_reminded_of_what_is_left(db, team):
    bilal = _customer(db, team)
    _invoice(db, team, bilal, due=TODAY - timedelta(days=1), amount_minor=1000_00)
    payments.record(team.shop, bilal, by=team.owner, amount_minor=400_00, received_on=TODAY,
                    method=PaymentMethod.CASH)
    db.session.commit()
    [due] = reminders.due_reminders(team.shop, now=NOW)
    assert due.overdue_minor == 600_00


def test_customers_opted_out_or_archived_are_not_reminded(db, team):
    quiet, gone = _customer(db, team, "Quiet Customer"), _customer(db, team, "Gone Customer")
    _invoice(db, team, quiet, due=TODAY - timedelta(days=1))
    _invoice(db, team, gone, due=TODAY - timedelta(days=1))
    customers.update_customer(team.shop, quiet, by=team.owner, reminders_opted_out=True)
    customers.archive(team.shop, gone, by=team.owner)
    db.session.commit()
    assert quiet.reminders_opted_out is True
    assert reminders.due_reminders(team.shop, now=NOW) == [] and _run(team).emailed == 0


def test_no_automatic_reminder_within_a_day_of_sending_by_hand(db, team):
    bilal = _customer(db, team)
    invoice = _invoice(db, team, bilal, due=TODAY - timedelta(days=1))
    link = links.link_for_invoice(team.shop, invoice, by=team.owner, now=NOW - timedelta(hours=20))
    links.record_share(team.shop, link, channel=MessageChannel.WHATSAPP, by=team.owner, now=NOW - timedelta(hours=20))
    db.session.commit()
    assert _run(team).emailed == 0
    assert _run(team, NOW + timedelta(hours=3, minutes=59)).emailed == 0
    assert _run(team, NOW + timedelta(hours=4, minutes=1)).emailed == 1  # a day after the share


def test_the_reminder_is_in_the_customers_language(db, team):
    fatima = _customer(db, team, "فاطمہ بی بی", email="fatima@example.com", locale="ur")
    _invoice(db, team, fatima, due=TODAY - timedelta(days=1))
    _run(team)
    outbox = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "reminder_overdue"))
    assert outbox.locale == "ur" and "یاد دہانی" in outbox.subject and "السلام علیکم" in outbox.text_body
    assert 'dir="rtl"' in outbox.html_body


# Time zones: the shop's own today and its own reminder hour


def test_a_karachi_shop_at_2330_utc_is_already_on_the_next_day_but_waits_for_its_morning(db, team, make_team):
    team.shop.timezone = "Asia/Karachi"
    bilal = _customer(db, team)
    invoice = _invoice(db, team, bilal, due=date(2026, 11, 21))
    late_evening_utc = datetime(2026, 11, 21, 23, 30, tzinfo=timezone.utc)  # 04:30 on the 22nd in Karachi
    assert reminders.shop_moment(team.shop, late_evening_utc).date() == date(2026, 11, 22)
    [due] = reminders.due_reminders(team.shop, now=late_evening_utc)
    assert due.staged[0].invoice.id == invoice.id and due.staged[0].days_overdue == 1
    assert _run(team, late_evening_utc).emailed == 0  # 04:30: not a time to message a customer
    assert _run(team, datetime(2026, 11, 22, 3, 59, tzinfo=timezone.utc)).emailed == 0  # 08:59 in Karachi
    assert _run(team, datetime(2026, 11, 22, 4, 0, tzinfo=timezone.utc)).emailed == 1  # 09:00 in Karachi

    # The same books in a London shop at the same moment: still the 21st there, nothing is late yet.
    other = make_team("London Tailors")
    other.shop.timezone = "Europe/London"
    customer = _customer(db, other, "Sam Green", email="sam@example.com", phone="")
    _invoice(db, other, customer, due=date(2026, 11, 21))
    assert reminders.due_reminders(other.shop, now=late_evening_utc) == []
    assert reminders.due_reminders(other.shop, now=late_evening_utc + timedelta(hours=1))  # 00:30 on the 22nd


def test_nothing_is_overdue_until_the_shops_day_is_over(db, team):
    bilal = _customer(db, team)
    _invoice(db, team, bilal, due=date(2026, 11, 21))
    assert reminders.due_reminders(team.shop, now=datetime(2026, 11, 21, 18, 59, tzinfo=timezone.utc)) == []
    assert reminders.due_reminders(team.shop, now=datetime(2026, 11, 21, 19, 0, tzinfo=timezone.utc))


# The monthly balance reminder


def test_customers_who_owe_get_one_balance_reminder_in_the_first_week_of_the_month(db, team):
    team.shop.balance_reminders = True
    team.shop.reminder_stages = ""
    bilal = _customer(db, team)
    _invoice(db, team, bilal, due=date(2026, 12, 20), amount_minor=4000_00)  # owes, nothing late
    settled = _customer(db, team, "Settled Customer", email="settled@example.com")
    _invoice(db, team, settled, due=date(2026, 12, 20), amount_minor=100_00)
    payments.record(team.shop, settled, by=team.owner, amount_minor=100_00, received_on=TODAY,
                    method=PaymentMethod.CASH)
    db.session.commit()
    assert _run(team).emailed == 0  # the 21st: not the start of a month
    first = datetime(2026, 12, 3, 5, 0, tzinfo=timezone.utc)
    assert _run(team, first).emailed == 1 and _run(team, first + timedelta(days=1)).emailed == 0
    [message] = _messages(db)
    assert message.kind == MessageKind.REMINDER_BALANCE and message.amount_minor == 4000_00
    assert _marks(db, MarkKind.BALANCE) == {(bilal.id, "2026-12")}
    assert _run(team, datetime(2027, 1, 1, 5, 0, tzinfo=timezone.utc)).emailed == 1


def test_overdue_and_balance_reminders_due_together_are_one_message(db, team):
    team.shop.balance_reminders = True
    bilal = _customer(db, team)
    _invoice(db, team, bilal, due=date(2026, 11, 30))
    db.session.commit()
    assert _run(team, datetime(2026, 12, 1, 5, 0, tzinfo=timezone.utc)).emailed == 1
    assert len(_messages(db)) == 1
    assert _marks(db, MarkKind.BALANCE) and _marks(db, MarkKind.OVERDUE)


# Customers without email: the "to remind today" list, reminded by hand


def test_customers_without_email_wait_on_the_list_and_are_reminded_by_hand(db, team):
    hira = _customer(db, team, "Hira Shah", email="", phone="0321 5550123")
    invoice = _invoice(db, team, hira, due=TODAY - timedelta(days=1), amount_minor=700_00)
    result = _run(team)
    assert (result.emailed, result.by_hand) == (0, 1)
    assert [due.customer.id for due in reminders.due_reminders(team.shop, now=NOW)] == [hira.id]

    reminder = reminders.remind_by_hand(team.shop, hira, by=team.staff, channel=MessageChannel.WHATSAPP, now=NOW)
    db.session.commit()
    assert reminder.whatsapp.startswith("https://wa.me/923215550123?text=")
    assert reminder.url in reminder.text and "Rs" in reminder.text
    assert links.find(reminder.url.rsplit("/", 1)[1], now=NOW).link.invoice_id == invoice.id
    assert _marks(db) == {(invoice.id, "1")}
    [message] = _messages(db)
    assert (message.channel, message.automatic, message.outbox_message_id) == (MessageChannel.WHATSAPP, False, None)
    assert reminders.due_reminders(team.shop, now=NOW) == []
    with pytest.raises(DomainError):
        reminders.remind_by_hand(team.shop, hira, by=team.staff, channel=MessageChannel.WHATSAPP, now=NOW)


# Racing runs: two workers at once


def test_two_workers_running_at_once_send_each_reminder_and_summary_once(app, db, team):
    people = [_customer(db, team, f"Customer {n}", email=f"c{n}@example.com") for n in range(6)]
    for person in people:
        _invoice(db, team, person, due=TODAY - timedelta(days=1))
    shop_id = team.shop.id
    start = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            with app.app_context():
                start.wait(timeout=10)
                results.append(reminders.run_for_shop(shop_id, now=NOW))
                _db.session.commit()
                _db.session.remove()
        except Exception as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sum(result.emailed for result in results) == 6
    assert sum(result.digest for result in results) == 1
    db.session.commit()
    assert len(_messages(db)) == 6
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.kind == "reminder_overdue")) == 6
    assert len(_marks(db)) == 6


# The shop's daily summary and the notifications


def test_the_daily_summary_goes_once_to_the_owner_and_managers_with_a_notification_each(db, team):
    bilal = _customer(db, team, email="")
    due_today = jobs.create_job(team.shop, bilal, by=team.owner, title="Kurta", due_date=TODAY)
    due_tomorrow = jobs.create_job(team.shop, bilal, by=team.owner, title="Shalwar", due_date=TODAY + timedelta(days=1))
    late = jobs.create_job(team.shop, bilal, by=team.owner, title="Waistcoat", due_date=TODAY - timedelta(days=2))
    jobs.create_job(team.shop, bilal, by=team.owner, title="Someday", due_date=TODAY + timedelta(days=9))
    newly_overdue = _invoice(db, team, bilal, due=TODAY - timedelta(days=1))
    _invoice(db, team, bilal, due=TODAY - timedelta(days=5))  # overdue for days: told before
    db.session.commit()

    assert _run(team).digest is True
    notifications = list(db.session.scalars(sa.select(Notification).order_by(Notification.user_id)))
    assert {n.user_id for n in notifications} == {team.owner.id, team.manager.id}
    assert notifications[0].data == {"jobs_today": [due_today.id], "jobs_tomorrow": [due_tomorrow.id],
                                     "jobs_overdue": [late.id], "invoices_overdue": [newly_overdue.id]}
    digests = list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "shop_digest")))
    assert {m.to_address for m in digests} == {team.owner.email, team.manager.email}
    assert "Kurta" in digests[0].text_body and newly_overdue.number in digests[0].text_body
    assert reminders.unread_count(team.shop, team.owner) == 1
    counters = {role: count for role, count in db.session.execute(
        sa.select(Membership.role, Membership.unread_notifications).where(Membership.shop_id == team.shop.id))}
    assert counters == {Role.OWNER: 1, Role.MANAGER: 1, Role.STAFF: 0, Role.VIEWER: 0}

    assert _run(team, NOW + timedelta(hours=5)).digest is False
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 2

    views = reminders.notifications_for(team.shop, team.owner)
    assert [job.title for job in views[0].groups["jobs_today"].items] == ["Kurta"]
    assert reminders.mark_read(team.shop, team.owner) == 1
    db.session.commit()
    assert reminders.unread_count(team.shop, team.owner) == 0
    assert db.session.scalar(sa.select(Membership.unread_notifications).where(
        Membership.shop_id == team.shop.id, Membership.user_id == team.owner.id)) == 0


def test_the_next_summary_names_invoices_that_became_overdue_since_the_last_one(db, team):
    bilal = _customer(db, team, email="")
    _run(team)  # the 21st: nothing to say, but the day is marked
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0
    first = _invoice(db, team, bilal, due=date(2026, 11, 21))
    second = _invoice(db, team, bilal, due=date(2026, 11, 22))
    # The worker was down on the 22nd and 23rd: the summary on the 24th names both.
    _run(team, NOW + timedelta(days=3))
    [notification] = db.session.scalars(sa.select(Notification).where(Notification.user_id == team.owner.id))
    assert notification.day == date(2026, 11, 24)
    assert notification.data["invoices_overdue"] == [first.id, second.id]


def test_nothing_is_sent_before_the_shops_reminder_hour(db, team, app, monkeypatch):
    bilal = _customer(db, team)
    _invoice(db, team, bilal, due=TODAY - timedelta(days=1))
    jobs.create_job(team.shop, bilal, by=team.owner, title="Kurta", due_date=TODAY)
    db.session.commit()
    early = datetime(2026, 11, 21, 3, 59, tzinfo=timezone.utc)  # 08:59 in Karachi
    assert _run(team, early) == reminders.RunResult()
    monkeypatch.setitem(app.config, "REMINDER_HOUR", 8)
    result = _run(team, early)
    assert result.emailed == 1 and result.digest


def test_the_log_lists_what_was_sent_and_can_show_only_failures(db, team):
    bilal = _customer(db, team)
    _invoice(db, team, bilal, due=TODAY - timedelta(days=1))
    _run(team)
    log = reminders.message_log(team.shop)
    assert [m.kind for m in log.messages] == [MessageKind.REMINDER_OVERDUE]
    assert reminders.delivery(log.messages[0]) == ("held", "Not emailed")
    assert reminders.message_log(team.shop, shown="failed").messages == []
    outbox = log.messages[0].outbox_message
    outbox.status = type(outbox.status).FAILED
    db.session.commit()
    assert [m.id for m in reminders.message_log(team.shop, shown="failed").messages] == [log.messages[0].id]
    assert reminders.message_log(team.shop, shown="reminders").messages


def test_reminders_of_another_shop_are_not_this_shops(db, team, make_team):
    other = make_team("Other Shop")
    _invoice(db, other, _customer(db, other, "Theirs", email="theirs@example.com"), due=TODAY - timedelta(days=1))
    assert reminders.due_reminders(team.shop, now=NOW) == []
    assert _run(team).emailed == 0
    assert reminders.message_log(team.shop).messages == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ShareLink)) == 0


def test_the_reminders_run_every_quarter_hour_and_old_look_ups_are_purged_hourly(app):
    from shopledger.tasks import huey

    def due_at(minute):
        return {task.name for task in huey.read_periodic(datetime(2026, 11, 21, 9, minute))}

    assert all("send_reminders_periodic" in due_at(minute) for minute in (0, 15, 30, 45))
    assert "send_reminders_periodic" not in due_at(7)
    assert "purge_link_lookups_hourly" in due_at(29) and "purge_link_lookups_hourly" not in due_at(30)


def test_the_task_runs_every_shop_and_one_shops_failure_does_not_stop_the_others(db, team, make_team, monkeypatch):
    from shopledger.tasks import send_reminders_task

    other = make_team("Other Shop")
    _invoice(db, team, _customer(db, team), due=TODAY - timedelta(days=1))
    _invoice(db, other, _customer(db, other, "Their Customer", email="their@example.com"), due=TODAY - timedelta(days=1))
    broken = team.shop.id
    real = reminders.send_digest

    def digest(shop_id, *, now):
        if shop_id == broken:
            raise RuntimeError("this shop's summary fails")
        return real(shop_id, now=now)

    monkeypatch.setattr(reminders, "send_digest", digest)
    monkeypatch.setattr(reminders.clock, "now", lambda: NOW)
    outcome = send_reminders_task.call_local()
    assert broken not in outcome and outcome[other.shop.id]["emailed"] == 1
