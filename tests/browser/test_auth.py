"""Signing up, logging in and out in a real browser, with and without JavaScript."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import log_in

SHOP = "Karachi Stitching House"
NAME = "Farah Siddiqui"
EMAIL = "farah@stitching.example.com"
PASSWORD = "green chai at noon"


def sign_up(page) -> None:
    page.goto("/signup")
    page.get_by_label("Shop name").fill(SHOP)
    page.get_by_label("Your name").fill(NAME)
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create my shop").click()
    page.wait_for_url(re.compile(r"/$"))


def test_a_new_shop_signs_up_and_lands_on_its_home_page(page, screenshot):
    page.goto("/signup")
    expect(page.get_by_role("heading", level=1)).to_have_text("Start your shop's book")
    screenshot("form")

    sign_up(page)

    expect(page.locator(".topbar .brand-name")).to_have_text(SHOP)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {NAME}")
    expect(page.locator("main")).to_contain_text(f"You are working in {SHOP} as")
    expect(page.locator(".toast.success")).to_contain_text("Your shop is ready")
    screenshot("home")


def go_to_more(page) -> None:
    # The welcome toast can sit over the bottom nav (see the test below); close it as a person would.
    page.locator(".toast [data-dismiss]").click()
    page.locator(".bottom-nav").get_by_role("link", name="More").click()
    page.wait_for_url(re.compile(r"/more$"))


def test_logging_out_closes_the_shop_and_logging_in_again_opens_it(page, screenshot):
    sign_up(page)
    go_to_more(page)
    page.get_by_role("button", name="Log out").click()

    page.wait_for_url(re.compile(r"/login$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in to ShopLedger")
    expect(page.locator(".toast")).to_contain_text("You have logged out.")
    expect(page.locator("body")).not_to_contain_text(SHOP)
    expect(page.locator(".bottom-nav")).to_have_count(0)
    screenshot("logged-out")

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator("body")).not_to_contain_text(SHOP)

    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator(".topbar .brand-name")).to_have_text(SHOP)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {NAME}")
    screenshot("logged-in-again")


def test_pressing_back_after_logging_out_does_not_show_the_shop(page):
    sign_up(page)
    go_to_more(page)
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login$"))

    page.go_back()
    page.wait_for_load_state()
    # Whatever Back shows (the server's answer or a restored copy), the shop must not be in it.
    expect(page.locator("body")).not_to_contain_text(SHOP, timeout=2000)
    expect(page.locator(".bottom-nav")).to_have_count(0, timeout=500)
    stored = page.evaluate("() => JSON.stringify(window.localStorage)")
    assert SHOP not in stored, "the shop's pages are kept in localStorage after logging out"


def test_toasts_stay_above_the_bottom_nav_after_signing_up(page):
    sign_up(page)
    toast = page.locator(".toast.success").bounding_box()
    nav = page.locator(".bottom-nav").bounding_box()
    assert toast["y"] + toast["height"] <= nav["y"], f"the toast {toast} covers the bottom nav {nav}"


def test_sign_up_with_bad_input_shows_each_problem_beside_its_field_and_keeps_what_was_typed(page, screenshot):
    failures = []
    page.on("response", lambda response: failures.append(response.url) if response.status >= 500 else None)
    page.goto("/signup")

    def error_beside(field_id: str):
        field = page.locator(f".field:has(#{field_id})")
        expect(page.locator(f"#{field_id}")).to_have_attribute("aria-invalid", "true")
        expect(page.locator(f"#{field_id}")).to_have_attribute("aria-describedby", re.compile(rf"\b{field_id}-error\b"))
        return field.locator(f"#{field_id}-error")

    def submit():
        def is_the_post(response) -> bool:
            return response.url.endswith("/signup") and response.request.method == "POST"

        with page.expect_response(is_the_post) as answer:
            page.get_by_role("button", name="Create my shop").click()
        assert answer.value.status == 422

    # Everything wrong at once: the empty shop name is reported, and nothing typed is lost. (The email and
    # password are checked by the sign-up service, which runs only once the form's own checks pass.)
    page.get_by_label("Your name").fill(NAME)
    page.get_by_label("Email").fill("farah-at-stitching")
    page.get_by_label("Password", exact=True).fill("short")
    submit()
    expect(error_beside("shop_name")).to_have_text("Enter the shop's name.")
    expect(page.get_by_label("Your name")).to_have_value(NAME)
    expect(page.get_by_label("Email")).to_have_value("farah-at-stitching")
    expect(page).to_have_url(re.compile(r"/signup$"))
    screenshot("empty-shop-name")

    page.get_by_label("Shop name").fill(SHOP)
    page.get_by_label("Password", exact=True).fill("short")
    submit()
    expect(error_beside("email")).to_contain_text("Enter a valid email address")
    expect(page.get_by_label("Shop name")).to_have_value(SHOP)
    expect(page.get_by_label("Email")).to_have_value("farah-at-stitching")
    expect(page.locator("#shop_name-error")).to_have_count(0)
    screenshot("bad-email")

    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill("short")
    submit()
    expect(error_beside("password")).to_have_text("Use at least 8 characters.")
    expect(page.get_by_label("Shop name")).to_have_value(SHOP)
    expect(page.get_by_label("Email")).to_have_value(EMAIL)
    screenshot("short-password")

    assert failures == []


def test_logging_in_works_without_javascript(new_context, shop_owner, screenshot):
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/login")
    # The password's Show button needs a script; without one it stays out of the way.
    expect(page.locator("[data-reveal]")).to_be_hidden()

    log_in(page, shop_owner)

    expect(page.locator(".topbar .brand-name")).to_have_text(shop_owner.shop_name)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {shop_owner.name}")
    screenshot("home", page)

    # Without scripts a role select cannot save itself, so its Save button shows.
    page.goto("/members")
    expect(page.locator("#members-list [data-autosubmit-fallback]").first).to_be_visible()
