"""The customers pages: search as you type, add and edit in place, archive not delete, each shop only its own."""
import re
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from shopledger.models import Customer
from shopledger.models.types import utcnow
from shopledger.services import customers, jobs

HX = {"HX-Request": "true"}
BOOSTED = {"HX-Request": "true", "HX-Boosted": "true"}
SELECTED_URDU = re.compile(r'<option[^>]* selected[^>]* value="ur"')


@pytest.fixture
def team(make_team):
    return make_team("Noor Tailors")


@pytest.fixture
def add(db, team):
    def add(name: str, phone: str = "", *, shop=None, minutes_ago: int | None = None, **values) -> Customer:
        shop = shop or team.shop
        owner = next(m.user for m in shop.memberships if m.role.value == "owner")
        customer = customers.create_customer(shop, by=owner, name=name, phone=phone, **values)
        if minutes_ago is not None:
            customer.last_activity_at = utcnow() - timedelta(minutes=minutes_ago)
        db.session.commit()
        return customer

    return add


@pytest.fixture
def owner_client(client, team, login):
    login(client, team.owner.email)
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


def found(db, **where) -> list[Customer]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Customer).filter_by(**where)))


@contextmanager
def counted_statements(db):
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


# --- the list and its search ------------------------------------------------------------------------------


def test_one_url_answers_a_page_or_just_the_results(owner_client, add):
    add("Ahmed Raza", "0300 1234567")
    page = owner_client.get("/customers")
    fragment = owner_client.get("/customers", headers=HX)
    boosted = owner_client.get("/customers", headers=BOOSTED)
    restore = owner_client.get("/customers", headers={**HX, "HX-History-Restore-Request": "true"})
    for response in (page, fragment, boosted, restore):
        assert response.status_code == 200
        assert "HX-Request" in response.headers["Vary"]
    assert text(page).startswith("<!doctype html>") and 'id="customers-results"' in text(page)
    assert text(boosted).startswith("<!doctype html>") and text(restore).startswith("<!doctype html>")
    assert text(fragment).lstrip().startswith('<div id="customers-results"')
    assert "<html" not in text(fragment) and "Ahmed Raza" in text(fragment)


def test_each_row_shows_the_name_the_readable_phone_and_links_to_the_customer(owner_client, add):
    ahmed = add("Ahmed Raza", "+923001234567")
    add("Usman Tariq")
    page = text(owner_client.get("/customers"))
    assert f'href="/customers/{ahmed.id}"' in page
    assert '<bdi dir="ltr">0300 1234567</bdi>' in page
    assert "Usman Tariq" in page


def test_the_search_box_searches_as_you_type_and_keeps_the_query_in_the_url(owner_client):
    page = text(owner_client.get("/customers"))
    search = re.search(r'<input id="q"[^>]*>', page).group(0)
    for attribute in ('hx-get="/customers"', 'hx-trigger="input changed delay:300ms, search"',
                      'hx-target="#customers-results"', 'hx-push-url="true"', 'hx-indicator="#search-busy"',
                      'name="q"', 'dir="auto"'):
        assert attribute in search
    assert 'id="search-busy"' in page


@pytest.mark.parametrize("query", ["0300-1234567", "03001234567", "+92 300 1234567", "1234567"])
def test_a_search_url_renders_the_whole_page_with_only_the_matches(owner_client, add, query):
    add("Ahmed Raza", "0300 1234567")
    add("Usman Tariq", "0333 1112233")
    response = owner_client.get("/customers", query_string={"q": query})
    page = text(response)
    assert response.status_code == 200 and page.startswith("<!doctype html>")
    assert "Ahmed Raza" in page and "Usman Tariq" not in page
    assert re.search(r'<input id="q"[^>]*value="' + re.escape(query) + '"', page)


def test_searching_by_urdu_or_english_name_answers_the_results_fragment(owner_client, add):
    add("فاطمہ بی بی", "0321 4567890")
    add("Ahmed Raza", "0300 1234567")
    urdu = text(owner_client.get("/customers", query_string={"q": "فاطمہ"}, headers=HX))
    assert "فاطمہ بی بی" in urdu and "Ahmed Raza" not in urdu
    english = text(owner_client.get("/customers", query_string={"q": "AHMED"}, headers=HX))
    assert "Ahmed Raza" in english and "فاطمہ" not in english


