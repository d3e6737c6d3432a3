"""Real huey consumer processes deliver the outbox to a real SMTP server: once each, and after a crash."""
from __future__ import annotations

import signal
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from shopledger.models import OutboxMessage, OutboxStatus
from shopledger.services import clock, mail
from shopledger.tasks import deliver_email_task, huey, sweep_outbox_task


@pytest.fixture
def consumers(mail_consumers):
    """Real huey consumer processes sending to the loopback SMTP server (tests/mail/server.py)."""
    return mail_consumers


def _queue(shop, count: int) -> list[OutboxMessage]:
    return [mail.queue_email(shop, to_address=f"customer{n}@example.com", to_name=f"Customer {n}",
                             subject=f"Invoice {n}", text=f"Invoice {n}\n", html=f"<p>Invoice {n}</p>",
                             kind="invoice", locale="en") for n in range(count)]


def _statuses(db) -> list[OutboxStatus]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage.status).order_by(OutboxMessage.id)))


def _wait_until(condition, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_two_consumers_deliver_each_message_exactly_once(db, make_shop, smtp_server, consumers, request_context):
    shop = make_shop(name="Noor Tailors")
    messages = _queue(shop, 12)
    db.session.commit()  # enqueues one delivery task per message
    for message in messages:
        deliver_email_task(message.id)  # and a duplicate of each, as a retry racing the first would be
    sweep_outbox_task()
    sweep_outbox_task()
    assert huey.pending_count() == 26

    consumers("first")
    consumers("second")
    received = smtp_server.wait_for(12, timeout=60)
    assert _wait_until(lambda: _statuses(db) == [OutboxStatus.SENT] * 12), consumers.logs()
    time.sleep(1)  # anything still running would arrive now
    ids = [message["Message-ID"] for message in smtp_server.messages]
    assert sorted(ids) == sorted(message.message_id for message in messages), consumers.logs()
    assert len(received) == 12
    assert {envelope.rcpt_tos[0] for envelope in smtp_server.envelopes} == {
        f"customer{n}@example.com" for n in range(12)}


def test_a_consumer_killed_mid_send_leaves_the_message_to_be_sent_again_with_its_message_id(
        db, make_shop, smtp_server, consumers, request_context):
    import threading

    shop = make_shop()
    [message] = _queue(shop, 1)
    smtp_server.hold = threading.Event()
    smtp_server.hold.set()  # the server takes the message and is slow to answer
    db.session.commit()
    first = consumers("first")
    assert len(smtp_server.wait_for(1, timeout=60)) == 1, consumers.logs()
    # The consumer is waiting for the server's answer to DATA: kill it there.
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    smtp_server.hold.clear()
    assert _statuses(db) == [OutboxStatus.SENDING], "nobody recorded the send"

    # The claim's lease runs out (5 minutes; here moved into the past), then any worker may take it.
    db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=clock.now() - timedelta(seconds=1)))
    db.session.commit()
    consumers("second")
    sweep_outbox_task()
    assert _wait_until(lambda: _statuses(db) == [OutboxStatus.SENT]), consumers.logs()
    copies = smtp_server.messages
    assert len(copies) == 2
    assert copies[0]["Message-ID"] == copies[1]["Message-ID"] == message.message_id, (
        "a re-delivery after a crash carries the same Message-ID, so the reader's mail program can tell")
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).attempts == 2
