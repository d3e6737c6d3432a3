"""On the phone's home screen: installable, the shell offline, the lists a member read last, and nothing kept for
anyone else.

Chromium's own installability check runs on a persistent profile through the DevTools protocol. Offline is the
browser context's offline switch (Playwright's set_offline), which the service worker's fetches obey too.
"""
from __future__ import annotations

import re

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import expect

from shopledger.services import customers as customer_service

from .conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, Member, log_in
from .pwa_support import cache_names, controlled, kept_pages, wait_for_kept, wait_until


@pytest.fixture
def words(app):
    def translate(lang: str, message: str, **values) -> str:
        with app.test_request_context(), force_locale(lang):
            return gettext(message, **values)

    return translate


@pytest.fixture
def customers_of_two_shops(db, shop_owner, make_user, make_shop) -> tuple[Member, Member]:
    """Noor Tailors' owner with a customer, and the owner of another shop with one of theirs."""
    from shopledger.models import Shop, User
    from tests.conftest import TEST_PASSWORD

    noor = db.session.scalar(db.select(Shop).filter_by(name=shop_owner.shop_name))
    owner = db.session.scalar(db.select(User).filter_by(email=shop_owner.email))
    customer_service.create_customer(noor, by=owner, name="Rashid Mehmood", phone="0300 7654321")
    db.session.commit()
    other_owner = make_user(name="Zara Sheikh", email="zara@bluestitch.example.com")
    other = make_shop(owner=other_owner, name="Blue Stitch")
    customer_service.create_customer(other, by=other_owner, name="Kamran Akmal", phone="0321 1112223")
    db.session.commit()
    other_member = Member(email=other_owner.email, password=TEST_PASSWORD, name=other_owner.name,
                          shop_name=other.name)
    db.session.close()
    return shop_owner, other_member


def test_chromium_finds_the_app_installable(browser, live_server, shop_owner, tmp_path):
    # Installability is judged for a real profile, not an incognito-like context: a persistent one.
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
        viewport=VIEWPORT, base_url=live_server,
    )
    try:
        page = context.pages[0] if context.pages else context.new_page()
        for path in ("/login", None):
            if path is None:
                log_in(page, shop_owner)
            else:
                page.goto(path)
            controlled(page)
            devtools = context.new_cdp_session(page)
            assert devtools.send("Page.getInstallabilityErrors") == {"installabilityErrors": []}
            manifest = devtools.send("Page.getAppManifest")
            assert manifest["errors"] == []
            assert re.search(r"/manifest\.webmanifest\?lang=en$", manifest["url"])
            devtools.detach()

        # The manifest Chromium read: the name, the standalone window, the icons it installs with.
        parsed = page.evaluate("async () => (await fetch(document.querySelector('link[rel=manifest]').href)).json()")
        assert (parsed["name"], parsed["display"], parsed["start_url"], parsed["scope"]) == (
            "ShopLedger", "standalone", "/", "/")
        sizes = {(icon["sizes"], icon["purpose"]) for icon in parsed["icons"]}
        assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
        for icon in parsed["icons"]:
            fetched = page.request.get(icon["src"])
            assert fetched.ok and fetched.headers["content-type"].startswith(icon["type"]), icon
    finally:
        context.close()


def test_the_manifest_follows_the_pages_language(page, shop_owner):
    log_in(page, shop_owner)
    page.locator(".lang-toggle button").click()
    expect(page.locator("html")).to_have_attribute("lang", "ur")
    manifest = page.evaluate("async () => (await fetch(document.querySelector('link[rel=manifest]').href)).json()")
    assert (manifest["lang"], manifest["dir"]) == ("ur", "rtl")
    assert manifest["shortcuts"][0]["name"] == "گاہک"


def test_with_no_network_a_page_not_kept_shows_the_offline_page_in_english_and_urdu(
    context, page, shop_owner, words, screenshot
):
    log_in(page, shop_owner)
    controlled(page)
    context.set_offline(True)
    page.goto("/invoices")

    english = page.locator("section.offline-message[lang='en']")
    urdu = page.locator("section.offline-message[lang='ur'][dir='rtl']")
    expect(english.locator("h1")).to_have_text("You are offline")
    expect(urdu.locator("h1")).to_have_text(words("ur", "You are offline"))
    assert words("ur", "You are offline") != "You are offline"
    # Nothing of the shop or the member on it: it is the same page for everyone.
    assert shop_owner.shop_name not in page.content() and shop_owner.name not in page.content()
    # It is styled (the stylesheet came from the shell's cache) and its Urdu is set in Nastaliq.
    assert page.evaluate("() => getComputedStyle(document.querySelector('.topbar')).position") == "sticky"
    assert "Nastaliq" in urdu.evaluate("(element) => getComputedStyle(element).fontFamily")
    screenshot("offline-page")

    # Back online, "Try again" loads the page.
    context.set_offline(False)
    english.get_by_role("link", name="Try again").click()
    expect(page.locator("main h1")).to_have_text("Invoices")


