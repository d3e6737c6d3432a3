"""Invoices and payments on a 390 px phone, in English and in Urdu: the issue's acceptance flow.

A customer with two completed jobs is invoiced from their page: both jobs ticked, the lines filled in from
the quotes, the totals worked out again by the server as a quantity is typed, the draft saved and issued.
A part payment against it leaves it Partly paid; the customer's page, their khata and the customers list
all say what is still owed; and the invoice's PDF carries its number (in Urdu, Urdu words).

Elements are found by id, name and href rather than visible words; the words that are checked come from
the catalogue itself, and amounts from the app's own money formatting.
"""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import expect

from shopledger.models import JobStatus, Shop, User
from shopledger.services import clock
from shopledger.services import customers as customer_service
from shopledger.services import jobs as job_service
from shopledger.services.invoices import STATUS_LABELS, DisplayStatus
from shopledger.services.ledger import ENTRY_LABELS
from shopledger.services.money import format_money

from .conftest import VIEWPORT, Member, log_in

LANGUAGES = ["en", "ur"]
URDU = re.compile(r"[\u0600-\u06FF]")

# Set on window before an in-place change; still there afterwards only when no full page load happened.
MARK = "() => { window.__sameDocument = true; }"
SAME_DOCUMENT = "() => window.__sameDocument === true"

NAMES = {
    "en": ("Rashid Mehmood", "Wedding sherwani", "Two kurtas"),
    "ur": ("راشد محمود", "شادی کی شیروانی", "دو کرتے"),
}


@dataclass(frozen=True)
class Account:
    """The customer the flow bills, their two jobs (the dearer one newest, so it is the first line), the year."""

    customer_id: int
    name: str
    sherwani: str  # quoted Rs 3,000
    kurtas: str  # quoted Rs 1,500
    year: int


@pytest.fixture
def account(db, shop_owner: Member, lang: str) -> Account:
    """A customer (reading their papers in `lang`) with two completed jobs, quoted Rs 3,000 and Rs 1,500."""
    owner = db.session.scalar(db.select(User).filter_by(email=shop_owner.email))
    shop = db.session.scalar(db.select(Shop).filter_by(name=shop_owner.shop_name))
    name, sherwani, kurtas = NAMES[lang]
    customer = customer_service.create_customer(shop, by=owner, name=name, phone="0300 7654321",
                                                preferred_locale=lang)
    # Newest first on the invoice form: the Rs 3,000 job is taken last, so that it is the first line.
    for title, quoted_minor in ((kurtas, 150_000), (sherwani, 300_000)):
        job = job_service.create_job(shop, customer, by=owner, title=title, quoted_minor=quoted_minor)
        job_service.move(shop, job, to=JobStatus.COMPLETED, by=owner)
    db.session.commit()
    found = Account(customer_id=customer.id, name=name, sherwani=sherwani, kurtas=kurtas,
                    year=clock.shop_today(shop).year)
    db.session.close()  # the live server works on its own connections
    return found


@pytest.fixture
def say(app):
    """The catalogue's words for a message in a language, as the page shows them."""

    def translate(lang: str, message, **values) -> str:
        with app.test_request_context(), force_locale(lang):
            return gettext(message, **values) if isinstance(message, str) else str(message)

    return translate


def rupees(minor: int, lang: str) -> str:
    """An amount as the pages write it for a Pakistani shop (Rs 7,500)."""
    return format_money(minor, "PKR", territory="PK", locale=lang)


def start(page, shop_owner: Member, lang: str) -> None:
    """Log in, and switch to Urdu with the top bar's toggle when asked."""
    log_in(page, shop_owner)
    if lang != "en":
        with page.expect_navigation():
            page.locator(".topbar .lang-toggle button").click()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ur" else "ltr")