def test_pages_of_twenty_five_link_to_each_other_keeping_the_search(owner_client, add):
    for number in range(30):
        add(f"Tailor client {number:02d}", minutes_ago=number)
    first = text(owner_client.get("/customers", query_string={"q": "client"}))
    assert first.count('class="list-link"') == 25
    assert 'href="/customers?q=client&amp;page=2"' in first and 'rel="prev"' not in first
    assert 'hx-push-url="true"' in re.search(r'<a[^>]*rel="next"[^>]*>', first).group(0)
    second = text(owner_client.get("/customers", query_string={"q": "client", "page": 2}, headers=HX))
    assert second.count('class="list-link"') == 5
    assert "Tailor client 25" in second and "Tailor client 24" not in second
    assert 'href="/customers?q=client&amp;page=1"' in second and 'rel="next"' not in second


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999999999999999999999"])
def test_a_hand_typed_page_number_never_breaks_the_list(owner_client, add, page):
    add("Ahmed Raza")
    assert owner_client.get("/customers", query_string={"page": page}).status_code == 200


def test_an_empty_shop_invites_the_first_customer(owner_client):
    page = text(owner_client.get("/customers"))
    assert "No customers yet — add your first." in page
    assert 'hx-get="/customers/new"' in page and 'hx-target="#new-customer"' in page


def test_a_search_without_matches_says_so(owner_client, add):
    add("Ahmed Raza")
    fragment = text(owner_client.get("/customers", query_string={"q": "Zafar <b>"}, headers=HX))
    assert "Nobody matches <bdi>Zafar &lt;b&gt;</bdi>." in fragment


def test_archived_customers_have_their_own_view(owner_client, db, team, add):
    gone = add("Old Client")
    add("Current Client")
    customers.archive(team.shop, gone, by=team.owner)
    db.session.commit()
    current = text(owner_client.get("/customers"))
    assert "Current Client" in current and "Old Client" not in current
    assert 'href="/customers?archived=1"' in current
    archived = text(owner_client.get("/customers", query_string={"archived": "1"}))
    assert "Old Client" in archived and "Current Client" not in archived
    assert '<input type="hidden" name="archived" value="1">' in archived  # the search stays in the view
    searched = text(owner_client.get("/customers", query_string={"archived": "1", "q": "Current"}))
    assert "Nobody matches" in searched and "Current Client" not in searched


def test_an_empty_archive_says_what_it_is_for(owner_client, add):
    add("Current Client")
    archived = text(owner_client.get("/customers", query_string={"archived": "1"}))
    assert "No archived customers." in archived and "Current Client" not in archived


def test_the_list_runs_the_same_few_statements_for_sixty_customers_as_for_two(owner_client, db, add):
    add("First", "0300 1234567")
    add("Second", "0300 7654321")
    with counted_statements(db) as few:
        assert owner_client.get("/customers").status_code == 200
    for number in range(58):
        add(f"Customer {number}", f"0301 {1000000 + number}")
    with counted_statements(db) as many:
        response = owner_client.get("/customers")
    assert text(response).count('class="list-link"') == 25
    assert len(many) == len(few), many
    # The session, the shop, the page of customers, the jobs-due badge; and two for every balance on the page.
    assert len(many) <= 8, many
    with counted_statements(db) as searching:
        owner_client.get("/customers", query_string={"q": "0301"}, headers=HX)
    assert len(searching) <= len(many)


# --- adding ------------------------------------------------------------------------------------------


def test_add_customer_opens_the_form_in_place_or_as_a_page_without_javascript(owner_client, team):
    team.shop.default_locale = "ur"
    fragment = owner_client.get("/customers/new", headers=HX)
    assert fragment.status_code == 200 and "HX-Request" in fragment.headers["Vary"]
    assert text(fragment).lstrip().startswith('<section class="card customer-form" id="customer-form"')
    assert 'hx-post="/customers"' in text(fragment) and 'hx-target="#customer-form"' in text(fragment)
    assert SELECTED_URDU.search(text(fragment))  # the shop's language
    page = owner_client.get("/customers/new")
    assert text(page).startswith("<!doctype html>") and 'action="/customers"' in text(page)


