"""Accessibility of the main pages, in English and in Urdu, on the demo shop at a phone's width.

axe-core (vendored in tests/vendor/) runs in Chromium on every page of the registry (tests/browser/pages.py)
and no serious or critical violation may be found. Beside it, two checks axe leaves to people: every control a
thumb has to hit is at least 44 px in both directions, and the shop's daily work can be done with the keyboard.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .pages import MAIN_PAGES, PUBLIC_PAGES, Page, seed_demo, url_of
from .pwa_support import log_in_quietly

AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe-4.14.1.min.js"
LANGUAGES = ["en", "ur"]
TAP = 44

# axe's rules, with the impacts that fail the check.
RUN_AXE = r"""async () => {
  const results = await axe.run(document, { resultTypes: ["violations"] });
  return results.violations
    .filter((violation) => ["serious", "critical"].includes(violation.impact))
    .map((violation) => ({
      id: violation.id, impact: violation.impact, help: violation.help,
      nodes: violation.nodes.slice(0, 5).map((node) => node.target.join(" ") + " :: " + node.failureSummary.replace(/\s+/g, " ")),
    }));
}"""

# Controls smaller than a fingertip. A link inside a sentence is exempt (WCAG 2.5.8's inline exception), and so
# is a control the page keeps out of sight (the skip link until it is focused, a hidden input).
SMALL_TARGETS = r"""(tap) => {
  const small = [];
  const controls = document.querySelectorAll(
    "a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [tabindex]:not([tabindex='-1'])");
  for (const element of controls) {
    const style = getComputedStyle(element);
    if (style.visibility === "hidden" || style.display === "none" || element.closest("[hidden], template")) continue;
    if (element.classList.contains("skip-link") || element.closest(".visually-hidden")) continue;
    // Inside a closed <details>: not shown until it is opened (Chromium still gives it a box).
    const closed = element.closest("details:not([open])");
    if (closed && !element.closest("summary")) continue;
    let target = element;
    // A checkbox or radio is hit through its label.
    if (element.matches("input[type=checkbox], input[type=radio]") && element.closest("label")) target = element.closest("label");
    if (element.tagName === "A" && style.display === "inline") {
      // In a sentence: the nearest block around it says more than the link does.
      let block = element.parentElement;
      while (block && getComputedStyle(block).display.startsWith("inline")) block = block.parentElement;
      if (block && block.textContent.replace(/\s+/g, " ").trim() !== element.textContent.replace(/\s+/g, " ").trim()) continue;
    }
    const box = target.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (Math.round(box.height) < tap || Math.round(box.width) < tap) {
      const name = (element.getAttribute("aria-label") || element.textContent || element.name || element.id || "").trim().slice(0, 40);
      small.push(`${element.tagName.toLowerCase()}${element.id ? "#" + element.id : ""} "${name}" ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return small;
}"""


@pytest.fixture
def demo(app, db):
    return seed_demo(app, db)


def visit(page, url: str) -> None:
    page.goto(url)
    expect(page.locator("main").first).to_be_visible()
    page.wait_for_load_state("networkidle")


def use_language(context, page, lang: str) -> None:
    """Switch the logged-in member (or the visitor) to a language with the page's own toggle."""
    page.goto("/login" if not context.cookies() else "/more")
    if page.locator("html").get_attribute("lang") != lang:
        page.locator(".lang-toggle button").click()
        expect(page.locator("html")).to_have_attribute("lang", lang)


def audit(page, pages: list[Page], app, demo, lang: str) -> tuple[list[str], list[str]]:
    violations, small = [], []
    axe_source = AXE.read_text(encoding="utf-8")
    for entry in pages:
        url = url_of(app, entry, demo)
        visit(page, url)
        assert page.locator("html").get_attribute("lang") == (entry.language or lang) or entry.bilingual, url
        # Evaluated through the DevTools protocol, so the page's Content-Security-Policy stays as it is.
        page.evaluate(axe_source)
        for violation in page.evaluate(RUN_AXE):
            violations.append(f"[{lang}] {entry.name} ({url}): {violation['impact']} {violation['id']} — "
                              f"{violation['help']}\n      " + "\n      ".join(violation["nodes"]))
        small += [f"[{lang}] {entry.name} ({url}): {target}" for target in page.evaluate(SMALL_TARGETS, TAP)]
    return violations, small


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_main_pages_have_no_serious_accessibility_problem(app, demo, new_context, lang):
    context = new_context(locale="ur-PK" if lang == "ur" else "en-US")
    page = context.new_page()
    use_language(context, page, lang)
    public_violations, public_small = audit(page, PUBLIC_PAGES, app, demo, lang)

    log_in_quietly(context, demo.owner_email, demo.password)
    use_language(context, page, lang)
    violations, small = audit(page, MAIN_PAGES, app, demo, lang)

    problems = public_violations + violations
    assert not problems, f"{len(problems)} serious or critical axe violations:\n" + "\n".join(problems)
    targets = public_small + small
    assert not targets, f"controls smaller than {TAP} px:\n  " + "\n  ".join(targets)


def test_the_checks_find_what_they_look_for(page, live_server):
    """An unlabelled field, grey-on-white text and a tiny button are caught: the checks above can fail."""
    page.goto("/login")
    page.evaluate("""() => document.querySelector("main").insertAdjacentHTML("beforeend",
      '<input type="text" id="nameless"><p class="x-faint">faint</p><button type="button" class="x-tiny">x</button>')""")
    # Styles the page's CSP would refuse from markup are set through the DOM's own API.
    page.evaluate("""() => {
      document.querySelector(".x-faint").style.color = "#bbb";
      const tiny = document.querySelector(".x-tiny");
      tiny.style.width = "20px"; tiny.style.height = "20px"; tiny.style.padding = "0";
    }""")
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found = {violation["id"] for violation in page.evaluate(RUN_AXE)}
    assert {"label", "color-contrast"} <= found
    assert any(re.search(r'button "x" 20x20', target) for target in page.evaluate(SMALL_TARGETS, TAP))


def test_a_payment_can_be_received_with_the_keyboard_alone(app, demo, new_context):
    """Tab to the form, type, press Enter: no pointer anywhere. Focus is always visible."""
    context = new_context()
    page = context.new_page()
    page.goto("/login")
    page.keyboard.press("Tab")  # the skip link comes first, and shows when focused
    expect(page.locator(".skip-link")).to_be_focused()
    assert page.locator(".skip-link").evaluate("(link) => link.getBoundingClientRect().top >= 0")
    page.locator("#email").focus()
    page.keyboard.type(demo.owner_email)
    page.keyboard.press("Tab")
    page.keyboard.type(demo.password)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/$"))

    page.goto(f"/customers/{demo.ids['customer_id']}")
    amount = page.locator("#received-amount")
    for _ in range(80):
        page.keyboard.press("Tab")
        if amount.evaluate("(field) => field === document.activeElement"):
            break
    expect(amount).to_be_focused()
    outline = amount.evaluate("(field) => getComputedStyle(field).outlineStyle")
    assert outline != "none", "the focused field shows no focus ring"
    page.keyboard.type("150")
    page.keyboard.press("Enter")
    expect(page.locator("#quick-received [role='status']")).to_contain_text(re.compile(r"Rs\s150 received from"))