def snap(page, screenshot, step: str) -> None:
    """A full-page screenshot, once nothing sticks out sideways at 390 px."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= VIEWPORT["width"], f"{step}: the page is {width}px wide, something sticks out sideways"
    screenshot(step)
    # To hide the caret, Playwright writes an inline style on every field and leaves style="" behind. htmx
    # copies a field's style onto the field of the same id it swaps in, which the CSP (style-src 'self')
    # refuses: put the page back as the app left it, so a violation reported later is the app's own.
    page.evaluate("""() => document.querySelectorAll("[style='']").forEach((field) => field.removeAttribute("style"))""")


def dismiss_toasts(page) -> None:
    for button in page.locator(".toast [data-dismiss]").all():
        button.click()
    expect(page.locator(".toast")).to_have_count(0)


def pdf_text(data: bytes) -> str:
    """The PDF's text, as poppler's pdftotext reads it."""
    done = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True, timeout=30)
    return done.stdout.decode()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_invoice_two_jobs_take_part_payment_and_see_what_is_owed(
    page, js_problems, shop_owner, account, screenshot, say, live_server, lang
):
    status_of = {status: say(lang, STATUS_LABELS[status]) for status in DisplayStatus}
    owes = say(lang, "Owes %(amount)s", amount=rupees(250_000, lang))
    by_owner = say(lang, "by %(name)s", name=shop_owner.name)
    number = f"INV-{account.year}-0001"
    start(page, shop_owner, lang)

    # From the customer's page to a new invoice for them.
    page.locator(".bottom-nav a[href$='/customers']").click()
    page.wait_for_url(re.compile(r"/customers$"))
    page.locator("#customers-results .list-link", has_text=account.name).click()
    page.wait_for_url(re.compile(rf"/customers/{account.customer_id}$"))
    page.locator(f"#account a[href$='/invoices/new?customer_id={account.customer_id}']").click()
    page.wait_for_url(re.compile(rf"/invoices/new\?customer_id={account.customer_id}$"))
    expect(page.locator("#invoice-customer")).to_have_value(str(account.customer_id))

    # Tick both jobs: the editor comes back with a line for each, at its quoted price.
    picks = page.locator(".invoice-jobs input[name='job_id']")
    expect(picks).to_have_count(2)
    expect(page.locator(".invoice-jobs .job-pick-title")).to_have_text([account.sherwani, account.kurtas])
    for pick in picks.all():
        pick.check()
    page.locator(".invoice-jobs button[type='submit']").click()
    page.wait_for_url(re.compile(r"/invoices/new\?customer_id=\d+&job_id=\d+&job_id=\d+$"))
    expect(page.locator("#invoice-lines .invoice-line")).to_have_count(2)
    expect(picks.nth(0)).to_be_checked()
    expect(picks.nth(1)).to_be_checked()
    for index, (title, price) in enumerate(((account.sherwani, "3000"), (account.kurtas, "1500"))):
        expect(page.locator(f"#lines-{index}-description")).to_have_value(title)
        expect(page.locator(f"#lines-{index}-quantity")).to_have_value("1")
        expect(page.locator(f"#lines-{index}-unit_price")).to_have_value(price)
    grand_total = page.locator("#invoice-totals .grand-total dd")
    expect(grand_total).to_have_text(rupees(450_000, lang))

    # Two sherwanis: the server works the totals out again and they change in place.
    page.evaluate(MARK)
    with page.expect_response(re.compile(r"/invoices/preview$")) as answer:
        page.locator("#lines-0-quantity").fill("2")
    assert answer.value.status == 200
    assert rupees(750_000, lang) in answer.value.text(), "the server's totals fragment does not have the new total"
    expect(grand_total).to_have_text(rupees(750_000, lang))
    expect(page.locator("#invoice-totals .totals > div").first.locator("dd")).to_have_text(rupees(750_000, lang))
    expect(page.locator("#lines-0-amount")).to_have_text(rupees(600_000, lang))
    expect(page.locator("#lines-1-amount")).to_have_text(rupees(150_000, lang))
    assert page.evaluate(SAME_DOCUMENT), "working out the totals reloaded the page"
    snap(page, screenshot, "draft-editor")

    # Save the draft, then issue it: it takes the year's first number, left to right in either language.
    page.locator("#invoice-form .invoice-form-actions button[type='submit']:not([name])").click()
    page.wait_for_url(re.compile(r"/invoices/\d+$"))
    invoice_id = int(page.url.rsplit("/", 1)[1])
    invoice = page.locator("#invoice")
    badge = invoice.locator(".invoice-head .status-badge")
    expect(badge).to_have_text(status_of[DisplayStatus.DRAFT])
    expect(invoice.locator(".invoice-sheet .grand-total dd")).to_have_text(rupees(750_000, lang))
    expect(invoice.locator(".invoice-lines-table .line-description")).to_have_text([account.sherwani, account.kurtas])
    dismiss_toasts(page)
    page.evaluate(MARK)
    invoice.locator(f"form[action$='/invoices/{invoice_id}/issue'] button[type='submit']").click()
    shown_number = invoice.locator("h1 bdi.invoice-number")
    expect(shown_number).to_have_text(number)
    expect(shown_number).to_have_attribute("dir", "ltr")
    assert shown_number.evaluate("(bdi) => getComputedStyle(bdi).direction") == "ltr"
    expect(badge).to_have_text(status_of[DisplayStatus.ISSUED])
    expect(invoice.locator(".notice")).to_contain_text(number)
    expect(invoice.locator(".invoice-facts .balance-due dd")).to_have_text(rupees(750_000, lang))
    assert page.evaluate(SAME_DOCUMENT), "issuing reloaded the page"
    snap(page, screenshot, "invoice-issued")

    # Rs 5,000 of it paid, set against this invoice.
    invoice.locator(f"a[href*='/payments/new?'][href*='invoice_id={invoice_id}']").click()
    page.wait_for_url(re.compile(r"/payments/new\?"))
    expect(page.locator("#amount")).to_have_value("7500")
    allocation = page.locator(f"#alloc-{invoice_id}")
    expect(allocation).to_have_value("7500")
    page.locator("#amount").fill("5000")
    allocation.fill("5000")
    expect(page.locator("#payment-preview .preview-parts li")).to_have_count(1)
    expect(page.locator("#payment-preview .preview-parts li")).to_contain_text(number)
    expect(page.locator("#payment-preview .preview-part bdi.num")).to_have_text(rupees(500_000, lang))
    page.locator("#payment-form .actions button[type='submit']").click()
    page.wait_for_url(re.compile(r"/payments/\d+$"))
    expect(page.locator(".toast.success")).to_contain_text(rupees(500_000, lang))
    expect(page.locator(".allocation-list li")).to_have_count(1)
    page.locator(f".allocation-list a[href$='/invoices/{invoice_id}']").click()

    # The invoice: partly paid, Rs 2,500 still due.
    page.wait_for_url(re.compile(rf"/invoices/{invoice_id}$"))
    expect(badge).to_have_text(status_of[DisplayStatus.PARTLY_PAID])
    expect(invoice.locator(".invoice-facts .balance-due dd")).to_have_text(rupees(250_000, lang))
    expect(invoice.locator(".invoice-sheet .totals .balance-due dd")).to_have_text(rupees(250_000, lang))
    snap(page, screenshot, "invoice-partly-paid")

    # Its PDF: a real PDF with the invoice's number, in the customer's language.
    href = invoice.locator(f".invoice-buttons a[href$='/invoices/{invoice_id}/pdf']").get_attribute("href")
    answer = page.request.get(f"{live_server}{href}")
    try:
        assert answer.status == 200, answer.status
        assert answer.headers["content-type"] == "application/pdf", answer.headers["content-type"]
        body = answer.body()
    finally:
        answer.dispose()
    assert body.startswith(b"%PDF"), body[:16]
    text = pdf_text(body)
    assert number in text, text
    if lang == "ur":
        assert URDU.search(text), f"no Urdu in the Urdu customer's PDF: {text!r}"

    # The customer's page: what they owe, and the invoice and the payment in their khata, each with who did it.
    invoice.locator(f".invoice-for a[href$='/customers/{account.customer_id}']").click()
    page.wait_for_url(re.compile(rf"/customers/{account.customer_id}$"))
    balance = page.locator(f"#balance-{account.customer_id}")
    expect(balance).to_have_class(re.compile(r"\bowes\b"))
    expect(balance.locator(".balance-words")).to_have_text(owes)
    entries = page.locator(f"#ledger-entries-{account.customer_id} > li.entry")
    expect(entries).to_have_count(2)
    invoice_entry, payment_entry = entries.nth(0), entries.nth(1)
    expect(invoice_entry).to_have_class(re.compile(r"\bentry-invoice\b"))
    expect(invoice_entry.locator(".entry-ref")).to_have_text(f"{say(lang, ENTRY_LABELS['invoice'])} {number}")
    expect(invoice_entry.locator(".entry-meta")).to_contain_text(by_owner)
    expect(invoice_entry.locator(".entry-amount bdi")).to_have_text(f"+\u202f{rupees(750_000, lang)}")
    expect(payment_entry).to_have_class(re.compile(r"\bentry-payment\b"))
    expect(payment_entry.locator(".entry-ref")).to_contain_text(say(lang, ENTRY_LABELS["payment"]))
    expect(payment_entry.locator(".entry-meta")).to_contain_text(by_owner)
    expect(payment_entry.locator(".entry-amount bdi")).to_have_text(f"−\u202f{rupees(500_000, lang)}")
    expect(payment_entry.locator(".entry-balance")).to_have_text(
        say(lang, "Balance %(amount)s", amount=rupees(250_000, lang)))
    snap(page, screenshot, "customer-page")

    # The customers list says the same on their row.
    page.locator(".bottom-nav a[href$='/customers']").click()
    page.wait_for_url(re.compile(r"/customers$"))
    row_balance = page.locator("#customers-results li", has_text=account.name).locator(".row-balance")
    expect(row_balance).to_have_text(owes)
    expect(row_balance).to_have_class(re.compile(r"\bowes\b"))
    snap(page, screenshot, "customers-list")

    assert js_problems.all() == []
