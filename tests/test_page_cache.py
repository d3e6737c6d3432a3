"""Kept pages (shopledger/page_cache.py): served again only while nothing in the shop changed, only to the
session that rendered them, never with a flashed message, and with fresh idempotency keys each time."""
import re
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import brotli
import pytest
import sqlalchemy as sa

from shopledger.extensions import db as _db
from shopledger.models import Customer, Payment, Shop
from shopledger.page_cache import Entry, PageCache, page_cache
from shopledger.services import clock, customers, invoices, payments
from shopledger.services.invoices import LineDraft
from shopledger.services.money import format_money

HX = {"HX-Request": "true"}
NOW = datetime(2026, 11, 21, 8, 0, tzinfo=timezone.utc)  # 13:00 in Karachi
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
KEY = re.compile(r'name="idempotency_key" type="hidden" value="([^"]+)"|value="([^"]+)"[^>]*name="idempotency_key"')


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def team(make_team):
    return make_team("Noor Tailors")


@pytest.fixture
def ali(db, team):
    customer = customers.create_customer(team.shop, by=team.owner, name="Ali Raza", phone="03001234567")
    db.session.commit()
    return customer


@pytest.fixture
def owner_client(client, team, login):
    login(client, team.owner.email)
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


def squeeze(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def rs(minor: int) -> str:
    return " ".join(format_money(minor, "PKR", territory="PK", locale="en").split())


def version(shop_id: int) -> int:
    _db.session.expire_all()
    return _db.session.scalar(sa.select(Shop.data_version).where(Shop.id == shop_id))


def sell(team, customer, amount: int):
    invoice = invoices.create_draft(team.shop, customer, by=team.owner, issue_date=NOW.date(),
                                    lines=[LineDraft("Stitching", Decimal(1), amount)])
    invoices.issue(team.shop, invoice, by=team.owner)
    _db.session.commit()
    return invoice


# --- served again, and only while nothing changed --------------------------------------------------------

@pytest.mark.parametrize("path, headers", [
    ("/customers", {}), ("/customers", HX), ("/customers?q=ali", {}), ("/invoices", {}),
    ("CUSTOMER", {}), ("CUSTOMER/ledger", HX), ("/jobs", {}), ("/payments", {}), ("/customers/owing", {}),
    ("/", {}),
])
def test_a_page_asked_for_again_comes_from_the_cache_as_it_was(owner_client, ali, path, headers):
    path = path.replace("CUSTOMER", f"/customers/{ali.id}")
    first, second = owner_client.get(path, headers=headers), owner_client.get(path, headers=headers)
    assert first.status_code == second.status_code == 200
    assert (first.headers["X-Page-Cache"], second.headers["X-Page-Cache"]) == ("miss", "hit")
    strip_keys = lambda html: KEY.sub("", html)  # noqa: E731  (idempotency keys are new each time, below)
    assert strip_keys(text(second)) == strip_keys(text(first))
    assert second.headers.get_all("Vary") == first.headers.get_all("Vary")
    assert second.headers["Content-Security-Policy"] and second.headers["Cache-Control"] == "private, no-cache"


def test_recording_a_payment_shows_at_once_on_every_kept_page(owner_client, team, ali):
    sell(team, ali, 1000_00)
    pages = {"page": (f"/customers/{ali.id}", {}), "ledger": (f"/customers/{ali.id}/ledger", HX),
             "list": ("/customers", {}), "invoices": ("/invoices", {})}
    for path, headers in pages.values():
        owner_client.get(path, headers=headers)
        assert owner_client.get(path, headers=headers).headers["X-Page-Cache"] == "hit"
    page = text(owner_client.get(f"/customers/{ali.id}"))
    found = KEY.search(page)
    response = owner_client.post("/payments/quick", headers=HX, data={
        "customer_id": ali.id, "amount": "400", "method": "cash", "idempotency_key": found.group(1) or found.group(2)})
    assert response.status_code == 200
    for name, (path, headers) in pages.items():
        answer = owner_client.get(path, headers=headers)
        assert answer.headers["X-Page-Cache"] == "miss", name
        expected = "Partly paid" if name == "invoices" else f"Owes {rs(600_00)}"
        assert expected in squeeze(text(answer)), f"{name} still shows the balance from before the payment"


def test_a_change_made_outside_any_request_reaches_the_kept_page(owner_client, team, ali):
    """A background task or a command changes the shop without a request: its commit raises the version."""
    owner_client.get("/customers")
    assert owner_client.get("/customers").headers["X-Page-Cache"] == "hit"
    before = version(team.shop.id)
    _db.session.execute(sa.update(Customer).where(Customer.id == ali.id).values(name="Ali Raza Qureshi"))
    _db.session.commit()
    assert version(team.shop.id) > before
    answer = owner_client.get("/customers")
    assert answer.headers["X-Page-Cache"] == "miss" and "Ali Raza Qureshi" in text(answer)


def test_renaming_a_member_refreshes_the_pages_that_show_their_name(owner_client, team, ali):
    sell(team, ali, 500_00)
    owner_client.get(f"/customers/{ali.id}")
    assert owner_client.get(f"/customers/{ali.id}").headers["X-Page-Cache"] == "hit"
    team.owner.name = "Nadia Noor"
    _db.session.commit()
    answer = owner_client.get(f"/customers/{ali.id}")
    assert answer.headers["X-Page-Cache"] == "miss" and "Nadia Noor" in text(answer)


def test_the_next_day_renders_again(owner_client, monkeypatch, ali):
    owner_client.get("/customers")
    assert owner_client.get("/customers").headers["X-Page-Cache"] == "hit"
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(days=1))
    assert owner_client.get("/customers").headers["X-Page-Cache"] == "miss"


