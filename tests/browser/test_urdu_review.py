"""The Urdu review: every page of the registry in Urdu at 390 px, screenshotted and checked.

Nothing may be clipped (no sideways scrolling, no element past the screen's edge, no box cutting off its text),
direction-sensitive icons (back arrows, chevrons) must be mirrored, and invoice numbers and amounts must be set
apart from the right-to-left text around them (<bdi> or dir="ltr") so that they read the right way round.
The screenshots are in artifacts/screenshots/urdu-review-<page>.png.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .pages import MAIN_PAGES, PUBLIC_PAGES, seed_demo, url_of
from .pwa_support import log_in_quietly

# Icons that point somewhere: they must turn round in Urdu (the `icon(..., flip=true)` macro).
DIRECTIONAL_ICONS = ("chevron", "arrow-back", "logout")

CHECKS = r"""(directional) => {
  const problems = [];
  const width = window.innerWidth;
  const describe = (element) => {
    const id = element.id ? "#" + element.id : "";
    const cls = typeof element.className === "string" && element.className ? "." + element.className.trim().split(/\s+/).join(".") : "";
    return `${element.tagName.toLowerCase()}${id}${cls} "${(element.textContent || "").trim().replace(/\s+/g, " ").slice(0, 40)}"`;
  };
  const hidden = (element) => element.closest("[hidden], template, .visually-hidden, .skip-link, [aria-hidden=true]")
    || (element.closest("details:not([open])") && !element.closest("summary"))
    || getComputedStyle(element).visibility === "hidden";

  if (document.documentElement.scrollWidth > width) {
    problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} px wide on a ${width} px screen`);
  }
  for (const element of document.body.querySelectorAll("*")) {
    if (hidden(element)) continue;
    const style = getComputedStyle(element);
    if (style.display === "none" || style.position === "fixed" && element.closest(".toasts")) continue;
    const box = element.getBoundingClientRect();
    // Nothing to see, or kept for screen readers only (a 1 px box clipped away, like .visually-hidden).
    if (box.width <= 1 || box.height <= 1) continue;
    if (box.left < -1 || box.right > width + 1) {
      problems.push(`past the screen's edge (${Math.round(box.left)}..${Math.round(box.right)}): ${describe(element)}`);
    }
    // A box that hides what overflows it, and has more inside than it shows.
    const clips = [style.overflowX, style.overflowY].some((value) => value === "hidden" || value === "clip");
    if (clips && !element.matches("svg, img, input, select, textarea, .progress")) {
      if (element.scrollWidth > element.clientWidth + 1 || element.scrollHeight > element.clientHeight + 2) {
        problems.push(`cuts off its content (${element.scrollWidth}x${element.scrollHeight} in ${element.clientWidth}x${element.clientHeight}): ${describe(element)}`);
      }
    }
    if (style.textOverflow === "ellipsis" && element.scrollWidth > element.clientWidth + 1) {
      problems.push(`ends in an ellipsis: ${describe(element)}`);
    }
  }

  for (const use of document.querySelectorAll("svg.icon use")) {
    const name = (use.getAttribute("href") || "").split("#")[1];
    const icon = use.closest("svg");
    if (!directional.includes(name) || hidden(icon)) continue;
    const transform = getComputedStyle(icon).transform;
    if (!transform.startsWith("matrix(-1")) problems.push(`the "${name}" icon is not mirrored: ${describe(icon.parentElement)}`);
  }

  // Invoice numbers and amounts in Latin digits, beside Urdu in the same block: each in an inline isolate
  // (<bdi>, dir="ltr", unicode-bidi: isolate) or its block left-to-right. (Chromium marks block boxes
  // "isolate" too; that does not set a number apart from the words beside it, so only inline boxes count.)
  const urdu = /[\u0600-\u06FF]/;
  const setApart = (node) => {
    for (let element = node.parentElement; element && element !== document.body; element = element.parentElement) {
      const style = getComputedStyle(element);
      if (element.matches("input, textarea, select, option")) return true;
      if (!style.display.startsWith("inline")) return style.direction === "ltr" || !urdu.test(element.textContent);
      if (element.tagName === "BDI" || element.getAttribute("dir") === "ltr"
          || ["isolate", "isolate-override", "plaintext"].includes(style.unicodeBidi)) return true;
    }
    return false;
  };
  const pattern = /[A-Z]{2,}-\d{4}-\d+|(?:Rs|PKR)\s?[\d,]+/;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    // Only HTML text: a chart's labels are placed one by one (and its <title> and <desc> are read out, not drawn).
    if (!pattern.test(node.textContent) || hidden(node.parentElement) || node.parentElement.closest("svg")) continue;
    // Inside isolate marks (U+2068 ... U+2069) counts as set apart too.
    if (/\u2068[^\u2069]*(?:[A-Z]{2,}-\d{4}-\d+|(?:Rs|PKR)\s?[\d,]+)/.test(node.textContent)) continue;
    if (!setApart(node)) problems.push(`not set apart from the Urdu around it: "${node.textContent.trim().slice(0, 50)}" in ${describe(node.parentElement)}`);
  }
  return problems;
}"""


@pytest.fixture
def demo(app, db):
    return seed_demo(app, db)


def test_every_page_reads_right_to_left_in_urdu(app, demo, new_context, request):
    context = new_context(locale="ur-PK")
    page = context.new_page()
    problems = []
    folder = request.config.rootpath / "artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)

    def shoot(name: str) -> None:
        # From the top, once htmx is idle; the public pages have no loading bar to wait for.
        page.evaluate("() => window.scrollTo(0, 0)")
        page.wait_for_function("() => !document.querySelector('.htmx-request')")
        page.screenshot(path=str(folder / f"urdu-review-{name}.png"), full_page=True, caret="initial")

    def review(entries) -> None:
        for entry in entries:
            if entry.language not in (None, "ur"):
                continue  # a link made for an English-reading customer is in English for everyone
            url = url_of(app, entry, demo)
            page.goto(url)
            expect(page.locator("main").first).to_be_visible()
            page.wait_for_load_state("networkidle")
            page.evaluate("document.fonts.ready")
            if not entry.bilingual:
                assert (page.locator("html").get_attribute("lang"), page.locator("html").get_attribute("dir")) == (
                    "ur", "rtl"), url
                font = page.locator("main h1, main h2").first.evaluate("(e) => getComputedStyle(e).fontFamily")
                assert "Nastaliq" in font, f"{url}: headings are not in Nastaliq ({font})"
            problems.extend(f"{entry.name} ({url}): {problem}"
                            for problem in page.evaluate(CHECKS, list(DIRECTIONAL_ICONS)))
            shoot(entry.name)

    review(PUBLIC_PAGES)
    log_in_quietly(context, demo.owner_email, demo.password)
    page.goto("/more")
    page.locator(".lang-toggle button").click()
    expect(page.locator("html")).to_have_attribute("lang", "ur")
    review(MAIN_PAGES)
    assert not problems, f"{len(problems)} problems in Urdu:\n  " + "\n  ".join(problems)


def test_the_review_sees_what_it_looks_for(page, live_server):
    """A box past the edge, an unmirrored back arrow and a bare invoice number are all caught."""
    page.goto("/login")
    page.locator(".lang-toggle button").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.evaluate("""() => {
      const main = document.querySelector("main");
      main.insertAdjacentHTML("beforeend",
        '<p class="x-wide">wide</p><p>بل INV-2026-0042 باقی</p>' +
        '<svg class="icon"><use href="/static/icons/sprite.svg#arrow-back"></use></svg>');
      main.querySelector(".x-wide").style.width = "600px";
    }""")
    found = "\n".join(page.evaluate(CHECKS, list(DIRECTIONAL_ICONS)))
    assert "the page scrolls sideways" in found
    assert "past the screen's edge" in found and "x-wide" in found
    assert 'the "arrow-back" icon is not mirrored' in found
    assert 'not set apart from the Urdu around it: "بل INV-2026-0042 باقی"' in found
