"""Sending on a 390 px phone, in English and in Urdu: the shop emails an invoice through a real SMTP server; the
customer opens the emailed link in a browser of their own (never logged in) and downloads the PDF; the WhatsApp
link carries the customer's number and a message in their language; the shop's notifications and the list of
whom to remind by hand.

Elements are found by id, name and href; the words checked come from the catalogue, amounts from the app's own
money formatting.
"""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import expect

from shopledger.models import Shop, User
from shopledger.services import clock, customers, invoices, jobs, reminders
from shopledger.services.invoices import STATUS_LABELS, DisplayStatus, LineDraft, PaymentTerms
from shopledger.services.money import format_money
from tests.mail.server import BASE_URL

from .conftest import VIEWPORT, Member, log_in
from .test_a11y import AXE, RUN_AXE, SMALL_TARGETS, TAP

LANGUAGES = ["en", "ur"]
NAMES = {"en": "Rashid Mehmood", "ur": "راشد محمود"}
LINK = re.compile(re.escape(BASE_URL) + r"(/l/[A-Za-z0-9_-]+)")


@pytest.fixture
def say(app):
    def translate(lang: str, message, **values) -> str:
        with app.test_request_context(), force_locale(lang):
            return gettext(message, **values) if isinstance(message, str) else str(message)

    return translate


def rupees(minor: int, lang: str) -> str:
    return format_money(minor, "PKR", territory="PK", locale=lang)


def _shop(db, member: Member) -> tuple[Shop, User]:
    return (db.session.scalar(db.select(Shop).filter_by(name=member.shop_name)),
            db.session.scalar(db.select(User).filter_by(email=member.email)))


@pytest.fixture
def sale(db, shop_owner: Member, lang: str):
    """A customer who reads `lang`, with an email and a phone, and an invoice issued to them for Rs 4,500."""
    shop, owner = _shop(db, shop_owner)
    owner.locale = lang
    customer = customers.create_customer(shop, by=owner, name=NAMES[lang], phone="0300 7654321",
                                         email="rashid@example.com", preferred_locale=lang)
    invoice = invoices.create_draft(shop, customer, by=owner, issue_date=clock.shop_today(shop),
                                    terms=PaymentTerms.NET_15,
                                    lines=[LineDraft("Wedding sherwani", Decimal(1), 4500_00)])
    invoices.issue(shop, invoice, by=owner)
    db.session.commit()
    found = {"invoice_id": invoice.id, "number": invoice.number, "customer": customer.name}
    db.session.close()  # the live server works on its own connections
    return found


def snap(page, screenshot, step: str) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= VIEWPORT["width"], f"{step}: the page is {width}px wide, something sticks out sideways"
    screenshot(step)
    page.evaluate("""() => document.querySelectorAll("[style='']").forEach((field) => field.removeAttribute("style"))""")


@pytest.fixture
def public_shot(request):
    """A full-page screenshot of a public page (it has no loading bar to wait for), named like `screenshot`'s."""
    folder = request.config.rootpath / "artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    test_name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")

    def take(target, step: str) -> None:
        width = target.evaluate("() => document.documentElement.scrollWidth")
        assert width <= VIEWPORT["width"], f"{step}: the page is {width}px wide, something sticks out sideways"
        target.screenshot(path=str(folder / f"{test_name}-{step}.png"), full_page=True, caret="initial")

    return take


