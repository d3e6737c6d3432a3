"""The dashboard and the reports on a 390 px phone, in English and in Urdu: the issue's acceptance check.

The shop is the hand-worked book of tests/report_book.py, seen on Saturday 21 November 2026 in Karachi. The
sales chart is read back from the page: one bar for each day (or month), oldest at the start of the reading
direction, each bar as tall as its sales against the chart's top. Amounts checked come from the app's own
money formatting; elements are found by id, class and href rather than by visible words.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from shopledger.services import clock
from shopledger.services.money import format_money
from tests.conftest import TEST_PASSWORD
from tests.report_book import NOW, build

from .conftest import VIEWPORT, Member, log_in

LANGUAGES = ["en", "ur"]
URDU = re.compile(r"[\u0600-\u06FF]")


@pytest.fixture
def book(db, make_team, monkeypatch):
    """The book in a shop whose owner logs in; the live server runs on the same frozen clock."""
    monkeypatch.setattr(clock, "now", lambda: NOW)
    built = build(make_team("Noor Tailors"))
    owner = Member(email=built.team.owner.email, password=TEST_PASSWORD, name=built.team.owner.name,
                   shop_name=built.shop.name)
    db.session.close()  # the live server works on its own connections
    return owner


def rupees(minor: int, lang: str) -> str:
    return format_money(minor, "PKR", territory="PK", locale=lang)


def start(page, member: Member, lang: str) -> None:
    log_in(page, member)
    if lang != "en":
        with page.expect_navigation():
            page.locator(".topbar .lang-toggle button").click()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ur" else "ltr")


def snap(page, screenshot, step: str) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= VIEWPORT["width"], f"{step}: the page is {width}px wide, something sticks out sideways"
    screenshot(step)


def bars(page) -> list[dict]:
    """The chart's bars as drawn: where each is, how tall, and what it stands for."""
    return page.evaluate("""() => [...document.querySelectorAll("#sales-chart svg .chart-bar")].map((bar) => ({
        x: parseFloat(bar.getAttribute("x")), height: parseFloat(bar.getAttribute("height")),
        value: parseInt(bar.dataset.value, 10), start: bar.dataset.start,
        shown: bar.getBoundingClientRect().height,
    }))""")