def test_the_notes_field_offers_dictation(owner_client):
    form = text(owner_client.get("/customers/new", headers=HX))
    assert 'data-dictate="notes"' in form
    assert re.search(r'<textarea[^>]*dir="auto"[^>]*id="notes"|<textarea[^>]*id="notes"[^>]*dir="auto"', form)


def test_adding_a_customer_goes_to_their_page(owner_client, db, team):
    response = owner_client.post("/customers", data={
        "name": "Ahmed Raza", "phone": "0300-1234567", "email": "ahmed@example.com", "address": "Tariq Road",
        "notes": "Loose fit", "preferred_locale": "ur",
    })
    [ahmed] = found(db, shop_id=team.shop.id)
    assert response.status_code == 303 and response.headers["Location"] == f"/customers/{ahmed.id}"
    assert (ahmed.phone, ahmed.preferred_locale, ahmed.notes) == ("+923001234567", "ur", "Loose fit")


def test_adding_from_the_inline_form_redirects_htmx_to_the_new_page(owner_client, db, team):
    response = owner_client.post("/customers", data={"name": "زینب علی", "preferred_locale": "en"}, headers=HX)
    [zainab] = found(db, shop_id=team.shop.id)
    assert response.status_code == 204 and response.headers["HX-Redirect"] == f"/customers/{zainab.id}"


def test_bad_input_answers_422_with_every_message_by_its_field_and_everything_typed_kept(owner_client, db, team):
    typed = {"name": "", "phone": "0300-12", "email": "ahmed@", "address": "Shop 4\nTariq Road",
             "notes": "Sleeves <long>", "preferred_locale": "ur"}
    response = owner_client.post("/customers", data=typed, headers=HX)
    form = text(response)
    assert response.status_code == 422
    assert form.lstrip().startswith('<section class="card customer-form" id="customer-form"')
    assert 'id="name-error"' in form and "Enter the customer's name." in form
    assert 'id="phone-error"' in form and "Enter a valid phone number" in form
    assert 'id="email-error"' in form and "Enter a valid email address" in form
    assert 'value="0300-12"' in form and 'value="ahmed@"' in form
    assert "Shop 4\nTariq Road</textarea>" in form and "Sleeves &lt;long&gt;</textarea>" in form
    assert SELECTED_URDU.search(form)
    assert 'aria-invalid="true"' in form
    assert found(db, shop_id=team.shop.id) == []


def test_bad_input_without_javascript_answers_the_whole_page_with_422(owner_client, db, team):
    response = owner_client.post("/customers", data={"name": "Ali", "email": "nope", "preferred_locale": "en"})
    assert response.status_code == 422 and text(response).startswith("<!doctype html>")
    assert 'value="Ali"' in text(response) and 'id="email-error"' in text(response)


def test_an_invented_language_is_refused(owner_client, db, team):
    response = owner_client.post("/customers", data={"name": "Ali", "preferred_locale": "fr"}, headers=HX)
    assert response.status_code == 422 and 'id="preferred_locale-error"' in text(response)


# --- the same phone: a live warning, and again on the page --------------------------------------------------


def test_typing_a_known_phone_warns_live_with_a_link_to_the_other_customer(owner_client, add):
    father = add("Aslam", "0300 1234567")
    form = text(owner_client.get("/customers/new", headers=HX))
    wrapper = re.search(r'<div class="phone-field"[^>]*>', form).group(0)
    assert 'hx-get="/customers/phone-check"' in wrapper and 'hx-target="#phone-check"' in wrapper
    assert "input changed delay:500ms" in wrapper and "change" in wrapper and 'hx-include="#phone"' in wrapper

    for typed in ("0300-1234567", "+92 300 1234567", "03001234567"):
        warning = text(owner_client.get("/customers/phone-check", query_string={"phone": typed}, headers=HX))
        assert "Another customer has this phone number" in warning
        assert f'href="/customers/{father.id}"' in warning and "Aslam" in warning
    for quiet in ("0300-12", "", "0321 4567890"):
        assert text(owner_client.get("/customers/phone-check", query_string={"phone": quiet}, headers=HX)).strip() == ""