def test_an_entry_expires_after_its_time(owner_client, ali, monkeypatch):
    monkeypatch.setattr(page_cache(), "seconds", 0.05)
    owner_client.get("/customers")
    time.sleep(0.1)
    assert owner_client.get("/customers").headers["X-Page-Cache"] == "miss"


# --- whose pages ---------------------------------------------------------------------------------------------

def test_a_kept_page_is_served_only_to_the_session_that_rendered_it(app, team, ali, login):
    owner, staff, owner_again = app.test_client(), app.test_client(), app.test_client()
    login(owner, team.owner.email)
    login(staff, team.staff.email)
    login(owner_again, team.owner.email)
    owner.get("/customers")
    assert owner.get("/customers").headers["X-Page-Cache"] == "hit"
    # Another member, and the same owner on another phone, each get a page of their own, with their own
    # session's CSRF token in its forms.
    for other in (staff, owner_again):
        first = other.get("/customers")
        assert first.headers["X-Page-Cache"] == "miss"
        assert CSRF.search(text(first)).group(1) != CSRF.search(text(owner.get("/customers"))).group(1)
    # A token from a kept page works for its own session: the form posts.
    kept = owner.get(f"/customers/{ali.id}")
    kept = owner.get(f"/customers/{ali.id}")
    assert kept.headers["X-Page-Cache"] == "hit"
    found = KEY.search(text(kept))
    response = owner.post("/payments/quick", csrf=False, headers=HX, data={
        "csrf_token": CSRF.search(text(kept)).group(1), "customer_id": ali.id, "amount": "100", "method": "cash",
        "idempotency_key": found.group(1) or found.group(2)})
    assert response.status_code == 200, response.status_code


def test_another_shop_never_gets_a_kept_page(app, two_shops, login):
    a, b = two_shops
    for team in (a, b):
        customers.create_customer(team.shop, by=team.owner, name=f"Customer of {team.shop.name}")
    _db.session.commit()
    browser = app.test_client()
    login(browser, a.owner.email)
    browser.get("/customers")
    assert browser.get("/customers").headers["X-Page-Cache"] == "hit"
    browser.post("/logout")
    login(browser, b.owner.email)  # the same browser, now B's owner
    answer = browser.get("/customers")
    assert answer.headers["X-Page-Cache"] == "miss"
    assert "Customer of Beta Repairs" in text(answer) and "Customer of Alpha Tailors" not in text(answer)


def test_each_language_is_kept_apart(owner_client, ali):
    owner_client.get("/customers")
    owner_client.post("/language", data={"locale": "ur"})
    answer = owner_client.get("/customers")
    assert answer.headers["X-Page-Cache"] == "miss" and 'dir="rtl"' in text(answer)


def test_a_page_with_a_flashed_message_is_shown_once_and_not_kept(owner_client, team):
    response = owner_client.post("/customers", data={"name": "Bilal Aslam", "preferred_locale": "en"})
    assert response.status_code == 303
    shown = owner_client.get(response.headers["Location"])
    assert "was added." in text(shown) and "X-Page-Cache" not in shown.headers
    again = owner_client.get(response.headers["Location"])
    assert "was added" not in text(again) and again.headers["X-Page-Cache"] == "miss"
    assert "was added" not in text(owner_client.get(response.headers["Location"]))


def test_two_tabs_showing_one_kept_page_record_two_payments(owner_client, team, ali):
    sell(team, ali, 1000_00)
    first_tab = text(owner_client.get(f"/customers/{ali.id}"))
    second = owner_client.get(f"/customers/{ali.id}")
    assert second.headers["X-Page-Cache"] == "hit"
    keys = [(found.group(1) or found.group(2)) for found in (KEY.search(first_tab), KEY.search(text(second)))]
    assert keys[0] != keys[1], "a kept page must not repeat an idempotency key"
    for key in keys:
        response = owner_client.post("/payments/quick", headers=HX, data={
            "customer_id": ali.id, "amount": "100", "method": "cash", "idempotency_key": key})
        assert response.status_code == 200
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(Payment)
                              .where(Payment.customer_id == ali.id)) == 2


