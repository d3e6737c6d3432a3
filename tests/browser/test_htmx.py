"""htmx in the browser: boosted navigation under the Content-Security-Policy, and in-place fragments."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import log_in

# htmx complains on the console about every boosted link, because <body> gives links hx-disabled-elt too.
KNOWN_HTMX_COMPLAINT = "on hx-disabled-elt returned no matches"

# Set on window before a click; still there afterwards only when no full page load happened.
MARK = "() => { window.__sameDocument = true; }"
SAME_DOCUMENT = "() => window.__sameDocument === true"


def follow(page, link, path: str, heading: str) -> None:
    """Click a boosted link; the URL and page change without a full load."""
    page.evaluate(MARK)
    link.click()
    page.wait_for_url(re.compile(rf"{re.escape(path)}$"))
    expect(page.locator("main h1")).to_have_text(heading)
    assert page.evaluate(SAME_DOCUMENT), f"going to {path} reloaded the whole page"
    expect(page).to_have_title(re.compile(rf"^{re.escape(heading)} · ShopLedger$"))


def test_boosted_navigation_updates_the_url_without_script_errors_or_csp_violations(page, js_problems, shop_owner):
    log_in(page, shop_owner)
    expect(page.locator("main h1")).to_have_text(f"Hello, {shop_owner.name}")
    # htmx itself is running (boost would silently fall back to full loads without it).
    assert page.evaluate("() => typeof window.htmx === 'object' && htmx.version.startsWith('2.')")

    nav = page.locator(".bottom-nav")
    follow(page, nav.get_by_role("link", name="More"), "/more", "More")
    expect(nav.get_by_role("link", name="More")).to_have_attribute("aria-current", "page")
    follow(page, page.locator("main").get_by_role("link", name="Members and roles"), "/members", "Members and roles")
    follow(page, nav.get_by_role("link", name="More"), "/more", "More")
    follow(page, page.locator("main").get_by_role("link", name="Shop settings"), "/settings", "Shop settings")

    # Back restores the previous page and its address.
    page.go_back()
    page.wait_for_url(re.compile(r"/more$"))
    expect(page.locator("main h1")).to_have_text("More")

    assert [problem for problem in js_problems.all() if KNOWN_HTMX_COMPLAINT not in problem] == []


def test_following_a_boosted_link_logs_no_console_error(page, js_problems, shop_owner):
    log_in(page, shop_owner)
    follow(page, page.locator(".bottom-nav").get_by_role("link", name="More"), "/more", "More")
    assert js_problems.all() == []


def test_the_csp_violation_report_catches_an_inline_script(page, js_problems, live_server):
    """The check above can fail: an inline handler slipped into the page is refused and reported."""
    page.goto("/login")
    page.evaluate(
        """() => document.body.insertAdjacentHTML("beforeend", '<img src="/nothing" onerror="window.ran = 1">')"""
    )
    for _ in range(60):
        if js_problems.console:
            break
        page.wait_for_timeout(50)
    assert page.evaluate("() => window.ran") is None
    assert any("Content Security Policy" in problem for problem in js_problems.console), js_problems.console


def test_an_invitation_link_appears_in_place_and_lets_the_invited_person_join(
    page, js_problems, shop_owner, new_context, screenshot
):
    log_in(page, shop_owner)
    page.goto("/members")
    # A role select saves itself on change; its Save button is only for browsers without scripts.
    expect(page.locator("#members-list select").first).to_be_visible()
    expect(page.locator("#members-list [data-autosubmit-fallback]")).to_have_count(4)
    for button in page.locator("#members-list [data-autosubmit-fallback]").all():
        expect(button).to_be_hidden()
    page.evaluate(MARK)

    page.get_by_label("Who is it for?").fill("Zainab Raza")
    page.get_by_label("Role", exact=True).select_option("manager")
    with page.expect_response(re.compile(r"/members/invitations$")) as answer:
        page.get_by_role("button", name="Make an invitation link").click()
    assert answer.value.status == 200
    assert answer.value.request.headers.get("hx-request") == "true"

    link = page.locator("#invite-url")
    expect(link).to_have_value(re.compile(r"^http://127\.0\.0\.1:\d+/invite/[\w-]+$"))
    expect(page.locator("#invite")).to_contain_text("Send this link to Zainab Raza.")
    expect(page.locator("#invite")).to_contain_text("Links not used yet")
    expect(page.get_by_role("button", name="Copy")).to_be_visible()
    # Share appears only where the phone has a share sheet.
    has_share_sheet = page.evaluate("() => typeof navigator.share === 'function'")
    expect(page.get_by_role("button", name="Share")).to_be_visible(visible=has_share_sheet)
    assert page.evaluate(SAME_DOCUMENT), "making the link reloaded the whole page"
    expect(page).to_have_url(re.compile(r"/members$"))
    screenshot("link-made")
    url = link.input_value()

    # The invited person opens the link on their own phone.
    guest = new_context().new_page()
    guest.goto(url)
    expect(guest.locator("main h1")).to_have_text(f"Join {shop_owner.shop_name}")
    expect(guest.locator(".hero .badge")).to_have_text("Manager")
    guest.get_by_label("Your name").fill("Zainab Raza")
    guest.get_by_label("Email").fill("zainab@noortailors.example.com")
    guest.get_by_label("Password", exact=True).fill("needle and thread 7")
    guest.get_by_role("button", name="Create my account and join").click()

    guest.wait_for_url(re.compile(r"/$"))
    expect(guest.locator(".topbar .brand-name")).to_have_text(shop_owner.shop_name)
    expect(guest.locator("main h1")).to_have_text("Hello, Zainab Raza")
    expect(guest.locator(".greeting .badge")).to_have_text("Manager")
    expect(guest.locator(".toast.success")).to_contain_text(f"You have joined {shop_owner.shop_name}.")
    screenshot("joined", guest)

    # The link works once.
    second = new_context().new_page()
    second.goto(url)
    expect(second.locator("main h1")).to_have_text("This invitation cannot be used")

    # The owner sees the new manager among the members.
    page.reload()
    expect(page.locator("#members-list")).to_contain_text("Zainab Raza")
    expect(page.locator("#invite")).not_to_contain_text("Links not used yet")

    assert js_problems.all() == []
