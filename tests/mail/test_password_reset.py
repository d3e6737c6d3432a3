"""Forgot password: a link by email that works once, for an hour, and ends every other session."""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from shopledger.models import OutboxMessage, OutboxStatus, PasswordReset, UserSession
from shopledger.services import accounts, clock
from tests.conftest import CSRF_PATTERN, TEST_PASSWORD, log_in
from tests.mail.server import BASE_URL

NEW_PASSWORD = "a tailor's new stitch"
LINK = re.compile(re.escape(BASE_URL) + r"/password/reset/[A-Za-z0-9_-]+")


@pytest.fixture
def frozen_clock(monkeypatch):
    class Frozen:
        now = clock.now().replace(microsecond=0)

        def advance(self, **delta):
            self.now += timedelta(**delta)

    frozen = Frozen()
    monkeypatch.setattr(clock, "now", lambda: frozen.now)
    return frozen


def _ask(client, email: str, **headers):
    return client.post("/password/forgot", data={"email": email}, headers=headers)


def _link(message) -> str:
    found = LINK.findall(message.get_body(("plain",)).get_content())
    assert len(set(found)) == 1, found
    html_links = LINK.findall(message.get_body(("html",)).get_content())
    assert set(html_links) == set(found), "the HTML part carries the same link"
    return found[0]


def _path(url: str) -> str:
    return urlsplit(url).path


def _without_csrf(page: str) -> str:
    return CSRF_PATTERN.sub("", page)


def test_the_login_page_offers_a_way_back_in(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in page and "Forgot password?" in page


def test_without_email_set_up_the_page_says_so_and_asks_nothing(db, client):
    response = client.get("/password/forgot")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "cannot send email yet" in page and 'name="email"' not in page
    assert _ask(client, "someone@example.com").status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PasswordReset)) == 0


def test_a_reset_from_request_to_new_password_ends_every_other_session(app, db, client, make_user, smtp_server):
    user = make_user(email="owner@noortailors.example.com", name="Noor")
    other_phone = app.test_client()
    log_in(other_phone, user.email)
    assert other_phone.get("/account").status_code == 200

    asked = _ask(client, "Owner@NoorTailors.example.com ")
    assert asked.status_code == 200
    assert "a link to choose a new password is on its way" in asked.get_data(as_text=True)
    [message] = smtp_server.messages
    assert smtp_server.envelopes[0].rcpt_tos == [user.email]
    assert message["Subject"] == "Reset your ShopLedger password"
    link = _link(message)

    form = client.get(_path(link))
    assert form.status_code == 200
    assert form.headers["Referrer-Policy"] == "no-referrer" and form.headers["Cache-Control"] == "no-store"
    assert "owner@noortailors.example.com" in form.get_data(as_text=True)

    weak = client.post(_path(link), data={"password": "noor1234"})
    assert weak.status_code == 422 and "Do not use your name" in weak.get_data(as_text=True)
    assert accounts.find_user(user.email).password_hash == user.password_hash, "a refused password changes nothing"

    done = client.post(_path(link), data={"password": NEW_PASSWORD})
    assert done.status_code == 303 and done.headers["Location"] == "/"
    assert client.get("/account").status_code == 200, "the browser that reset it is logged in afresh"
    assert other_phone.get("/account").status_code == 302, "the other phone is logged out"
    db.session.expire_all()
    live = db.session.scalars(sa.select(UserSession).where(UserSession.user_id == user.id,
                                                           UserSession.revoked_at.is_(None))).all()
    assert len(live) == 1

    log_in(app.test_client(), user.email, NEW_PASSWORD)
    with pytest.raises(AssertionError):
        log_in(app.test_client(), user.email, TEST_PASSWORD)

    again = client.post(_path(link), data={"password": "yet another sentence"})
    assert again.status_code == 404 and "This link cannot be used" in again.get_data(as_text=True)
    assert client.get(_path(link)).status_code == 404


def test_the_answer_is_the_same_whether_or_not_the_email_has_an_account(db, client, make_user, smtp_server):
    make_user(email="known@example.com")
    known = _ask(client, "known@example.com")
    unknown = _ask(client, "unknown@example.com")
    assert known.status_code == unknown.status_code == 200
    assert (_without_csrf(known.get_data(as_text=True)).replace("known@", "@")
            == _without_csrf(unknown.get_data(as_text=True)).replace("unknown@", "@"))
    assert [m["To"].addresses[0].addr_spec for m in smtp_server.messages] == ["known@example.com"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PasswordReset)) == 2


