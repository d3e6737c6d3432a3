"""Real huey consumers run the reminders against the same database and a real SMTP server: two at once send each
reminder once, and one killed with SIGKILL in the middle of a run, then restarted, neither loses nor repeats one."""
from __future__ import annotations

import signal
import time
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shopledger.models import CustomerMessage, MarkKind, OutboxMessage, ReminderMark
from shopledger.services import clock, customers, invoices
from shopledger.services.invoices import LineDraft, PaymentTerms
from shopledger.tasks import send_reminders_task


@pytest.fixture
def consumers(mail_consumers):
    """Real huey consumer processes sending to the loopback SMTP server; reminders at any hour."""
    def start(name: str, workers: int = 2):
        return mail_consumers(name, workers=workers, reminder_hour=0)

    start.logs = mail_consumers.logs
    return start


@pytest.fixture
def overdue_customers(db, make_team, request_context):
    """A shop whose customers each have an invoice that fell due yesterday, by the shop's own calendar."""
    def make(count: int):
        team = make_team("Noor Tailors")
        yesterday = clock.shop_today(team.shop) - timedelta(days=1)
        made = []
        for number in range(count):
            customer = customers.create_customer(team.shop, by=team.owner, name=f"Customer {number}",
                                                 email=f"customer{number}@example.com")
            invoice = invoices.create_draft(team.shop, customer, by=team.owner, issue_date=yesterday - timedelta(days=5),
                                            terms=PaymentTerms.CUSTOM, due_date=yesterday,
                                            lines=[LineDraft("Stitching", Decimal(1), 1000_00 + number)])
            invoices.issue(team.shop, invoice, by=team.owner)
            made.append(customer)
        db.session.commit()
        return team, made

    return make


def _count(db, model, *where) -> int:
    db.session.commit()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _reminder_recipients(smtp_server) -> list[str]:
    return sorted(envelope.rcpt_tos[0] for envelope in smtp_server.envelopes
                  if envelope.rcpt_tos[0].startswith("customer"))


def _wait_until(condition, timeout: float = 120) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_two_consumers_running_the_schedule_at_once_send_each_reminder_once(
        db, overdue_customers, smtp_server, consumers):
    team, people = overdue_customers(15)
    consumers("first")
    consumers("second")
    results = [send_reminders_task() for _ in range(4)]  # the schedule, four times over, on two consumers
    outcomes = [result.get(blocking=True, timeout=180) for result in results]
    assert all(outcome is not None for outcome in outcomes), consumers.logs()
    assert sum(outcome[team.shop.id]["emailed"] for outcome in outcomes) == 15
    assert _count(db, ReminderMark, ReminderMark.kind == MarkKind.OVERDUE) == 15
    assert _count(db, CustomerMessage) == 15
    assert _count(db, OutboxMessage, OutboxMessage.kind == "reminder_overdue") == 15
    assert _count(db, OutboxMessage, OutboxMessage.kind == "shop_digest") == 2  # the owner's and the manager's
    expected = sorted(f"customer{number}@example.com" for number in range(15))
    assert _wait_until(lambda: _reminder_recipients(smtp_server) == expected), consumers.logs()
    time.sleep(1)  # anything sent twice would arrive now
    assert _reminder_recipients(smtp_server) == expected


def _hold_reminder_marks(db):
    """Take the lock a reminder needs to write its marks, from another connection: the worker waits at its next one."""
    connection = db.engine.connect()
    if connection.dialect.name == "postgresql":
        transaction = connection.begin()
        connection.execute(sa.text("LOCK TABLE reminder_marks IN SHARE ROW EXCLUSIVE MODE"))
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        transaction = None

    def release():
        if transaction is not None:
            transaction.rollback()
        else:
            connection.exec_driver_sql("ROLLBACK")
        connection.close()

    return release


def test_a_consumer_killed_mid_run_and_restarted_sends_every_reminder_exactly_once(
        db, overdue_customers, smtp_server, consumers):
    team, people = overdue_customers(40)
    marks = lambda: _count(db, ReminderMark, ReminderMark.kind == MarkKind.OVERDUE)  # noqa: E731
    first = consumers("first", workers=1)
    send_reminders_task()
    assert _wait_until(lambda: marks() >= 5, timeout=120), consumers.logs()
    release = _hold_reminder_marks(db)
    try:
        time.sleep(0.5)  # the worker is now waiting to write the next customer's marks
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        release()
    done_before_the_kill = marks()
    assert 5 <= done_before_the_kill < 40, "the consumer was not killed in the middle of the run"
    # What was committed went out whole: each customer with a mark has exactly one message and one email queued.
    assert _count(db, CustomerMessage) == done_before_the_kill
    assert _count(db, OutboxMessage, OutboxMessage.kind == "reminder_overdue") == done_before_the_kill

    consumers("second")
    outcome = send_reminders_task().get(blocking=True, timeout=180)
    assert outcome is not None, consumers.logs()
    assert marks() == 40
    assert _count(db, CustomerMessage) == 40
    assert _count(db, OutboxMessage, OutboxMessage.kind == "reminder_overdue") == 40
    per_customer = db.session.execute(
        sa.select(CustomerMessage.customer_id, sa.func.count()).group_by(CustomerMessage.customer_id)).all()
    assert sorted(count for _customer_id, count in per_customer) == [1] * 40
    expected = sorted(f"customer{number}@example.com" for number in range(40))
    assert _wait_until(lambda: _reminder_recipients(smtp_server) == expected), consumers.logs()
    time.sleep(1)
    assert _reminder_recipients(smtp_server) == expected
    # And the schedule running again later finds nothing more to send.
    assert send_reminders_task().get(blocking=True, timeout=120)[team.shop.id]["emailed"] == 0