@pytest.mark.parametrize("lang", LANGUAGES)
def test_send_an_invoice_open_the_emailed_link_elsewhere_and_download_the_pdf(
        page, js_problems, shop_owner, sale, smtp_server, new_context, screenshot, public_shot, say, lang):
    log_in(page, shop_owner)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    page.goto(f"/invoices/{sale['invoice_id']}")
    panel = page.locator(f"#share-invoice-{sale['invoice_id']}")
    expect(panel).to_be_visible()
    snap(page, screenshot, "invoice-before")

    # Send: the email goes through the real SMTP server on loopback, and the invoice says Sent.
    panel.locator(f"form[action$='/links/invoices/{sale['invoice_id']}/send'] button").click()
    expect(page.locator(".invoice-head .status-badge")).to_have_text(say(lang, STATUS_LABELS[DisplayStatus.SENT]))
    [message] = smtp_server.wait_for(1)
    assert message["To"].addresses[0].addr_spec == "rashid@example.com"
    assert message["Content-Language"] == lang and sale["number"] in message["Subject"]
    path = LINK.search(message.get_body(preferencelist=("plain",)).get_content()).group(1)
    snap(page, screenshot, "invoice-sent")

    # The customer, on a phone of their own: no cookies, no login.
    customer = new_context(locale="ur-PK" if lang == "ur" else "en-US", accept_downloads=True).new_page()
    response = customer.goto(path)
    assert response.status == 200
    assert response.headers["cache-control"] == "no-store" and response.headers["referrer-policy"] == "no-referrer"
    assert "noindex" in response.headers["x-robots-tag"]
    expect(customer.locator("html")).to_have_attribute("lang", lang)
    expect(customer.locator("html")).to_have_attribute("dir", "rtl" if lang == "ur" else "ltr")
    expect(customer.locator(".public-amount")).to_contain_text(rupees(4500_00, lang))
    expect(customer.locator(".public-kind")).to_contain_text(sale["number"])
    public_shot(customer, "public-invoice")
    customer.evaluate(AXE.read_text(encoding="utf-8"))  # through DevTools: the page's CSP stays as it is
    assert customer.evaluate(RUN_AXE) == [], "serious accessibility problems on the customer's page"
    assert customer.evaluate(SMALL_TARGETS, TAP) == [], "controls smaller than a fingertip on the customer's page"
    with customer.expect_download() as download:
        customer.locator("a.public-pdf").click()
    saved = download.value
    assert saved.suggested_filename == f"{sale['number']}.pdf"
    assert Path(saved.path()).read_bytes().startswith(b"%PDF-")

    # A link someone altered says nothing.
    assert customer.goto(path[:-2] + "xx").status == 404

    # Share on WhatsApp: the customer's number, and the message in their language with the amount and link.
    page.goto(f"/invoices/{sale['invoice_id']}")
    page.route("https://wa.me/**", lambda route: route.fulfill(status=200, body="WhatsApp"))
    panel.locator(f"form[action$='/links/invoices/{sale['invoice_id']}/share'] button").click()
    whatsapp = panel.locator("a.whatsapp")
    expect(whatsapp).to_be_visible()
    href = whatsapp.get_attribute("href")
    assert href.startswith("https://wa.me/923007654321?text=")
    text = parse_qs(urlsplit(href).query)["text"][0]
    fresh_url = panel.locator("input[readonly]").input_value()
    assert sale["customer"] in text and sale["number"] in text and fresh_url in text
    assert rupees(4500_00, lang) in text
    greeting = say(lang, "Assalam-o-Alaikum %(name)s,", name="").rstrip(",، ").strip()
    assert greeting in text, (greeting, text)
    snap(page, screenshot, "share-ready")
    with page.context.expect_page() as popup:
        whatsapp.click()
    popup.value.close()
    expect(page.locator("#toasts .toast")).to_contain_text(say(lang, "Noted: sent on WhatsApp."))
    # The emailed link died when the new one was made.
    assert customer.goto(path).status == 410
    assert not js_problems.all(), js_problems.all()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_notifications_and_the_list_to_remind_by_hand(
        page, js_problems, shop_owner, db, app, screenshot, say, lang, monkeypatch):
    shop, owner = _shop(db, shop_owner)
    owner.locale = lang
    today = clock.shop_today(shop)
    hira = customers.create_customer(shop, by=owner, name="حرا شاہ" if lang == "ur" else "Hira Shah",
                                     phone="0321 5550123", preferred_locale=lang)
    late = invoices.create_draft(shop, hira, by=owner, issue_date=today - timedelta(days=20),
                                 terms=PaymentTerms.CUSTOM, due_date=today - timedelta(days=1),
                                 lines=[LineDraft("Bridal lehenga", Decimal(1), 25000_00)])
    invoices.issue(shop, late, by=owner)
    jobs.create_job(shop, hira, by=owner, title="Lehenga fitting" if lang == "en" else "لہنگے کی فٹنگ",
                    due_date=today)
    db.session.commit()
    monkeypatch.setitem(app.config, "REMINDER_HOUR", 0)
    reminders.run_for_shop(shop.id)
    db.session.commit()
    number, customer_id, customer_name = late.number, hira.id, hira.name
    db.session.close()

    log_in(page, shop_owner)
    expect(page.locator(".topbar-bell .nav-badge")).to_have_text("1")
    page.locator(".topbar-bell").click()
    page.wait_for_url(re.compile(r"/notifications$"))
    expect(page.locator(".notification.is-unread")).to_have_count(1)
    expect(page.locator(".notification")).to_contain_text(number)
    snap(page, screenshot, "notifications")

    page.goto("/reminders")
    row = page.locator(f"#remind-{customer_id}")
    expect(row).to_contain_text(rupees(25000_00, lang))
    snap(page, screenshot, "to-remind")
    row.locator("input[name='channel'][value='whatsapp'] + button").click()
    ready = page.locator(f"#remind-{customer_id}.is-ready a.whatsapp")
    expect(ready).to_be_visible()
    href = ready.get_attribute("href")
    assert href.startswith("https://wa.me/923215550123?text=")
    text = parse_qs(urlsplit(href).query)["text"][0]
    assert customer_name in text and rupees(25000_00, lang) in text and "/l/" in text
    snap(page, screenshot, "reminded")
    page.goto("/reminders/log")
    expect(page.locator(".message-row")).to_have_count(1)
    snap(page, screenshot, "log")
    assert not js_problems.all(), js_problems.all()
