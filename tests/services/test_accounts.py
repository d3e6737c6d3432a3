"""Accounts: passwords, sign-up, throttled logins and server-side sessions."""
from datetime import timedelta

import pytest

from shopledger.models import LoginAttempt, Membership, Role, UserSession
from shopledger.models.types import utcnow
from shopledger.services import accounts
from shopledger.services.errors import DomainError
from tests.conftest import TEST_PASSWORD


@pytest.mark.parametrize(
    "password, reason",
    [
        ("short1", "at least 8"),
        ("x" * 129, "at most 128"),
        ("password123", "too easy"),
        ("aaaaaaaaaaaa", "too easy"),
        ("ababababab", "too easy"),
        ("my-name-is-ayesha-khan", "name or email"),
    ],
)
def test_weak_or_personal_passwords_are_refused_with_a_reason(request_context, password, reason):
    problem = accounts.password_problem(password, email="ayesha@example.com", name="Ayesha Khan")
    assert problem is not None and reason in problem


def test_a_short_sentence_is_a_good_password(request_context):
    assert accounts.password_problem("stitch the blue kurta", email="a@example.com", name="Ali") is None


def test_sign_up_creates_the_user_and_a_shop_they_own(db, request_context):
    user, shop = accounts.sign_up(shop_name="  Noor Tailors ", name="Imran", email=" Imran@Example.COM ",
                                  password=TEST_PASSWORD, locale="ur")
    db.session.commit()
    assert user.email == "imran@example.com"
    assert shop.name == "Noor Tailors"
    assert shop.default_locale == "ur" and shop.currency == "PKR" and shop.timezone == "Asia/Karachi"
    membership = db.session.query(Membership).one()
    assert (membership.user_id, membership.shop_id, membership.role) == (user.id, shop.id, Role.OWNER)
    assert user.password_hash != TEST_PASSWORD and TEST_PASSWORD not in user.password_hash


def test_an_email_can_only_have_one_account_whatever_its_case(db, make_user):
    make_user(email="ali@example.com")
    with pytest.raises(DomainError) as refused:
        accounts.create_user(email="ALI@example.com", name="Ali", password=TEST_PASSWORD)
    assert refused.value.field == "email"


def test_an_invalid_email_is_refused_next_to_the_email_field(request_context, db):
    with pytest.raises(DomainError) as refused:
        accounts.create_user(email="ali at example", name="Ali", password=TEST_PASSWORD)
    assert refused.value.field == "email"


def test_the_right_password_authenticates_and_a_wrong_one_does_not(db, make_user):
    user = make_user(email="bilal@example.com")
    assert accounts.authenticate("BILAL@example.com", TEST_PASSWORD, address="10.0.0.1").user == user
    assert accounts.authenticate("bilal@example.com", "wrong password", address="10.0.0.1").user is None
    assert accounts.authenticate("nobody@example.com", TEST_PASSWORD, address="10.0.0.1").user is None


def test_an_account_is_locked_after_five_failures_even_with_the_right_password(db, make_user):
    user = make_user(email="sana@example.com")
    for _ in range(5):
        assert not accounts.authenticate(user.email, "guess", address="10.0.0.2").throttled
    result = accounts.authenticate(user.email, TEST_PASSWORD, address="10.0.0.3")
    assert result.throttled and result.user is None


def test_unknown_accounts_are_throttled_exactly_like_known_ones(db, make_user):
    make_user(email="known@example.com")
    outcomes = {}
    for email in ("known@example.com", "unknown@example.com"):
        outcomes[email] = [accounts.authenticate(email, "guess", address=f"ip-{email}").throttled for _ in range(6)]
    assert outcomes["known@example.com"] == outcomes["unknown@example.com"] == [False] * 5 + [True]


def test_one_address_guessing_many_accounts_is_throttled(db, app):
    for number in range(app.config["LOGIN_THROTTLE_PER_ADDRESS"]):
        accounts.authenticate(f"user{number}@example.com", "guess", address="203.0.113.9")
    assert accounts.authenticate("fresh@example.com", "guess", address="203.0.113.9").throttled
    assert not accounts.authenticate("fresh@example.com", "guess", address="203.0.113.10").throttled


def test_failures_older_than_the_window_no_longer_count(db, make_user, app):
    user = make_user(email="old@example.com")
    long_ago = utcnow() - timedelta(seconds=app.config["LOGIN_THROTTLE_WINDOW_SECONDS"] + 60)
    for _ in range(10):
        db.session.add(LoginAttempt(email=user.email, address="x", succeeded=False, created_at=long_ago))
    assert accounts.authenticate(user.email, TEST_PASSWORD, address="x").user == user


def test_a_successful_login_forgives_the_accounts_earlier_failures(db, make_user):
    user = make_user(email="forgive@example.com")
    for _ in range(4):
        accounts.authenticate(user.email, "guess", address="a")
    assert accounts.authenticate(user.email, TEST_PASSWORD, address="a").user == user
    for _ in range(4):
        accounts.authenticate(user.email, "guess", address="b")
    assert accounts.authenticate(user.email, TEST_PASSWORD, address="b").user == user


def test_an_ended_session_no_longer_identifies_its_user(db, make_user):
    user = make_user()
    session = accounts.start_session(user)
    db.session.commit()
    assert accounts.user_for_session_token(session.token) == user
    accounts.end_session(user)
    db.session.commit()
    assert accounts.user_for_session_token(session.token) is None
    assert accounts.user_for_session_token("") is None
    assert accounts.user_for_session_token("made-up") is None


def test_changing_the_password_ends_every_session(db, make_user):
    user = make_user()
    phone, laptop = accounts.start_session(user), accounts.start_session(user)
    db.session.commit()
    tokens = (phone.token, laptop.token)
    accounts.change_password(user, current_password=TEST_PASSWORD, new_password="a brand new sentence")
    db.session.commit()
    assert [accounts.user_for_session_token(token) for token in tokens] == [None, None]
    assert db.session.query(UserSession).filter(UserSession.revoked_at.is_(None)).count() == 0
    assert accounts.authenticate(user.email, "a brand new sentence", address="z").user == user


def test_changing_the_password_needs_the_current_one(db, make_user):
    user = make_user()
    with pytest.raises(DomainError) as refused:
        accounts.change_password(user, current_password="not it", new_password="a brand new sentence")
    assert refused.value.field == "current_password"


def test_profile_email_cannot_take_another_accounts_email(db, make_user):
    make_user(email="taken@example.com")
    user = make_user(email="mine@example.com")
    with pytest.raises(DomainError) as refused:
        accounts.update_profile(user, name="Me", email="Taken@example.com", locale="ur")
    assert refused.value.field == "email"
    accounts.update_profile(user, name="Me Again", email="new@example.com", locale="ur")
    assert (user.name, user.email, user.locale) == ("Me Again", "new@example.com", "ur")