def test_the_live_check_leaves_out_the_customer_being_edited(owner_client, add):
    father = add("Aslam", "0300 1234567")
    form = text(owner_client.get(f"/customers/{father.id}/edit", headers=HX))
    assert f'hx-get="/customers/phone-check?except_id={father.id}"' in form
    alone = owner_client.get("/customers/phone-check", query_string={"phone": "0300 1234567", "except_id": father.id})
    assert text(alone).strip() == ""
    son = add("Bilal Aslam", "0300 1234567")
    both = text(owner_client.get("/customers/phone-check",
                                 query_string={"phone": "0300 1234567", "except_id": son.id}))
    assert "Aslam" in both and f'href="/customers/{son.id}"' not in both


def test_saving_a_shared_phone_is_allowed_and_the_page_warns_again(owner_client, db, team, add):
    father = add("Aslam", "0300 1234567")
    response = owner_client.post("/customers", data={"name": "Bilal Aslam", "phone": "+92 300 1234567",
                                                     "preferred_locale": "en"})
    assert response.status_code == 303
    page = text(owner_client.get(response.headers["Location"]))
    assert "Another customer has this phone number" in page and f'href="/customers/{father.id}"' in page
    assert "You can still save" not in page


def test_the_form_sent_back_with_errors_still_warns_of_the_shared_phone(owner_client, add):
    add("Aslam", "0300 1234567")
    form = text(owner_client.post("/customers", data={"name": "", "phone": "03001234567"}, headers=HX))
    assert "Another customer has this phone number" in form and "You can still save" in form


# --- the customer's page ---------------------------------------------------------------------------------


def test_the_customer_page_offers_call_whatsapp_and_sms_and_shows_the_details(owner_client, add):
    ahmed = add("Ahmed Raza", "0300 1234567", email="ahmed@example.com", address="Shop 14\nTariq Road",
                notes="Loose fit\n<script>alert(1)</script>", preferred_locale="ur")
    response = owner_client.get(f"/customers/{ahmed.id}")
    page = text(response)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert 'href="tel:+923001234567"' in page
    assert 'href="https://wa.me/923001234567"' in page
    assert 'href="sms:+923001234567"' in page
    assert 'href="mailto:ahmed@example.com"' in page
    assert '<bdi dir="ltr">0300 1234567</bdi>' in page
    assert "Shop 14\nTariq Road" in page
    assert "Loose fit\n&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert 'lang="ur">اردو</dd>' in page


def test_a_customer_without_a_phone_gets_no_call_buttons(owner_client, add):
    usman = add("Usman Tariq")
    page = text(owner_client.get(f"/customers/{usman.id}"))
    assert "tel:" not in page and "wa.me" not in page and "sms:" not in page


def test_the_customer_page_lists_their_jobs_and_offers_a_new_one(owner_client, db, team, add):
    ahmed = add("Ahmed Raza", "0300 1234567")
    shirts = jobs.create_job(team.shop, ahmed, by=team.owner, title="Two shirts",
                             due_date=date.today() + timedelta(days=3))
    kurta = jobs.create_job(team.shop, ahmed, by=team.owner, title="Kurta")
    db.session.commit()
    page = text(owner_client.get(f"/customers/{ahmed.id}"))
    assert f'href="/jobs/{shirts.id}"' in page and f'href="/jobs/{kurta.id}"' in page
    assert "Two shirts" in page and "No due date" in page and "In progress" in page
    assert f'href="/jobs/new?customer_id={ahmed.id}"' in page
    assert page.index("Kurta") < page.index("Two shirts")  # newest first


def test_the_card_alone_is_answered_to_htmx_for_cancel(owner_client, add):
    ahmed = add("Ahmed Raza")
    fragment = text(owner_client.get(f"/customers/{ahmed.id}", headers=HX))
    assert fragment.lstrip().startswith(f'<section class="card customer-card" id="customer-{ahmed.id}"')
    assert "<html" not in fragment


# --- editing in place --------------------------------------------------------------------------------------