def test_an_anonymous_visitor_and_a_post_are_never_served_from_the_cache(client, owner_client, ali):
    assert "X-Page-Cache" not in client.application.test_client().get("/customers").headers
    answer = owner_client.post("/customers", data={"name": ""})
    assert "X-Page-Cache" not in answer.headers


def test_a_browser_that_accepts_brotli_gets_the_kept_page_compressed_once(owner_client, ali):
    accepts = {"Accept-Encoding": "br"}
    plain = text(owner_client.get("/customers"))
    first, second = owner_client.get("/customers", headers=accepts), owner_client.get("/customers", headers=accepts)
    assert first.headers["X-Page-Cache"] == second.headers["X-Page-Cache"] == "hit"
    assert first.headers["Content-Encoding"] == second.headers["Content-Encoding"] == "br"
    assert brotli.decompress(second.get_data()).decode() == plain
    assert first.get_data() == second.get_data()


def test_turned_off_it_keeps_nothing(app, owner_client, monkeypatch):
    monkeypatch.setattr(page_cache(), "max_bytes", 0)
    owner_client.get("/customers")
    assert "X-Page-Cache" not in owner_client.get("/customers").headers


# --- the data version ----------------------------------------------------------------------------------------

def test_a_shops_change_raises_its_version_and_no_other_shops(two_shops):
    a, b = two_shops
    before = {shop.id: version(shop.id) for shop in (a.shop, b.shop)}
    customer = customers.create_customer(a.shop, by=a.owner, name="Sana")
    _db.session.commit()
    assert (version(a.shop.id), version(b.shop.id)) == (before[a.shop.id] + 1, before[b.shop.id])
    invoice = sell(a, customer, 300_00)  # the counter, the totals and the balance move by bulk statements
    payments.record(a.shop, customer, by=a.owner, amount_minor=100_00, received_on=NOW.date(),
                    method=payments.PaymentMethod.CASH)
    _db.session.commit()
    assert version(b.shop.id) == before[b.shop.id] and version(a.shop.id) >= before[a.shop.id] + 3
    assert invoice.number


def test_a_rolled_back_change_leaves_the_version_and_a_read_changes_nothing(team, ali):
    before = version(team.shop.id)
    ali_again = _db.session.get(Customer, ali.id)
    ali_again.notes = "Prefers collars stiff"
    _db.session.rollback()
    _db.session.execute(sa.select(Customer)).all()
    _db.session.commit()
    assert version(team.shop.id) == before


def test_a_bulk_change_that_names_no_shop_outside_a_request_raises_every_version(two_shops):
    """Where the shop cannot be told, every shop's pages are rendered again: never a stale one."""
    a, b = two_shops
    before = {shop.id: version(shop.id) for shop in (a.shop, b.shop)}
    _db.session.execute(sa.update(Customer).where(Customer.name == "nobody").values(notes=""))
    _db.session.commit()
    assert all(version(shop_id) == before[shop_id] + 1 for shop_id in before)


def test_hand_written_sql_that_writes_raises_every_version_outside_a_request(two_shops):
    a, b = two_shops
    before = {shop.id: version(shop.id) for shop in (a.shop, b.shop)}
    _db.session.execute(sa.text("SELECT count(*) FROM customers")).scalar()
    _db.session.commit()
    assert all(version(shop_id) == before[shop_id] for shop_id in before), "a read is not a change"
    _db.session.execute(sa.text("UPDATE customers SET notes = '' WHERE name = 'nobody'"))
    _db.session.commit()
    assert all(version(shop_id) == before[shop_id] + 1 for shop_id in before)


def test_a_members_own_bookkeeping_raises_no_version(team):
    before = version(team.shop.id)
    team.owner.last_login_at = NOW
    team.owner.last_shop_id = team.shop.id
    _db.session.commit()
    assert version(team.shop.id) == before


# --- the store --------------------------------------------------------------------------------------------------

def test_the_store_keeps_the_most_recently_used_within_its_budget(monkeypatch):
    store = PageCache(max_bytes=10_000, seconds=60)
    page = lambda size: Entry(body=b"x" * size, headers=[], expires=float("inf"))  # noqa: E731
    for name in "abcd":
        store.put((name,), page(2_000))
    assert store.get(("a",)) is not None  # a is now the most recently used
    store.put(("e",), page(2_000))  # over budget: b goes, the least recently used
    assert store.get(("b",)) is None and all(store.get((name,)) for name in "acde")
    store.put(("huge",), page(5_000))  # more than a quarter of the budget: never kept
    assert store.get(("huge",)) is None


def test_an_expired_entry_is_a_miss():
    store = PageCache(max_bytes=10_000, seconds=60)
    store.put(("a",), Entry(body=b"x", headers=[], expires=0.0))
    assert store.get(("a",)) is None and (store.hits, store.misses) == (0, 1)
