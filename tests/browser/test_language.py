"""English and Urdu: the toggle, right-to-left layout and the Nastaliq font, page by page.

The Urdu checks read translated text, so they need translations/ur compiled (pybabel compile).
"""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import VIEWPORT, log_in

URDU = re.compile(r"[\u0600-\u06FF]")
URDU_FONT = "Noto Nastaliq Urdu"


def switch_language(page, lang: str, dir: str) -> None:
    """Press the toggle in the top bar and wait for the full page load in the other language."""
    with page.expect_navigation():
        page.locator(".topbar .lang-toggle button").click()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("html")).to_have_attribute("dir", dir)


def box(page, selector: str) -> dict:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, f"{selector} is not on the page"
    return found


def assert_fits_the_phone(page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= VIEWPORT["width"], f"the page is {width}px wide: something sticks out sideways"


def assert_urdu_page(page) -> None:
    """The page reads right to left, in Urdu, in Nastaliq, with the top bar mirrored."""
    heading = page.locator("main h1")
    expect(heading).to_have_text(URDU)  # fails until the Urdu catalogue is compiled
    assert page.evaluate("() => getComputedStyle(document.body).direction") == "rtl"
    font = heading.evaluate("(element) => getComputedStyle(element).fontFamily")
    assert font.replace('"', "").startswith(URDU_FONT), font
    loaded = page.evaluate(
        """async (family) => {
            await document.fonts.ready;
            return document.fonts.check(`16px "${family}"`, "اردو");
        }""",
        URDU_FONT,
    )
    assert loaded, f"{URDU_FONT} is not loaded after document.fonts.ready"
    # Mirrored: the brand starts on the right, the language toggle sits on the left.
    assert box(page, ".topbar .brand")["x"] > box(page, ".topbar .lang-toggle button")["x"]
    assert_fits_the_phone(page)


def assert_english_page(page) -> None:
    expect(page.locator("main h1")).not_to_have_text(URDU)
    assert page.evaluate("() => getComputedStyle(document.body).direction") == "ltr"
    assert box(page, ".topbar .brand")["x"] < box(page, ".topbar .lang-toggle button")["x"]
    assert_fits_the_phone(page)


def assert_list_rows_mirrored(page, rtl: bool) -> None:
    """In a list row the icon comes first in reading order: on the right in Urdu, on the left in English."""
    icon = box(page, "main .list-link .icon")
    label = box(page, "main .list-link .grow")
    assert (icon["x"] > label["x"]) is rtl, (icon, label)


def assert_bottom_nav_mirrored(page, rtl: bool) -> None:
    assert page.locator(".bottom-nav").evaluate("(nav) => getComputedStyle(nav).direction") == ("rtl" if rtl else "ltr")
    links = page.locator(".bottom-nav a")
    if links.count() > 1:
        first, last = links.first.bounding_box(), links.last.bounding_box()
        assert (first["x"] > last["x"]) is rtl, (first, last)


def assert_password_clear_of_the_show_button(page) -> None:
    """What is typed into the password field never runs under its Show button, in either direction."""
    page.locator("#password").fill("typed password")
    expect(page.locator("[data-reveal]")).to_be_visible()
    text_box = page.locator("#password").evaluate(
        """(input) => {
            const box = input.getBoundingClientRect(), style = getComputedStyle(input);
            return {left: box.left + parseFloat(style.paddingLeft), right: box.right - parseFloat(style.paddingRight)};
        }"""
    )
    button = box(page, "[data-reveal]")
    apart = button["x"] >= text_box["right"] or button["x"] + button["width"] <= text_box["left"]
    assert apart, f"the Show button {button} covers the password's text area {text_box}"
    page.locator("#password").fill("")


def test_the_language_toggle_switches_between_english_and_right_to_left_urdu(page, shop_owner, screenshot):
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    assert_english_page(page)
    assert_password_clear_of_the_show_button(page)
    screenshot("login-en")

    switch_language(page, "ur", "rtl")
    expect(page).to_have_url(re.compile(r"/login$"))
    assert_urdu_page(page)
    assert_password_clear_of_the_show_button(page)
    screenshot("login-ur")

    # The visitor's choice carries into the shop: logging in keeps Urdu.
    log_in(page, shop_owner)
    expect(page.locator("html")).to_have_attribute("lang", "ur")
    assert_urdu_page(page)
    expect(page.locator(".topbar .brand-name")).to_have_text(shop_owner.shop_name)
    screenshot("home-ur")

    page.locator(".bottom-nav a[href$='/more']").click()
    page.wait_for_url(re.compile(r"/more$"))
    assert_urdu_page(page)
    assert_list_rows_mirrored(page, rtl=True)
    assert_bottom_nav_mirrored(page, rtl=True)
    screenshot("more-ur")

    page.locator("main a[href$='/members']").click()
    page.wait_for_url(re.compile(r"/members$"))
    assert_urdu_page(page)
    expect(page.locator("#members-list")).to_contain_text("Ayesha Khan")
    screenshot("members-ur")

    # Back to English, on the same page.
    switch_language(page, "en", "ltr")
    expect(page).to_have_url(re.compile(r"/members$"))
    expect(page.locator("main h1")).to_have_text("Members and roles")
    assert_english_page(page)
    screenshot("members-en")

    page.locator(".bottom-nav a[href$='/more']").click()
    page.wait_for_url(re.compile(r"/more$"))
    expect(page.locator("main h1")).to_have_text("More")
    assert_english_page(page)
    assert_list_rows_mirrored(page, rtl=False)
    assert_bottom_nav_mirrored(page, rtl=False)
    screenshot("more-en")

    page.locator("main a.list-link[href='/']").click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator("main h1")).to_have_text(f"Hello, {shop_owner.name}")
    assert_english_page(page)
    screenshot("home-en")

    # The choice is the member's own now: it is still English after reloading.
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