def test_edit_swaps_the_card_for_the_form_with_the_phone_as_people_write_it(owner_client, add):
    ahmed = add("Ahmed Raza", "+923001234567")
    page = text(owner_client.get(f"/customers/{ahmed.id}"))
    edit_link = re.search(r'<a[^>]*hx-get="/customers/%d/edit"[^>]*>' % ahmed.id, page).group(0)
    assert f'hx-target="#customer-{ahmed.id}"' in edit_link and 'hx-swap="outerHTML"' in edit_link
    form = text(owner_client.get(f"/customers/{ahmed.id}/edit", headers=HX))
    assert form.lstrip().startswith(f'<section class="card customer-form" id="customer-{ahmed.id}"')
    assert 'value="0300 1234567"' in form and 'value="Ahmed Raza"' in form
    assert f'hx-post="/customers/{ahmed.id}"' in form
    cancel = re.search(r'<a[^>]*>Cancel</a>', form).group(0)
    assert f'hx-get="/customers/{ahmed.id}"' in cancel and f'hx-target="#customer-{ahmed.id}"' in cancel
    assert text(owner_client.get(f"/customers/{ahmed.id}/edit")).startswith("<!doctype html>")


def test_saving_an_edit_answers_the_details_card(owner_client, db, add):
    ahmed = add("Ahmed Raza", "0300 1234567")
    response = owner_client.post(f"/customers/{ahmed.id}", headers=HX, data={
        "name": "Ahmed Raza Khan", "phone": "0321 4567890", "email": "", "address": "", "notes": "Line one\nLine two",
        "preferred_locale": "en",
    })
    card = text(response)
    assert response.status_code == 200
    assert card.lstrip().startswith(f'<section class="card customer-card" id="customer-{ahmed.id}"')
    assert "Ahmed Raza Khan" in card and 'href="tel:+923214567890"' in card
    assert "customer-changed" in response.headers["HX-Trigger"]
    [saved] = found(db, id=ahmed.id)
    assert (saved.name, saved.phone, saved.notes) == ("Ahmed Raza Khan", "+923214567890", "Line one\nLine two")


def test_saving_an_edit_without_javascript_goes_back_to_the_page(owner_client, add):
    ahmed = add("Ahmed Raza")
    response = owner_client.post(f"/customers/{ahmed.id}", data={"name": "Ahmed", "preferred_locale": "en"})
    assert response.status_code == 303 and response.headers["Location"] == f"/customers/{ahmed.id}"
    assert "Saved." in text(owner_client.get(f"/customers/{ahmed.id}"))


def test_a_bad_edit_answers_422_keeping_what_was_typed_and_changes_nothing(owner_client, db, add):
    ahmed = add("Ahmed Raza", "0300 1234567")
    response = owner_client.post(f"/customers/{ahmed.id}", headers=HX, data={
        "name": "Ahmed R.", "phone": "12", "email": "x@y", "notes": "new notes", "preferred_locale": "en",
    })
    form = text(response)
    assert response.status_code == 422
    assert form.lstrip().startswith(f'<section class="card customer-form" id="customer-{ahmed.id}"')
    assert 'value="Ahmed R."' in form and 'value="12"' in form and "new notes</textarea>" in form
    assert 'id="phone-error"' in form and 'id="email-error"' in form
    [saved] = found(db, id=ahmed.id)
    assert (saved.name, saved.phone, saved.notes) == ("Ahmed Raza", "+923001234567", "")


# --- archive, restore, delete ------------------------------------------------------------------------------


def test_archive_is_confirmed_by_htmx_or_by_a_page_without_javascript(owner_client, db, add):
    ahmed = add("Ahmed Raza")
    page = text(owner_client.get(f"/customers/{ahmed.id}"))
    archive = re.search(r'<a[^>]*hx-post="/customers/%d/archive"[^>]*>' % ahmed.id, page).group(0)
    assert f'href="/customers/{ahmed.id}/archive"' in archive and "hx-confirm=" in archive
    assert "Archive \u2068Ahmed Raza\u2069?" in archive
    confirm = text(owner_client.get(f"/customers/{ahmed.id}/archive"))
    assert f'<form method="post" action="/customers/{ahmed.id}/archive">' in confirm
    assert not found(db, id=ahmed.id)[0].is_archived  # looking at the question changes nothing


