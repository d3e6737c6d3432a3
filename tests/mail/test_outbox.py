"""The outbox: written with the action, delivered after the commit, retried, swept, claimed once."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from shopledger import tasks
from shopledger.models import OutboxMessage, OutboxStatus
from shopledger.services import clock, mail
from shopledger.services.errors import DomainError
from shopledger.tasks import deliver_email_task, enqueue_after_commit, huey, sweep_outbox_task
from tests.mail.server import BASE_URL, MAIL_FROM, free_port

CALLS: list[tuple] = []


@huey.task()
def note_call(*args):
    """A task that only records that it ran (immediate mode runs it in this process)."""
    CALLS.append(args)


@pytest.fixture(autouse=True)
def _no_calls():
    CALLS.clear()
    yield
    CALLS.clear()


@pytest.fixture
def frozen_clock(monkeypatch):
    """clock.now() returns `.now`, which a test moves forward."""

    class Frozen:
        now = clock.now().replace(microsecond=0)

        def advance(self, **delta):
            self.now += timedelta(**delta)

    frozen = Frozen()
    monkeypatch.setattr(clock, "now", lambda: frozen.now)
    return frozen


def _queue(shop, *, to="customer@example.com", name="Bilal Ahmed", subject="Your invoice INV-2026-0001",
           kind="invoice", locale="en", **extra):
    return mail.queue_email(shop, to_address=to, to_name=name, subject=subject,
                            text="Hello Bilal,\nYour invoice: https://books.shopledger.test/i/abc\n",
                            html="<p>Hello Bilal,</p>", kind=kind, locale=locale, **extra)


def _reload(db, message_id) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


# --- enqueue_after_commit --------------------------------------------------------------------------


def test_a_task_is_enqueued_only_when_its_transaction_commits(db):
    enqueue_after_commit(note_call, 1)
    assert CALLS == []
    db.session.commit()
    assert CALLS == [(1,)]
    db.session.commit()
    assert CALLS == [(1,)], "a later commit must not enqueue the same task again"


def test_a_rolled_back_transaction_enqueues_nothing(db, make_shop):
    shop = make_shop()
    enqueue_after_commit(note_call, 2)
    shop.name = "Changed"
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert CALLS == []


def test_a_savepoint_does_not_enqueue_before_the_outer_commit(db, make_shop):
    shop = make_shop()
    shop.name = "Outer"
    db.session.flush()
    with db.session.begin_nested():
        enqueue_after_commit(note_call, 3)
        shop.phone = "+923001234567"
    assert CALLS == [], "releasing a savepoint is not a commit"
    db.session.commit()
    assert CALLS == [(3,)]


def test_a_failing_enqueue_does_not_undo_the_commit(db, make_shop, monkeypatch, caplog):
    shop = make_shop()

    def broken(*args):
        raise ConnectionError("redis is down")

    enqueue_after_commit(broken, 4)
    shop.name = "Kept"
    db.session.commit()
    db.session.expire_all()
    assert shop.name == "Kept"
    assert "could not enqueue broken" in caplog.text


# --- queueing and delivering -----------------------------------------------------------------------


def test_without_smtp_a_message_is_held_and_nothing_is_queued(db, make_shop, request_context):
    shop = make_shop(name="Noor Tailors")
    message = _queue(shop)
    db.session.commit()
    assert message.status == OutboxStatus.HELD
    assert huey.pending_count() == 0 and huey.scheduled_count() == 0
    assert mail.due_message_ids() == [], "the sweep leaves held messages alone"
    assert mail.waiting_count(shop) == 1


def test_a_message_is_delivered_after_the_commit_with_the_shop_as_sender(db, make_shop, smtp_server,
                                                                         request_context):
    shop = make_shop(name="Noor Tailors")
    owner_email = shop.memberships[0].user.email
    message = _queue(shop)
    assert smtp_server.envelopes == [], "nothing goes out before the commit"
    db.session.commit()

    [envelope] = smtp_server.envelopes
    assert envelope.mail_from == MAIL_FROM and envelope.rcpt_tos == ["customer@example.com"]
    [received] = smtp_server.messages
    assert received["From"].addresses[0].display_name == "Noor Tailors"
    assert received["From"].addresses[0].addr_spec == MAIL_FROM
    assert received["Reply-To"].addresses[0].addr_spec == owner_email
    assert str(received["To"]) == "Bilal Ahmed <customer@example.com>"
    assert received["Message-ID"] == message.message_id
    assert received["Subject"] == "Your invoice INV-2026-0001"
    assert received.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in received.iter_parts()] == ["text/plain", "text/html"]
    assert received.get_body(("plain",)).get_content().startswith("Hello Bilal,")
    stored = _reload(db, message.id)
    assert stored.status == OutboxStatus.SENT and stored.sent_at is not None and stored.attempts == 1


def test_a_message_whose_action_rolls_back_is_neither_kept_nor_sent(db, make_shop, smtp_server, request_context):
    shop = make_shop()
    _queue(shop)
    db.session.rollback()
    db.session.commit()
    assert smtp_server.envelopes == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_a_refused_connection_is_retried_later_with_a_growing_wait(app, db, make_shop, smtp_server, frozen_clock,
                                                                   monkeypatch, request_context):
    shop = make_shop()
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())  # nobody listens there
    huey.flush()
    message = _queue(shop)
    db.session.commit()

    stored = _reload(db, message.id)
    assert stored.status == OutboxStatus.PENDING and stored.attempts == 1
    assert "ConnectionRefusedError" in stored.last_error
    assert stored.next_attempt_at == frozen_clock.now + timedelta(seconds=60)
    # The task asked huey to try again once the wait is over.
    [retry] = huey.scheduled()
    assert retry.name == "deliver_email_task" and retry.args == (message.id,)

    frozen_clock.advance(seconds=30)
    assert sweep_outbox_task.call_local() == {}, "not due yet: the sweep leaves it"
    frozen_clock.advance(seconds=31)
    assert sweep_outbox_task.call_local() == {"retry": 1}
    stored = _reload(db, message.id)
    assert stored.attempts == 2 and stored.next_attempt_at == frozen_clock.now + timedelta(seconds=120)

    monkeypatch.setitem(app.config, "SMTP_PORT", smtp_server.port)  # the server is back
    frozen_clock.advance(seconds=120)
    assert sweep_outbox_task.call_local() == {"sent": 1}
    assert len(smtp_server.envelopes) == 1
    assert _reload(db, message.id).status == OutboxStatus.SENT
    huey.flush()


def test_the_wait_doubles_up_to_six_hours_and_a_message_is_given_up_after_a_day(app, db, make_shop, smtp_server,
                                                                                frozen_clock, monkeypatch,
                                                                                request_context):
    assert [mail.retry_delay(n).total_seconds() for n in (1, 2, 3, 9, 10, 11)] == [
        60, 120, 240, 15360, 21600, 21600]
    shop = make_shop()
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())
    message = _queue(shop)
    db.session.commit()
    waited = timedelta()
    for _attempt in range(mail.MAX_ATTEMPTS - 1):
        stored = _reload(db, message.id)
        assert stored.status == OutboxStatus.PENDING
        waited += stored.next_attempt_at - frozen_clock.now
        frozen_clock.now = stored.next_attempt_at
        sweep_outbox_task.call_local()
    stored = _reload(db, message.id)
    assert stored.status == OutboxStatus.FAILED and stored.attempts == mail.MAX_ATTEMPTS
    assert timedelta(hours=18) < waited < timedelta(hours=26)
    huey.flush()


def test_a_recipient_the_server_refuses_for_good_fails_at_once(db, make_shop, smtp_server, request_context):
    shop = make_shop()
    smtp_server.refused.add("gone@example.com")
    message = _queue(shop, to="gone@example.com")
    db.session.commit()
    stored = _reload(db, message.id)
    assert stored.status == OutboxStatus.FAILED and stored.attempts == 1
    assert stored.last_error.startswith("550")
    assert smtp_server.envelopes == []
    assert mail.due_message_ids() == []


def test_the_sweep_delivers_a_message_whose_task_was_lost(db, make_shop, smtp_server, request_context):
    shop = make_shop()
    huey.immediate = False
    try:
        huey.flush()
        message = _queue(shop)
        db.session.commit()
        assert huey.pending_count() == 1
        huey.flush()  # the queue is lost (a crashed Redis, a wiped huey.db)
    finally:
        huey.immediate = True
    assert smtp_server.envelopes == []
    assert sweep_outbox_task.call_local() == {"sent": 1}
    assert [m["Message-ID"] for m in smtp_server.messages] == [message.message_id]


def test_a_message_is_sent_once_however_often_the_sweep_and_its_task_run(db, make_shop, smtp_server,
                                                                         request_context):
    shop = make_shop()
    message = _queue(shop)
    db.session.commit()
    assert sweep_outbox_task.call_local() == {}
    assert sweep_outbox_task.call_local() == {}
    assert deliver_email_task.call_local(message.id) == "skipped"
    assert len(smtp_server.envelopes) == 1


def test_two_workers_claiming_the_same_messages_at_once_send_each_once(app, db, make_shop, smtp_server,
                                                                       request_context):
    shop = make_shop()
    huey.immediate = False
    try:
        ids = [_queue(shop, to=f"customer{n}@example.com").id for n in range(8)]
        db.session.commit()
        huey.flush()
    finally:
        huey.immediate = True
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def worker():
        with app.app_context():
            start.wait()
            for message_id in ids:
                outcomes.append(tasks.deliver_outbox_message(message_id))
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["sent"] * 8 + ["skipped"] * 8
    received = [m["Message-ID"] for m in smtp_server.messages]
    assert len(received) == 8 and len(set(received)) == 8


def test_only_one_of_two_simultaneous_claims_wins(app, db, make_shop, smtp_server, request_context):
    shop = make_shop()
    huey.immediate = False
    try:
        message_id = _queue(shop).id
        db.session.commit()
        huey.flush()
    finally:
        huey.immediate = True
    start = threading.Barrier(2)
    claims = []

    def claimer():
        with app.app_context():
            start.wait()
            claims.append(mail.claim(message_id))
            db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=claimer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len([claim for claim in claims if claim is not None]) == 1
    assert _reload(db, message_id).status == OutboxStatus.SENDING


def test_a_send_a_killed_worker_left_is_taken_again_after_its_lease_with_the_same_message_id(
        db, make_shop, smtp_server, frozen_clock, request_context):
    shop = make_shop()
    huey.immediate = False
    try:
        message = _queue(shop)
        db.session.commit()
        huey.flush()
    finally:
        huey.immediate = True
    stale = mail.claim(message.id)  # the worker claimed it, then died before it could record anything
    db.session.commit()
    assert sweep_outbox_task.call_local() == {}, "another worker's claim is respected while it lasts"
    frozen_clock.advance(minutes=5, seconds=1)
    assert sweep_outbox_task.call_local() == {"sent": 1}
    # The dead worker's late word changes nothing: its claim was taken over.
    assert mail.record_outcome(stale, ConnectionResetError("gone")) == "superseded"
    stored = _reload(db, message.id)
    assert stored.status == OutboxStatus.SENT and stored.attempts == 2
    assert [m["Message-ID"] for m in smtp_server.messages] == [message.message_id]


# --- headers and language -------------------------------------------------------------------------


def test_a_name_with_a_line_break_stays_one_recipient(db, make_shop, smtp_server, request_context):
    shop = make_shop(name="Noor\r\nBcc: owner-of-shop@example.com")
    _queue(shop, name="Bilal\r\nBcc: victim@example.com\r\nX-Injected: yes",
           subject="Invoice\nBcc: other@example.com")
    db.session.commit()
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["customer@example.com"]
    [received] = smtp_server.messages
    assert received["Bcc"] is None and received["X-Injected"] is None
    assert [a.addr_spec for a in received["To"].addresses] == ["customer@example.com"]
    assert received["To"].addresses[0].display_name == "Bilal Bcc: victim@example.com X-Injected: yes"
    assert received["Subject"] == "Invoice Bcc: other@example.com"
    assert received["From"].addresses[0].display_name == "Noor Bcc: owner-of-shop@example.com"


@pytest.mark.parametrize("address", ["customer@example.com\r\nBcc: x@example.com", "not an address",
                                     "a@b@example.com", ""])
def test_an_address_that_is_not_one_is_refused(db, make_shop, address, request_context):
    shop = make_shop()
    with pytest.raises(DomainError):
        _queue(shop, to=address)


def test_a_message_is_rendered_in_the_readers_language(app, db, smtp_server, make_user, request_context):
    context = {"user_name": "علی", "reset_url": "https://books.shopledger.test/password/reset/x",
               "lifetime_minutes": 60}
    subject, text, html = mail.render_email("password_reset", "ur", **context)
    assert subject == "اپنا ShopLedger پاس ورڈ نیا بنائیں"
    assert '<html lang="ur" dir="rtl">' in html and 'lang="ur" dir="rtl"' in html.split("<body", 1)[1]
    assert "علی" in text and context["reset_url"] in text
    english = mail.render_email("password_reset", "en", **context)
    assert english[0] == "Reset your ShopLedger password"
    assert '<html lang="en" dir="ltr">' in english[2]

    message = mail.queue_email(None, to_address="ali@example.com", to_name="علی", subject=subject, text=text,
                               html=html, kind="password_reset", locale="ur")
    db.session.commit()
    [received] = smtp_server.messages
    assert received["Subject"] == subject and received["Content-Language"] == "ur"
    assert received["To"].addresses[0].display_name == "علی"
    assert received["From"].addresses[0].display_name == "ShopLedger" and received["Reply-To"] is None
    assert received["Auto-Submitted"] == "auto-generated"
    assert 'dir="rtl"' in received.get_body(("html",)).get_content()
    assert message.shop_id is None


def test_links_are_built_from_the_base_url_and_never_from_the_request(app, smtp_server):
    with app.test_request_context("/", headers={"Host": "evil.example"}):
        assert mail.absolute_url("auth.login") == f"{BASE_URL}/login"
        assert mail.absolute_url("auth.reset_password", token="a b") == f"{BASE_URL}/password/reset/a%20b"
    with app.app_context():  # a worker has no request at all
        assert mail.absolute_url("auth.login", _anchor="x") == f"{BASE_URL}/login#x"


def test_a_base_url_with_a_path_keeps_it(app, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://example.com/books")
    with app.app_context():
        assert mail.absolute_url("auth.login") == "https://example.com/books/login"


def test_the_sharing_text_carries_the_link_and_the_customers_phone(db, make_shop, request_context, app):
    from shopledger.services import customers

    shop = make_shop()
    customer = customers.create_customer(shop, by=shop.memberships[0].user, name="Bilal",
                                         phone="0300 1234567", email="bilal@example.com")
    db.session.commit()
    message = _queue(shop, to="bilal@example.com", related_type="customer", related_id=customer.id)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(app.config, "BASE_URL", BASE_URL)
        share = mail.sharing(message)
    assert share.link == f"{BASE_URL}/i/abc"
    assert share.phone == "+923001234567"
    assert share.whatsapp_url.startswith("https://wa.me/923001234567?text=Hello%20Bilal%2C%0AYour%20invoice")
    assert share.sms_url.startswith("sms:+923001234567?&body=Hello%20Bilal")
    # Found by email when the message is about nothing in particular.
    assert mail.sharing(_queue(shop, to="BILAL@example.com")).phone == "+923001234567"
    assert mail.sharing(_queue(shop, to="nobody@example.com")).whatsapp_url.startswith("https://wa.me/?text=")


# --- TLS and login -----------------------------------------------------------------------------------


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_a_message_goes_over_tls_with_a_login(db, make_shop, tls_smtp_server, security, request_context):
    server = tls_smtp_server(security)
    message = _queue(make_shop())
    db.session.commit()
    assert [m["Message-ID"] for m in server.messages] == [message.message_id]
    assert _reload(db, message.id).status == OutboxStatus.SENT


def test_a_server_whose_certificate_is_not_trusted_gets_nothing(db, make_shop, tls_smtp_server, request_context):
    server = tls_smtp_server("starttls", trusted=False)
    message = _queue(make_shop())
    db.session.commit()
    stored = _reload(db, message.id)
    assert stored.status == OutboxStatus.PENDING and "CERTIFICATE_VERIFY_FAILED" in stored.last_error
    assert server.envelopes == []
    huey.flush()


def test_a_wrong_password_is_retried_not_given_up(app, db, make_shop, tls_smtp_server, monkeypatch,
                                                  request_context):
    server = tls_smtp_server("starttls")
    monkeypatch.setitem(app.config, "SMTP_PASSWORD", "wrong")
    message = _queue(make_shop())
    db.session.commit()
    stored = _reload(db, message.id)
    assert stored.status == OutboxStatus.PENDING and stored.last_error.startswith("535")
    assert server.envelopes == []
    huey.flush()
