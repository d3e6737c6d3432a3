"""Several shops per user; the user's own details and password."""
import sqlalchemy as sa

from shopledger.models import Membership, User
from tests.conftest import TEST_PASSWORD, log_in


def test_a_user_makes_a_second_shop_and_switches_between_them(client, db, make_shop, login):
    first = make_shop(name="Main Branch")
    owner = first.memberships[0].user
    login(client, owner.email)
    response = client.post("/shops/new", data={"shop_name": "Second Branch"})
    assert response.status_code == 303
    assert "Second Branch" in client.get("/").get_data(as_text=True)
    listing = client.get("/shops").get_data(as_text=True)
    assert "Main Branch" in listing and "Second Branch" in listing
    assert client.post(f"/shops/{first.id}/switch").status_code == 303
    assert "Main Branch" in client.get("/").get_data(as_text=True)
    assert db.session.get(User, owner.id).last_shop_id == first.id


def test_switching_to_a_shop_you_are_not_in_is_404(client, make_shop, login):
    mine, theirs = make_shop(name="Mine"), make_shop(name="Theirs")
    login(client, mine.memberships[0].user.email)
    assert client.post(f"/shops/{theirs.id}/switch").status_code == 404
    assert client.post("/shops/999999/switch").status_code == 404
    assert "Mine" in client.get("/").get_data(as_text=True)


def test_a_new_shop_needs_a_name(client, make_shop, login):
    login(client, make_shop().memberships[0].user.email)
    response = client.post("/shops/new", data={"shop_name": "  "})
    assert response.status_code == 422 and "Enter the shop" in response.get_data(as_text=True)


def test_a_user_without_any_shop_is_sent_to_make_one(client, make_user, login):
    user = make_user()
    login(client, user.email)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/shops/new"
    assert client.get("/more").headers["Location"] == "/shops/new"


def test_profile_changes_are_saved_and_a_bad_email_keeps_what_was_typed(client, db, make_shop, login):
    owner = make_shop().memberships[0].user
    login(client, owner.email)
    bad = client.post("/account", data={"name": "Typed Name", "email": "broken@", "locale": "ur"})
    assert bad.status_code == 422 and 'value="Typed Name"' in bad.get_data(as_text=True)
    good = client.post("/account", data={"name": "Imran Q", "email": "imran@example.com", "locale": "ur"})
    assert good.status_code == 303
    user = db.session.get(User, owner.id)
    assert (user.name, user.email, user.locale) == ("Imran Q", "imran@example.com", "ur")


def test_changing_the_password_logs_out_other_browsers_but_not_this_one(app, client, make_shop, login):
    owner = make_shop().memberships[0].user
    other_phone = app.test_client()
    login(other_phone, owner.email)
    login(client, owner.email)
    response = client.post("/account/password", data={"current_password": TEST_PASSWORD,
                                                      "new_password": "a new and long sentence"})
    assert response.status_code == 303
    assert client.get("/more").status_code == 200
    assert other_phone.get("/more").status_code == 302
    fresh = app.test_client()
    log_in(fresh, owner.email, "a new and long sentence")


def test_a_wrong_current_password_is_said_next_to_it(client, make_shop, login):
    login(client, make_shop().memberships[0].user.email)
    response = client.post("/account/password", data={"current_password": "not mine at all",
                                                      "new_password": "a new and long sentence"})
    assert response.status_code == 422
    assert 'id="current_password-error"' in response.get_data(as_text=True)


def test_memberships_are_unique_per_shop_and_user(db, make_shop):
    shop = make_shop()
    owner = shop.memberships[0].user
    db.session.add(Membership(shop_id=shop.id, user_id=owner.id, role=shop.memberships[0].role))
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
    else:
        raise AssertionError("a second membership of the same user in the same shop was accepted")