def test_archiving_hides_the_customer_and_restoring_brings_them_back(owner_client, db, add):
    ahmed = add("Ahmed Raza")
    response = owner_client.post(f"/customers/{ahmed.id}/archive")
    assert response.status_code == 303 and response.headers["Location"] == f"/customers/{ahmed.id}"
    page = text(owner_client.get(f"/customers/{ahmed.id}"))
    assert "is archived" in page and f'action="/customers/{ahmed.id}/restore"' in page
    assert "Ahmed Raza" not in text(owner_client.get("/customers"))
    assert "Ahmed Raza" in text(owner_client.get("/customers?archived=1"))

    restored = owner_client.post(f"/customers/{ahmed.id}/restore", headers=HX)
    assert restored.status_code == 204 and restored.headers["HX-Redirect"] == f"/customers/{ahmed.id}"
    assert not found(db, id=ahmed.id)[0].is_archived
    assert "Ahmed Raza" in text(owner_client.get("/customers"))


def test_archiving_from_htmx_redirects_to_the_customer(owner_client, db, add):
    ahmed = add("Ahmed Raza")
    response = owner_client.post(f"/customers/{ahmed.id}/archive", headers=HX)
    assert response.status_code == 204 and response.headers["HX-Redirect"] == f"/customers/{ahmed.id}"
    assert found(db, id=ahmed.id)[0].is_archived


def test_a_customer_without_history_is_deleted_after_confirming(owner_client, db, add):
    usman = add("Usman Tariq")
    usman_id = usman.id
    page = text(owner_client.get(f"/customers/{usman.id}"))
    delete = re.search(r'<a[^>]*hx-post="/customers/%d/delete"[^>]*>' % usman.id, page).group(0)
    assert f'href="/customers/{usman.id}/delete"' in delete and "hx-confirm=" in delete
    confirm = text(owner_client.get(f"/customers/{usman.id}/delete"))
    assert f'action="/customers/{usman.id}/delete"' in confirm and "cannot be undone" in confirm
    response = owner_client.post(f"/customers/{usman.id}/delete")
    assert response.status_code == 303 and response.headers["Location"] == "/customers"
    assert found(db, id=usman_id) == []
    assert "\u2068Usman Tariq\u2069 was deleted." in text(owner_client.get("/customers"))  # the name set apart


def test_a_customer_with_jobs_can_only_be_archived(owner_client, db, team, add):
    ahmed = add("Ahmed Raza")
    jobs.create_job(team.shop, ahmed, by=team.owner, title="Two shirts")
    db.session.commit()
    page = text(owner_client.get(f"/customers/{ahmed.id}"))
    assert f'hx-post="/customers/{ahmed.id}/delete"' not in page
    assert f'hx-post="/customers/{ahmed.id}/archive"' in page
    confirm = text(owner_client.get(f"/customers/{ahmed.id}/delete"))
    assert "can only be archived" in confirm and f'action="/customers/{ahmed.id}/delete"' not in confirm
    response = owner_client.post(f"/customers/{ahmed.id}/delete")
    assert response.status_code == 303 and response.headers["Location"] == f"/customers/{ahmed.id}"
    assert found(db, id=ahmed.id) != []
    assert "This customer has jobs or invoices, so they can only be archived." in text(
        owner_client.get(f"/customers/{ahmed.id}"))


@pytest.mark.parametrize("path", ["/archive", "/restore", "/delete", ""])
def test_state_changes_refuse_a_post_without_the_csrf_token(owner_client, db, add, path):
    ahmed = add("Ahmed Raza")
    response = owner_client.post(f"/customers/{ahmed.id}{path}", data={"name": "Hijacked"}, csrf=False)
    assert response.status_code == 400
    [saved] = found(db, id=ahmed.id)
    assert saved.name == "Ahmed Raza" and not saved.is_archived


def test_restore_and_delete_and_archive_are_not_done_by_a_get(app):
    rules = {rule.rule: rule.methods for rule in app.url_map.iter_rules() if rule.endpoint.startswith("customers.")
             and rule.endpoint.split(".")[1] in ("create", "update", "archive", "restore", "delete")}
    assert rules and all("GET" not in methods for methods in rules.values())


