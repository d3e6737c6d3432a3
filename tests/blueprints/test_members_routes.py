"""The members page: invitations by link, roles changed in place and effective at once."""
import re

import sqlalchemy as sa

from shopledger.models import Invitation, Membership, Role
from tests.conftest import TEST_PASSWORD


def membership_of(db, user, shop):
    return db.session.scalar(sa.select(Membership).where(Membership.user_id == user.id, Membership.shop_id == shop.id))


def test_the_owner_makes_an_invitation_link_shown_once_in_the_fragment(client, db, make_team, login):
    team = make_team("Noor")
    login(client, team.owner.email)
    response = client.post("/members/invitations", data={"name": "Bilal", "role": "staff"},
                           headers={"HX-Request": "true"})
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200
    assert fragment.lstrip().startswith('<section class="card" id="invite"')
    link = re.search(r'value="(http://localhost/invite/[^"]+)"', fragment).group(1)
    assert "wa.me" in fragment
    assert db.session.scalar(sa.select(Invitation.name)) == "Bilal"
    assert link not in client.get("/members").get_data(as_text=True)


def test_an_invitation_without_a_name_answers_422_with_the_message_by_the_field(client, make_team, login):
    login(client, make_team("Noor").owner.email)
    response = client.post("/members/invitations", data={"name": "", "role": "manager"},
                           headers={"HX-Request": "true"})
    fragment = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="name-error"' in fragment and "Enter the name" in fragment
    assert '<option selected value="manager">' in fragment or 'value="manager" selected' in fragment


def test_an_invented_role_is_refused(client, make_team, login):
    login(client, make_team("Noor").owner.email)
    response = client.post("/members/invitations", data={"name": "X", "role": "emperor"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 422 and "Choose a role" in response.get_data(as_text=True)


def test_a_visitor_opens_the_link_creates_an_account_and_joins(app, client, db, make_team, login):
    team = make_team("Noor")
    login(client, team.owner.email)
    fragment = client.post("/members/invitations", data={"name": "Sana", "role": "viewer"},
                           headers={"HX-Request": "true"}).get_data(as_text=True)
    path = re.search(r'value="http://localhost(/invite/[^"]+)"', fragment).group(1)

    visitor = app.test_client()
    page = visitor.get(path)
    assert page.status_code == 200 and "Join Noor" in page.get_data(as_text=True)
    bad = visitor.post(path, data={"name": "Sana", "email": "not-an-email", "password": TEST_PASSWORD})
    assert bad.status_code == 422 and 'value="Sana"' in bad.get_data(as_text=True)
    joined = visitor.post(path, data={"name": "Sana", "email": "sana@example.com", "password": TEST_PASSWORD})
    assert joined.status_code == 303
    assert "Noor" in visitor.get("/").get_data(as_text=True)
    assert visitor.get(path).status_code == 404  # single use


def test_a_logged_in_user_of_another_shop_joins_with_one_tap(app, client, db, make_team, make_shop, login):
    team = make_team("Noor")
    elsewhere = make_shop(name="Elsewhere").memberships[0].user
    login(client, team.owner.email)
    fragment = client.post("/members/invitations", data={"name": "Partner", "role": "manager"},
                           headers={"HX-Request": "true"}).get_data(as_text=True)
    path = re.search(r'value="http://localhost(/invite/[^"]+)"', fragment).group(1)
    other = app.test_client()
    login(other, elsewhere.email)
    assert other.post(path, data={}).status_code == 303
    assert membership_of(db, elsewhere, team.shop).role == Role.MANAGER
    assert "Noor" in other.get("/").get_data(as_text=True)  # switched to the shop just joined


def test_a_role_change_is_effective_at_once_for_a_live_session(app, client, db, make_team, login):
    team = make_team("Noor")
    manager_browser = app.test_client()
    login(manager_browser, team.manager.email)
    assert manager_browser.get("/members").status_code == 200

    login(client, team.owner.email)
    membership = membership_of(db, team.manager, team.shop)
    response = client.post(f"/members/{membership.id}/role", data={"role": "viewer"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "member-changed" in response.headers["HX-Trigger"]
    assert response.get_data(as_text=True).lstrip().startswith(f'<div class="member" id="member-{membership.id}"')

    assert manager_browser.get("/members").status_code == 403


def test_revoking_a_member_locks_them_out_of_the_shop_at_once(app, client, db, make_team, login):
    team = make_team("Noor")
    staff_browser = app.test_client()
    login(staff_browser, team.staff.email)
    assert "Noor" in staff_browser.get("/").get_data(as_text=True)

    login(client, team.owner.email)
    membership = membership_of(db, team.staff, team.shop)
    assert client.post(f"/members/{membership.id}/revoke").status_code == 303
    response = staff_browser.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/shops/new"
    assert "Noor" not in staff_browser.get("/shops").get_data(as_text=True)


def test_the_last_owner_cannot_demote_themselves_and_sees_why(client, db, make_team, login):
    team = make_team("Noor")
    login(client, team.owner.email)
    membership = membership_of(db, team.owner, team.shop)
    response = client.post(f"/members/{membership.id}/role", data={"role": "staff"}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "at least one owner" in response.get_data(as_text=True)
    assert membership_of(db, team.owner, team.shop).role == Role.OWNER


def test_without_javascript_a_role_change_redirects_back_with_a_message(client, db, make_team, login):
    team = make_team("Noor")
    login(client, team.owner.email)
    membership = membership_of(db, team.staff, team.shop)
    response = client.post(f"/members/{membership.id}/role", data={"role": "manager"})
    assert response.status_code == 303 and response.headers["Location"] == "/members"
    assert "Role changed." in client.get("/members").get_data(as_text=True)


def test_a_revoked_invitation_link_stops_working(app, client, db, make_team, login):
    team = make_team("Noor")
    login(client, team.owner.email)
    fragment = client.post("/members/invitations", data={"name": "Temp", "role": "staff"},
                           headers={"HX-Request": "true"}).get_data(as_text=True)
    path = re.search(r'value="http://localhost(/invite/[^"]+)"', fragment).group(1)
    invitation_id = db.session.scalar(sa.select(Invitation.id))
    assert client.post(f"/members/invitations/{invitation_id}/revoke").status_code == 303
    assert app.test_client().get(path).status_code == 404


def test_managers_see_the_members_but_cannot_change_them(client, db, make_team, login):
    team = make_team("Noor")
    login(client, team.manager.email)
    page = client.get("/members").get_data(as_text=True)
    assert team.staff.name in page and "Make an invitation link" not in page
    membership = membership_of(db, team.staff, team.shop)
    assert client.post(f"/members/{membership.id}/role", data={"role": "owner"}).status_code == 403
    assert client.post("/members/invitations", data={"name": "X", "role": "owner"}).status_code == 403
    assert membership_of(db, team.staff, team.shop).role == Role.STAFF


def test_after_making_a_link_the_invite_form_is_empty_again(client, make_team, login):
    login(client, make_team("Noor").owner.email)
    fragment = client.post("/members/invitations", data={"name": "Bilal", "role": "staff"},
                           headers={"HX-Request": "true"}).get_data(as_text=True)
    form = fragment[fragment.index("<form"):]
    assert 'name="name"' in form and 'value="Bilal"' not in form
