"""Email in a real browser: forgot password end to end, the Outbox page, and the HTML email itself."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from shopledger.services import mail
from tests.conftest import TEST_PASSWORD

from .conftest import Member, log_in

NEW_PASSWORD = "monsoon rain on the roof"
HEADINGS = {
    "en": {"forgot": "Forgot your password?", "sent": "Check your email", "reset": "Choose a new password",
           "outbox": "Outbox"},
    "ur": {"forgot": "پاس ورڈ بھول گئے؟", "sent": "اپنی ای میل دیکھیں", "reset": "نیا پاس ورڈ بنائیں",
           "outbox": "آؤٹ باکس"},
}


def _in_language(context, live_server: str, locale: str) -> None:
    context.add_cookies([{"name": "shopledger_lang", "value": locale, "url": live_server}])


@pytest.mark.parametrize("locale", ["en", "ur"])
def test_a_forgotten_password_is_reset_from_the_emailed_link(locale, db, make_user, make_shop, smtp_server, page,
                                                             context, live_server, screenshot, js_problems):
    owner = make_user(email="ayesha@noortailors.example.com", name="Ayesha Khan", locale=locale)
    email = owner.email
    make_shop(owner=owner, name="Noor Tailors")
    db.session.close()
    _in_language(context, live_server, locale)

    page.goto("/login")
    page.locator("a[href='/password/forgot']").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADINGS[locale]["forgot"])
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if locale == "ur" else "ltr")
    page.locator("#email").fill(email)
    screenshot("forgot")
    page.locator("form.card button[type='submit']").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADINGS[locale]["sent"])
    screenshot("sent")

    [message] = smtp_server.wait_for(1)
    link = re.search(r"https://\S+/password/reset/\S+", message.get_body(("plain",)).get_content()).group(0)
    page.goto(urlsplit(link).path)
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADINGS[locale]["reset"])
    page.locator("#password").fill(NEW_PASSWORD)
    screenshot("reset")
    page.locator("form.card button[type='submit']").click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator(".toast.success")).to_be_visible()
    screenshot("logged-in")
    assert js_problems.all() == []

    used = page.goto(urlsplit(link).path)
    assert used.status == 404
    expect(page.locator("a.button[href='/password/forgot']")).to_be_visible()
    screenshot("used-link")


@pytest.mark.parametrize("locale", ["en", "ur"])
def test_the_outbox_shows_held_messages_and_takes_one_off_when_it_is_sent_by_hand(
        locale, app, db, shop_owner: Member, page, context, live_server, screenshot, js_problems, request_context):
    from shopledger.models import Shop
    from shopledger.services import accounts, customers

    owner = accounts.find_user(shop_owner.email)
    owner.locale = locale
    shop = db.session.scalar(sa.select(Shop))
    customer = customers.create_customer(shop, by=owner, name="بلال احمد" if locale == "ur" else "Bilal Ahmed",
                                         phone="0300 1234567", email="bilal@example.com", preferred_locale=locale)
    db.session.commit()
    texts = {
        "en": ("Invoice INV-2026-0042 from Noor Tailors",
               f"Assalam-o-Alaikum Bilal,\n\nYour invoice INV-2026-0042 for Rs 4,500 is ready:\n"
               f"{app.config['BASE_URL']}/l/Xk3-example\n\nNoor Tailors"),
        "ur": ("نور ٹیلرز کی طرف سے انوائس INV-2026-0042",
               f"السلام علیکم بلال،\n\nآپ کی انوائس INV-2026-0042، رقم Rs 4,500، تیار ہے:\n"
               f"{app.config['BASE_URL']}/l/Xk3-example\n\nنور ٹیلرز"),
    }
    subject, text = texts[locale]
    held = mail.queue_email(shop, to_address=customer.email, to_name=customer.name, subject=subject, text=text,
                            html="<p>-</p>", kind="invoice", locale=locale, related_type="customer",
                            related_id=customer.id, created_by=owner)
    mail.queue_email(shop, to_address="sana@example.com", to_name="Sana Malik", subject="Statement of account",
                     text="Your statement.\n", html="<p>-</p>", kind="statement", locale="en")
    db.session.commit()
    held_id = held.id
    db.session.close()

    log_in(page, shop_owner)
    page.goto("/more")
    expect(page.locator("a[href='/outbox'] .badge")).to_have_text("2")
    page.locator("a[href='/outbox']").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADINGS[locale]["outbox"])
    card = page.locator(f"#outbox-message-{held_id}")
    whatsapp = card.locator("a.whatsapp")
    expect(whatsapp).to_have_attribute("href", re.compile(r"^https://wa\.me/923001234567\?text="))
    expect(card.locator("button[data-copy^='outbox-link-']")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, "nothing sticks out sideways"
    screenshot("outbox")
    card.locator("summary").click()
    screenshot("message-open")

    card.locator("form[action$='/shared'] button").click()
    expect(card.locator(".badge.outbox-shared")).to_be_visible()
    expect(card.locator("a.whatsapp")).to_have_count(0)
    expect(page.locator("#outbox-waiting-count")).to_have_text("1")
    screenshot("sent-by-hand")
    assert js_problems.all() == []


@pytest.mark.parametrize("locale", ["en", "ur"])
def test_the_html_email_reads_well_in_a_browser(locale, app, browser, request, request_context):
    _subject, _text, html = mail.render_email(
        "password_reset", locale, user_name="عائشہ خان" if locale == "ur" else "Ayesha Khan",
        reset_url="https://books.example.com/password/reset/4oG1cVv4sQvJx0n2mK9bQ2o8wq1aZl7Yt3RrPpNn0dE",
        lifetime_minutes=60,
    )
    # As a mail program shows it: no scripts, nothing fetched, the phone's width.
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False, offline=True)
    try:
        page = context.new_page()
        page.set_content(html)
        expect(page.locator("html")).to_have_attribute("dir", "rtl" if locale == "ur" else "ltr")
        expect(page.locator("html")).to_have_attribute("lang", locale)
        button = page.locator("a").first
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, "the button fits the phone's width"
        assert (box["x"] + box["width"] / 2 > 390 / 2) == (locale == "ur"), "the button starts where reading does"
        widest = page.evaluate("() => document.documentElement.scrollWidth")
        assert widest <= 390, "the long link wraps instead of widening the page"
        folder = request.config.rootpath / "artifacts" / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"test_the_html_email_reads_well_in_a_browser-{locale}.png"),
                        full_page=True)
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["en", "ur"])
def test_the_mail_pages_pass_the_accessibility_checks(locale, app, db, make_user, make_shop, smtp_server, page,
                                                      context, live_server, request_context):
    """axe-core and the 44 px rule (the same checks as test_a11y.py) on the forgot, reset and Outbox pages."""
    from .test_a11y import AXE, RUN_AXE, SMALL_TARGETS, TAP

    owner = make_user(email="imran@noortailors.example.com", name="Imran Qureshi", locale=locale)
    shop = make_shop(owner=owner, name="Noor Tailors")
    mail.queue_email(shop, to_address="bilal@example.com", to_name="Bilal Ahmed", subject="Invoice INV-2026-0001",
                     text=f"Your invoice: {app.config['BASE_URL']}/l/abc\n", html="<p>-</p>", kind="invoice",
                     locale=locale)
    # Held, as it would be without SMTP; and one that failed.
    db.session.execute(sa.update(mail.OutboxMessage).values(status=mail.OutboxStatus.HELD))
    failed = mail.queue_email(shop, to_address="gone@example.com", to_name="Sana Malik", subject="Statement",
                              text="Your statement.\n", html="<p>-</p>", kind="statement", locale=locale)
    failed_id = failed.id
    email, name = owner.email, owner.name
    db.session.commit()
    db.session.execute(sa.update(mail.OutboxMessage).where(mail.OutboxMessage.id == failed_id)
                       .values(status=mail.OutboxStatus.FAILED, attempts=1, last_error="550 5.1.1 No such mailbox"))
    db.session.commit()
    _in_language(context, live_server, locale)

    axe_source = AXE.read_text(encoding="utf-8")

    def check(path: str, name: str) -> list[str]:
        page.goto(path)
        page.evaluate(axe_source)  # evaluated, not a <script>: the page's CSP rightly refuses inline scripts
        found = [f"{name}: {v['id']} ({v['impact']}): {v['help']} {v['nodes']}" for v in page.evaluate(RUN_AXE)]
        found += [f"{name}: too small to tap: {target}" for target in page.evaluate(SMALL_TARGETS, TAP)]
        return found

    page.goto("/password/forgot")
    page.locator("#email").fill(email)
    page.locator("form.card button[type='submit']").click()
    bodies = [message.get_body(("plain",)).get_content() for message in smtp_server.wait_for(3)]
    link = next(re.search(r"https://\S+/password/reset/\S+", body).group(0) for body in bodies
                if "/password/reset/" in body)
    problems = check("/login", "login") + check("/password/forgot", "forgot")
    problems += check(urlsplit(link).path, "reset") + check("/password/reset/not-a-link", "closed link")
    log_in(page, Member(email=email, password=TEST_PASSWORD, name=name, shop_name="Noor Tailors"))
    problems += check("/outbox", "outbox") + check("/outbox?show=all", "all messages")
    assert problems == [], "\n".join(problems)