# --- roles and shops -----------------------------------------------------------------------------------------


def test_a_viewer_sees_customers_but_no_buttons_and_every_change_is_refused(client, db, team, login, add):
    ahmed = add("Ahmed Raza", "0300 1234567")
    login(client, team.viewer.email)
    listing = text(client.get("/customers"))
    assert "Ahmed Raza" in listing and "/customers/new" not in listing
    page = text(client.get(f"/customers/{ahmed.id}"))
    assert "Ahmed Raza" in page and 'href="tel:+923001234567"' in page
    for absent in (f"/customers/{ahmed.id}/edit", f"/customers/{ahmed.id}/archive", f"/customers/{ahmed.id}/delete",
                   "/jobs/new"):
        assert absent not in page
    for path in ("/customers/new", f"/customers/{ahmed.id}/edit", f"/customers/{ahmed.id}/archive",
                 f"/customers/{ahmed.id}/delete", "/customers/phone-check?phone=03001234567"):
        assert client.get(path).status_code == 403, path
    for path in ("/customers", f"/customers/{ahmed.id}", f"/customers/{ahmed.id}/archive",
                 f"/customers/{ahmed.id}/restore", f"/customers/{ahmed.id}/delete"):
        assert client.post(path, data={"name": "Changed", "preferred_locale": "en"}).status_code == 403, path
        assert client.post(path, data={"name": "Changed"}, headers=HX).status_code == 403, path
    [saved] = found(db, shop_id=team.shop.id)
    assert saved.name == "Ahmed Raza" and not saved.is_archived


def test_staff_add_and_archive_but_may_not_delete(client, db, team, login, add):
    usman = add("Usman Tariq")
    login(client, team.staff.email)
    page = text(client.get(f"/customers/{usman.id}"))
    assert f"/customers/{usman.id}/edit" in page and f"/customers/{usman.id}/archive" in page
    assert f"/customers/{usman.id}/delete" not in page
    assert client.get(f"/customers/{usman.id}/delete").status_code == 403
    assert client.post(f"/customers/{usman.id}/delete").status_code == 403
    assert found(db, id=usman.id) != []
    assert client.post("/customers", data={"name": "New One", "preferred_locale": "en"}).status_code == 303


def test_another_shops_customer_is_not_found_on_any_route(client, db, team, make_team, login, add):
    other = make_team("Beta Repairs")
    theirs = add("Secret Client", "0300 9990001", shop=other.shop)
    login(client, team.owner.email)
    base = f"/customers/{theirs.id}"
    for path in (base, f"{base}/edit", f"{base}/archive", f"{base}/delete"):
        for headers in ({}, HX):
            response = client.get(path, headers=headers)
            assert response.status_code == 404, path
            assert "Secret Client" not in text(response)
    for path in (base, f"{base}/archive", f"{base}/restore", f"{base}/delete"):
        for headers in ({}, HX):
            assert client.post(path, data={"name": "Taken", "preferred_locale": "en"},
                               headers=headers).status_code == 404, path
    [untouched] = found(db, id=theirs.id)
    assert untouched.name == "Secret Client" and not untouched.is_archived
    listing = text(client.get("/customers", query_string={"q": "0300 9990001"}))
    assert "Secret Client" not in listing and "Nobody matches" in listing
    check = text(client.get("/customers/phone-check", query_string={"phone": "0300 9990001"}))
    assert "Secret Client" not in check


def test_a_visitor_is_sent_to_log_in(client, add):
    ahmed = add("Ahmed Raza")
    for path in ("/customers", f"/customers/{ahmed.id}", "/customers/new"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_an_urdu_reader_gets_the_list_right_to_left_with_numbers_kept_left_to_right(client, db, team, login, add):
    add("فاطمہ بی بی", "0321 4567890")
    team.owner.locale = "ur"
    db.session.commit()
    login(client, team.owner.email)
    page = text(client.get("/customers"))
    assert '<html lang="ur" dir="rtl">' in page
    assert '<strong class="customer-name" dir="auto">فاطمہ بی بی</strong>' in page
    assert '<bdi dir="ltr">0321 4567890</bdi>' in page