def test_the_customers_and_jobs_lists_last_viewed_are_readable_offline(context, page, customers_of_two_shops,
                                                                        screenshot):
    noor, _other = customers_of_two_shops
    log_in(page, noor)
    controlled(page)
    page.goto("/customers")  # a navigation
    wait_for_kept(page, "/customers")
    page.locator(".bottom-nav a[href='/jobs']").click()  # a boosted one
    page.wait_for_url(re.compile(r"/jobs$"))
    wait_for_kept(page, "/jobs")

    context.set_offline(True)
    page.goto("/customers")
    expect(page.locator("main")).to_contain_text("Rashid Mehmood")
    banner = page.locator("[data-connection]")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("You are offline. This is the copy kept on this phone at")
    screenshot("customers-offline")
    page.goto("/jobs")
    expect(page.locator("main h1")).to_have_text("Jobs")
    expect(banner).to_be_visible()

    # A list with a search the phone never saw shows the same list as it was last seen.
    page.goto("/customers?q=Rash")
    expect(page.locator("main")).to_contain_text("Rashid Mehmood")


def test_fragments_are_never_answered_from_the_cache(context, page, customers_of_two_shops):
    noor, _other = customers_of_two_shops
    log_in(page, noor)
    controlled(page)
    page.goto("/customers")
    wait_for_kept(page, "/customers")
    context.set_offline(True)
    outcome = page.evaluate("""async () => {
      try {
        const response = await fetch("/customers", { headers: { "HX-Request": "true" } });
        return "answered " + response.status;
      } catch (error) { return "failed"; }
    }""")
    assert outcome == "failed"
    # Only the two lists are ever kept: not a customer's page, an invoice, or anything else.
    for paths in kept_pages(page).values():
        assert set(paths) <= {"/customers", "/jobs"}


def test_another_member_on_the_same_phone_never_sees_the_lists_kept_for_the_first(
    context, page, customers_of_two_shops
):
    noor, other = customers_of_two_shops
    log_in(page, noor)
    controlled(page)
    page.goto("/customers")
    wait_for_kept(page, "/customers")

    # The session ends without a logout (it expired, the cookies were cleared); someone else logs in.
    context.clear_cookies()
    log_in(page, other)
    page.goto("/shops")
    expect(page.locator("main")).to_be_visible()
    assert all("/customers" not in paths for paths in kept_pages(page).values()), cache_names(page)

    context.set_offline(True)
    page.goto("/customers")
    expect(page.locator("section.offline-message[lang='en'] h1")).to_have_text("You are offline")
    assert "Rashid Mehmood" not in page.content()


def test_a_visitor_after_the_session_ended_gets_no_kept_page(context, page, customers_of_two_shops):
    noor, _other = customers_of_two_shops
    log_in(page, noor)
    controlled(page)
    page.goto("/customers")
    wait_for_kept(page, "/customers")
    context.clear_cookies()
    page.goto("/customers")  # sent to the login page: nobody is logged in on this phone now
    page.wait_for_url(re.compile(r"/login"))
    assert kept_pages(page) == {}
    context.set_offline(True)
    page.goto("/customers")
    assert "Rashid Mehmood" not in page.content()


def test_logging_out_clears_every_kept_page_and_whose_they_were(context, page, customers_of_two_shops):
    noor, _other = customers_of_two_shops
    log_in(page, noor)
    controlled(page)
    page.goto("/customers")
    wait_for_kept(page, "/customers")
    assert kept_pages(page)

    cleared = []
    page.on("response", lambda response: cleared.append(response.all_headers().get("clear-site-data"))
            if response.url.endswith("/logout") else None)
    page.goto("/more")
    page.locator("form[action='/logout'] button[type='submit']").click()
    page.wait_for_url(re.compile(r"/login$"))
    assert cleared == ['"cache", "storage"']
    # The login page installs the worker afresh: the shell's public files come back, no member's page does.
    controlled(page)
    names = cache_names(page)
    assert not [name for name in names if name.startswith(("shopledger-pages-", "shopledger-state-"))
                and names[name]], names
    context.set_offline(True)
    page.goto("/customers")
    assert "Rashid Mehmood" not in page.content()


def test_the_logout_message_alone_clears_the_workers_caches(context, page, customers_of_two_shops):
    """For browsers that ignore Clear-Site-Data: the page tells the service worker, which forgets every page."""
    noor, _other = customers_of_two_shops
    log_in(page, noor)
    controlled(page)
    page.goto("/customers")
    wait_for_kept(page, "/customers")
    answer = page.evaluate("""() => new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = (event) => resolve(event.data);
      navigator.serviceWorker.controller.postMessage({ type: "logout" }, [channel.port2]);
    })""")
    assert answer == "cleared"
    names = cache_names(page)
    assert kept_pages(page) == {}
    assert [name for name in names if name.startswith("shopledger-static-")], names  # the public shell again


def test_a_new_release_replaces_every_cache_so_no_page_is_left_stale(context, page, customers_of_two_shops,
                                                                      monkeypatch):
    from shopledger.blueprints.pwa import routes as pwa_routes

    noor, _other = customers_of_two_shops
    log_in(page, noor)
    controlled(page)
    page.goto("/customers")
    wait_for_kept(page, "/customers")
    before = cache_names(page)
    old_release = next(name for name in before if name.startswith("shopledger-static-")).rsplit("-", 1)[1]

    monkeypatch.setattr(pwa_routes, "release", lambda: "0ddba11c0ffe")
    page.evaluate("async () => (await navigator.serviceWorker.getRegistration()).update()")
    wait_until(page, "async (old) => !(await caches.keys()).some((name) => name.includes(old))", old_release,
               message="the old release's caches to go")
    names = cache_names(page)
    assert all("0ddba11c0ffe" in name for name in names), names