def test_the_link_expires_after_an_hour(client, make_user, smtp_server, frozen_clock):
    make_user(email="late@example.com")
    _ask(client, "late@example.com")
    link = _link(smtp_server.messages[0])
    frozen_clock.advance(minutes=59)
    assert client.get(_path(link)).status_code == 200
    frozen_clock.advance(minutes=1)
    assert client.get(_path(link)).status_code == 404
    assert client.post(_path(link), data={"password": NEW_PASSWORD}).status_code == 404


def test_a_link_dies_when_the_password_changes_or_another_link_is_used(db, client, make_user, smtp_server):
    user = make_user(email="twice@example.com")
    _ask(client, user.email)
    _ask(client, user.email)
    first, second = (_link(message) for message in smtp_server.messages)
    assert first != second
    assert client.post(_path(second), data={"password": NEW_PASSWORD}).status_code == 303
    assert client.get(_path(first)).status_code == 404, "using one link closes the others"

    _ask(app_client := client.application.test_client(), user.email)
    third = _link(smtp_server.messages[2])
    user = accounts.find_user(user.email)
    accounts.change_password(user, current_password=NEW_PASSWORD, new_password="changed it myself today")
    db.session.commit()
    assert app_client.get(_path(third)).status_code == 404, "a link asked for before a password change is dead"


def test_an_altered_or_made_up_token_finds_nothing(client, make_user, smtp_server):
    make_user(email="guess@example.com")
    _ask(client, "guess@example.com")
    link = _link(smtp_server.messages[0])
    altered = link[:-1] + ("A" if link[-1] != "A" else "B")
    for path in (_path(altered), "/password/reset/" + "x" * 43, "/password/reset/" + "y" * 500):
        assert client.get(path).status_code == 404
        assert client.post(path, data={"password": NEW_PASSWORD}).status_code == 404


def test_requests_are_throttled_by_email_and_by_address(app, client, make_user, smtp_server, monkeypatch):
    make_user(email="busy@example.com")
    for _ in range(3):
        assert _ask(client, "busy@example.com").status_code == 200
    refused = _ask(client, "busy@example.com")
    assert refused.status_code == 429 and "Wait an hour" in refused.get_data(as_text=True)
    assert _ask(client, "BUSY@example.com").status_code == 429, "the same email, written differently"
    assert _ask(client, "nobody@example.com").status_code == 200, "another email from here is fine"
    assert len(smtp_server.envelopes) == 3

    # Four requests from this address were answered (refused ones leave no trace to count).
    monkeypatch.setitem(app.config, "PASSWORD_RESET_PER_ADDRESS", 4)
    assert _ask(client, "third@example.com").status_code == 429
    elsewhere = app.test_client()
    response = elsewhere.post("/password/forgot", data={"email": "third@example.com"},
                              environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert response.status_code == 200


def test_the_email_is_in_the_users_language_and_its_links_ignore_the_host_header(app, client, make_user,
                                                                               smtp_server, monkeypatch):
    make_user(email="urdu@example.com", name="عائشہ", locale="ur")
    # The session cookie belongs to the real host: this forged request comes without one (nor CSRF).
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    response = client.post("/password/forgot", data={"email": "urdu@example.com"}, csrf=False,
                           headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"})
    assert response.status_code == 200
    [message] = smtp_server.messages
    assert message["Subject"] == "اپنا ShopLedger پاس ورڈ نیا بنائیں"
    text = message.get_body(("plain",)).get_content()
    assert "السلام علیکم عائشہ" in text and "evil.example" not in message.as_string()
    assert _link(message).startswith(BASE_URL + "/password/reset/")
    html = message.get_body(("html",)).get_content()
    assert '<html lang="ur" dir="rtl">' in html


def test_a_reset_email_is_held_in_no_shops_outbox(db, client, make_user, make_shop, smtp_server):
    shop = make_shop()
    _ask(client, shop.memberships[0].user.email)
    message = db.session.scalar(sa.select(OutboxMessage))
    assert message.shop_id is None and message.kind == "password_reset" and message.status == OutboxStatus.SENT
    assert message.related_type == "user"


def test_an_account_without_a_language_gets_the_email_in_the_language_of_the_form(client, make_user,
                                                                                  smtp_server):
    make_user(email="nolang@example.com", locale=None)
    client.set_cookie("shopledger_lang", "ur")
    _ask(client, "nolang@example.com")
    [message] = smtp_server.messages
    assert message["Subject"] == "اپنا ShopLedger پاس ورڈ نیا بنائیں" and message["Content-Language"] == "ur"
