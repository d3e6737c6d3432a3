"""Signing up, logging in and out: messages next to fields, sessions that really end, safe redirects."""
import re

import pytest
import sqlalchemy as sa

from shopledger.models import Shop, User, UserSession
from tests.conftest import TEST_PASSWORD


def test_sign_up_makes_a_shop_logs_in_and_lands_home(client, db):
    response = client.post("/signup", data={"shop_name": "Ali Repairs", "name": "Ali", "email": "ali@example.com",
                                            "password": TEST_PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200 and "Ali Repairs" in home.get_data(as_text=True)
    assert db.session.scalar(sa.select(Shop.name)) == "Ali Repairs"


def test_bad_sign_up_answers_422_with_messages_by_the_fields_and_the_typed_values_kept(client, db, make_user):
    make_user(email="taken@example.com")
    response = client.post("/signup", data={"shop_name": "Noor Tailors", "name": "", "email": "taken@example.com",
                                            "password": "short"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="name-error"[^>]*>Enter your name\.', page)
    assert 'value="Noor Tailors"' in page and 'value="taken@example.com"' in page
    assert 'aria-invalid="true"' in page
    response = client.post("/signup", data={"shop_name": "Noor Tailors", "name": "Imran",
                                            "email": "taken@example.com", "password": TEST_PASSWORD})
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Shop)) == 0


def test_sign_up_with_a_short_password_says_so_next_to_the_password(client, db):
    response = client.post("/signup", data={"shop_name": "S", "name": "N", "email": "n@example.com",
                                            "password": "abc"})
    assert response.status_code == 422
    assert re.search(r'id="password-error"[^>]*>Use at least 8 characters', response.get_data(as_text=True))


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(client, make_user):
    make_user(email="real@example.com")
    wrong = client.post("/login", data={"email": "real@example.com", "password": "nope nope nope"})
    unknown = client.post("/login", data={"email": "ghost@example.com", "password": "nope nope nope"})
    assert wrong.status_code == unknown.status_code == 422
    message = "The email or password is not right."
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    assert 'value="real@example.com"' in wrong.get_data(as_text=True)
    assert "nope nope nope" not in wrong.get_data(as_text=True)


def test_logins_are_throttled_after_repeated_failures(client, make_user):
    make_user(email="target@example.com")
    for _ in range(5):
        client.post("/login", data={"email": "target@example.com", "password": "guess guess"})
    response = client.post("/login", data={"email": "target@example.com", "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still logged out


def test_login_starts_a_fresh_session(client, make_shop):
    owner = make_shop().memberships[0].user
    client.get("/login")
    with client.session_transaction() as before:
        before["left_over"] = "from before login"
    client.post("/login", data={"email": owner.email, "password": TEST_PASSWORD})
    with client.session_transaction() as after:
        assert "left_over" not in after
        assert after["_user_id"] != str(owner.id)  # the id names a server-side session, not the user


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/members", "/members"),
        ("https://evil.example/steal", "/"),
        ("//evil.example/steal", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_only_leads_to_our_own_paths(client, make_shop, target, expected):
    owner = make_shop().memberships[0].user
    response = client.post("/login", query_string={"next": target},
                           data={"email": owner.email, "password": TEST_PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"] == expected


def test_logout_ends_the_session_for_good_even_for_a_copied_cookie(app, client, make_shop):
    owner = make_shop().memberships[0].user
    client.post("/login", data={"email": owner.email, "password": TEST_PASSWORD, "remember": "y"})
    stolen = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    remember = client.get_cookie(app.config["REMEMBER_COOKIE_NAME"]).value
    assert client.post("/logout").status_code == 303
    assert client.get("/").status_code == 302

    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], stolen)
    thief.set_cookie(app.config["REMEMBER_COOKIE_NAME"], remember)
    response = thief.get("/more")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_remember_me_keeps_the_user_logged_in_after_the_browser_session_ends(app, client, make_shop):
    owner = make_shop().memberships[0].user
    client.post("/login", data={"email": owner.email, "password": TEST_PASSWORD, "remember": "y"})
    remember = client.get_cookie(app.config["REMEMBER_COOKIE_NAME"]).value
    reopened = app.test_client()
    reopened.set_cookie(app.config["REMEMBER_COOKIE_NAME"], remember)
    assert reopened.get("/more").status_code == 200


def test_logout_is_not_possible_with_a_get(client, make_shop, login):
    login(client, make_shop().memberships[0].user.email)
    assert client.get("/logout").status_code == 405
    assert client.get("/more").status_code == 200


def test_a_post_without_the_csrf_token_is_refused(client, make_user):
    user = make_user(email="csrf@example.com")
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD}, csrf=False)
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_an_htmx_request_carries_the_csrf_token_in_a_header(client, make_user):
    user = make_user(email="hx@example.com")
    token = client.csrf_token()
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD}, csrf=False,
                           headers={"X-CSRFToken": token, "HX-Request": "true", "HX-Boosted": "true"})
    assert response.status_code == 303


def test_sessions_are_recorded_per_browser(client, db, make_shop):
    owner = make_shop().memberships[0].user
    client.post("/login", data={"email": owner.email, "password": TEST_PASSWORD},
                headers={"User-Agent": "Phone Browser"})
    session = db.session.scalar(sa.select(UserSession).where(UserSession.user_id == owner.id))
    assert session.user_agent == "Phone Browser" and session.revoked_at is None
    assert db.session.get(User, owner.id).last_login_at is not None


def test_sign_up_shows_every_problem_at_once(client, db):
    response = client.post("/signup", data={"shop_name": "", "name": "Ali", "email": "ali at example",
                                            "password": "short"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for field in ("shop_name", "email", "password"):
        assert f'id="{field}-error"' in page, field