def check_bars(page, *, count: int, rtl: bool, expected: dict[str, int]) -> None:
    drawn = bars(page)
    assert len(drawn) == count
    chart = page.locator("#sales-chart svg")
    top = int(chart.get_attribute("data-top"))
    baseline = float(chart.get_attribute("data-baseline"))
    plot_height = baseline - 22
    assert {bar["start"]: bar["value"] for bar in drawn if bar["value"]} == expected
    for bar in drawn:
        # Each bar's height is its sales against the chart's top, and an empty day draws nothing.
        assert bar["height"] == pytest.approx(bar["value"] / top * plot_height, abs=0.05), bar
        assert (bar["shown"] > 0) == (bar["value"] > 0), bar
    # Time runs in the reading direction: oldest first, so in Urdu the latest bar is the leftmost.
    order = sorted(drawn, key=lambda bar: bar["start"])
    xs = [bar["x"] for bar in order]
    assert xs == (sorted(xs, reverse=True) if rtl else sorted(xs))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_dashboard_and_its_chart_on_a_phone(page, book, lang, screenshot, js_problems):
    start(page, book, lang)
    rtl = lang == "ur"

    # The figures, each a link to the list behind it.
    takings = page.locator(".takings .figure-main")
    expect(takings).to_contain_text(rupees(1300_00, lang))
    assert takings.get_attribute("href").endswith("/payments?date_from=2026-11-21&date_to=2026-11-21")
    expect(page.locator(".month .figure-value")).to_contain_text(rupees(4600_00, lang))
    expect(page.locator(".month .comparison.is-up")).to_contain_text("53")
    expect(page.locator(".owed .figure-value")).to_contain_text(rupees(4100_00, lang))
    overdue = page.locator(".owed .figure-alert.is-due")
    expect(overdue).to_contain_text(rupees(3300_00, lang))
    assert overdue.get_attribute("href").endswith("/invoices?status=overdue")
    expect(page.locator(".job-counts .job-count")).to_have_text(["1", "1", "1"])

    # The chart: 30 bars, three of them with sales, in the reading direction.
    chart = page.locator("#sales-chart svg")
    expect(chart).to_have_attribute("role", "img")
    expect(chart.locator("title").first).not_to_be_empty()
    check_bars(page, count=30, rtl=rtl,
               expected={"2026-11-01": 3500_00, "2026-11-15": 400_00, "2026-11-21": 700_00})
    labels = chart.locator(".chart-label").all_text_contents()
    assert labels and all(bool(URDU.search(text)) == rtl for text in labels)
    assert "21" in labels[-1]  # the latest day is labelled
    expect(page.locator("#sales-chart .chart-total")).to_contain_text(rupees(4600_00, lang))
    snap(page, screenshot, f"dashboard-{lang}")

    # The toggle swaps the chart in place (no page load) and keeps the address of what is shown.
    page.evaluate("() => { window.__sameDocument = true; }")
    page.locator(".chart-toggle a").nth(1).click()
    expect(page.locator(".chart-toggle a").nth(1)).to_have_attribute("aria-current", "page")
    check_bars(page, count=12, rtl=rtl, expected={"2026-08-01": 600_00, "2026-09-01": 800_00,
                                                   "2026-10-01": 3000_00, "2026-11-01": 4600_00})
    assert page.evaluate("() => window.__sameDocument === true")
    assert page.url.endswith("/?chart=months")
    snap(page, screenshot, f"dashboard-months-{lang}")

    # The same figures as a table, each row linking to that month's invoices.
    page.locator("#sales-chart .chart-table summary").click()
    first_row = page.locator("#sales-chart .chart-table tbody tr").first
    expect(first_row.locator("td.is-money")).to_have_text(rupees(4600_00, lang))
    assert first_row.locator("a").get_attribute("href").endswith(
        "/invoices?from=2026-11-01&to=2026-11-21&status=all_issued")
    assert not js_problems.all(), js_problems.all()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_reports_on_a_phone(page, book, lang, screenshot, js_problems):
    start(page, book, lang)
    page.goto("/reports")
    snap(page, screenshot, f"reports-{lang}")

    page.goto("/reports/sales?from=2026-11-01&to=2026-11-21&by=customer")
    expect(page.locator("#sales-customers-table tfoot")).to_contain_text(rupees(4600_00, lang))
    snap(page, screenshot, f"report-sales-{lang}")

    page.goto("/reports/payments?from=2026-11-01&to=2026-11-21")
    expect(page.locator("#payments-methods-table tfoot")).to_contain_text(rupees(4400_00, lang))
    snap(page, screenshot, f"report-payments-{lang}")

    page.goto("/reports/aging")
    expect(page.locator("#aging-buckets-table tfoot")).to_contain_text(rupees(4100_00, lang))
    snap(page, screenshot, f"report-aging-{lang}")

    page.goto("/reports/jobs")
    expect(page.locator("#jobs-late-table tbody tr")).to_have_count(4)
    snap(page, screenshot, f"report-jobs-{lang}")

    # Another period through the form: swapped in place, the address kept; a bad one says why by its field.
    page.locator("#from").fill("2026-11-10")
    page.locator("#to").fill("2026-11-01")
    with page.expect_response(re.compile(r"/reports/jobs\?")) as answer:
        page.locator(".report-range button[type='submit']").click()
    assert answer.value.status == 422
    expect(page.locator("#to-error")).to_be_visible()
    snap(page, screenshot, f"report-jobs-error-{lang}")
    page.locator("#to").fill("2026-11-21")
    page.locator(".report-range button[type='submit']").click()
    expect(page.locator("#to-error")).to_have_count(0)
    assert "from=2026-11-10" in page.url
    # The browser notes the refusal on its console; nothing else may be there.
    problems = [problem for problem in js_problems.all() if "status of 422" not in problem]
    assert not problems, problems
