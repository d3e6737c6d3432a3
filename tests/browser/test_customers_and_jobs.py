"""Customers and jobs on a 390 px phone, in English and in Urdu.

Adding a customer in place and calling them, finding them by part of their phone number, taking a job
with measurements and a photo, moving it to Delivered, and dictating notes with the browser's speech
recogniser (a stand-in one: headless Chromium has the API but nothing that hears).

Elements are found by id, name and href rather than visible words, so a label still waiting for its
Urdu translation does not break a test; the words that are checked come from the catalogue itself.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import expect

from shopledger.models import JobStatus, Shop, User
from shopledger.services import customers as customer_service
from shopledger.services import measurements
from shopledger.services.jobs import JOB_STATUS_LABELS

from .conftest import VIEWPORT, Member, log_in

LANGUAGES = ["en", "ur"]

# Set on window before an in-place change; still there afterwards only when no full page load happened.
MARK = "() => { window.__sameDocument = true; }"
SAME_DOCUMENT = "() => window.__sameDocument === true"

PHONE_TYPED = "0300-1234567"
PHONE_SHOWN = "0300 1234567"


@dataclass(frozen=True)
class Words:
    """What a person in one language types and hears."""

    customer: str
    other_customer: str
    notes: str
    interim: str
    dictated: str
    job_title: str
    job_notes: str
    chest: str  # as typed: Urdu hands may use Eastern Arabic-Indic digits


WORDS = {
    "en": Words(customer="Ayesha Siddiqui", other_customer="Hamza Farooq", notes="Prefers a loose fit.",
                interim="kurta with", dictated="kurta with blue buttons", job_title="Two shirts",
                job_notes="Collar stiff.", chest="40"),
    "ur": Words(customer="عائشہ صدیقی", other_customer="حمزہ فاروق", notes="ڈھیلی فٹنگ پسند ہے۔",
                interim="نیلے بٹن", dictated="نیلے بٹن والا کرتا", job_title="دو قمیضیں",
                job_notes="کالر سخت۔", chest="۴۰"),
}

# A stand-in for the browser's recogniser, installed before any page script runs. start() answers with
# interim words straight away, then with the final words and the end once the test lets it (the speaker
# finishing), so the test can see the interim words before they are replaced.
FAKE_RECOGNISER = """
(() => {
  const said = %s;
  const result = (transcript, isFinal) => {
    const alternatives = [{ transcript, confidence: 0.9 }];
    alternatives.isFinal = isFinal;
    return alternatives;
  };
  window.__speech = { started: [], finish: null };
  class FakeSpeechRecognition {
    constructor() {
      this.lang = ""; this.interimResults = false; this.continuous = false;
      this.onresult = null; this.onend = null; this.onerror = null;
    }
    start() {
      window.__speech.started.push({ lang: this.lang, interimResults: this.interimResults });
      setTimeout(() => {
        this.onresult({ resultIndex: 0, results: [result(said.interim, false)] });
        window.__speech.finish = () => {
          window.__speech.finish = null;
          this.onresult({ resultIndex: 0, results: [result(said.final, true)] });
          this.onend();
        };
      }, 0);
    }
    stop() { if (this.onend) this.onend(); }
    abort() { this.stop(); }
  }
  window.SpeechRecognition = FakeSpeechRecognition;
  delete window.webkitSpeechRecognition;
})();
"""

NO_RECOGNISER = "delete window.SpeechRecognition; delete window.webkitSpeechRecognition;"


def install_fake_recogniser(page, words: Words) -> None:
    page.add_init_script(FAKE_RECOGNISER % json.dumps({"interim": words.interim, "final": words.dictated}))


@pytest.fixture
def say(app):
    """The catalogue's words for a message in a language, as the page shows them."""

    def translate(lang: str, message, **values) -> str:
        with app.test_request_context(), force_locale(lang):
            return gettext(message, **values) if isinstance(message, str) else str(message)

    return translate


def seed(db, member: Member, *, lang: str, job_customer: bool = False, templates: bool = False) -> None:
    """Another customer (so searching has something to leave out), and what a job needs when asked."""
    owner = db.session.scalar(db.select(User).filter_by(email=member.email))
    the_shop = db.session.scalar(db.select(Shop).filter_by(name=member.shop_name))
    words = WORDS[lang]
    customer_service.create_customer(the_shop, by=owner, name=words.other_customer, phone="0321 7654321")
    if job_customer:
        customer_service.create_customer(the_shop, by=owner, name=words.customer, phone=PHONE_TYPED)
    if templates:
        measurements.add_default_templates(the_shop, by=owner)
    db.session.commit()
    db.session.close()  # the live server works on its own connections


def start(page, shop_owner, lang: str) -> None:
    """Log in, and switch to Urdu with the top bar's toggle when asked."""
    log_in(page, shop_owner)
    if lang != "en":
        with page.expect_navigation():
            page.locator(".topbar .lang-toggle button").click()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ur" else "ltr")


def go(page, nav: str) -> None:
    page.locator(f".bottom-nav a[href$='/{nav}']").click()
    page.wait_for_url(re.compile(rf"/{nav}$"))


def dictate(page, field: str, words: Words, typed: str, lang: str) -> None:
    """Press the mic by a notes field that already holds `typed`; the fake recogniser speaks."""
    mic = page.locator(f"[data-dictate='{field}']")
    interim = page.locator(f"#{field}-interim")
    expect(mic).to_be_visible()
    expect(interim).to_be_hidden()
    mic.click()
    expect(mic).to_have_attribute("aria-pressed", "true")
    expect(interim).to_be_visible()
    expect(interim).to_have_text(words.interim)
    expect(page.locator(f"#{field}")).to_have_value(typed)  # interim words are not typed in yet
    page.evaluate("() => window.__speech.finish()")
    expect(page.locator(f"#{field}")).to_have_value(f"{typed} {words.dictated}")
    expect(interim).to_be_hidden()
    expect(mic).to_have_attribute("aria-pressed", "false")
    started = page.evaluate("() => window.__speech.started")
    assert started == [{"lang": "ur-PK" if lang == "ur" else "en-US", "interimResults": True}], started


def search(page, query: str) -> None:
    """Type into the search box; the results change in place and the address follows."""
    page.locator("#q").fill(query)
    page.wait_for_function(
        "(query) => new URLSearchParams(location.search).get('q') === query && !document.querySelector('.htmx-request')",
        arg=query,
    )


def snap(page, screenshot, step: str) -> None:
    """A full-page screenshot, once nothing sticks out sideways at 390 px."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= VIEWPORT["width"], f"{step}: the page is {width}px wide, something sticks out sideways"
    screenshot(step)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_add_a_customer_in_place_call_them_and_find_them_by_part_of_their_phone(
    page, js_problems, shop_owner, db, screenshot, lang
):
    words = WORDS[lang]
    seed(db, shop_owner, lang=lang)
    install_fake_recogniser(page, words)
    start(page, shop_owner, lang)

    names = page.locator("#customers-results .customer-name")
    go(page, "customers")
    expect(names).to_have_text([words.other_customer])
    page.evaluate(MARK)

    # Add in place: the form opens above the list, without leaving the page.
    page.locator(".page-head a[href$='/customers/new']").click()
    form = page.locator("#new-customer #customer-form")
    expect(form).to_be_visible()
    expect(page.locator("#name")).to_be_focused()
    assert page.evaluate(SAME_DOCUMENT), "opening the customer form reloaded the page"
    expect(page).to_have_url(re.compile(r"/customers$"))
    page.locator("#name").fill(words.customer)
    page.locator("#phone").fill(PHONE_TYPED)
    page.locator("#notes").fill(words.notes)
    dictate(page, "notes", words, words.notes, lang)
    snap(page, screenshot, "customer-form")
    form.locator("button[type='submit']").click()

    # The customer's page, with one tap to call or to message on WhatsApp.
    page.wait_for_url(re.compile(r"/customers/\d+$"))
    expect(page.locator(".customer-card h1")).to_have_text(words.customer)
    expect(page.locator(".customer-card a[href^='tel:']")).to_have_attribute("href", "tel:+923001234567")
    whatsapp = page.locator(".customer-card a[href^='https://wa.me/']")
    expect(whatsapp).to_have_attribute("href", "https://wa.me/923001234567")
    expect(whatsapp).to_have_attribute("target", "_blank")
    expect(page.locator(".customer-card .facts")).to_contain_text(PHONE_SHOWN)
    expect(page.locator(".customer-card .facts")).to_contain_text(f"{words.notes} {words.dictated}")
    expect(page.locator(".toast.success")).to_contain_text(words.customer)
    page.locator(".toast [data-dismiss]").click()
    snap(page, screenshot, "customer-page")

    # Find them again by part of the phone number, in place.
    go(page, "customers")
    expect(names).to_have_count(2)
    assert sorted(names.all_inner_texts()) == sorted([words.customer, words.other_customer])
    snap(page, screenshot, "customer-list")
    page.evaluate(MARK)
    queries = ["1234567", "+92 300 1234567"] + (["۱۲۳۴۵۶۷"] if lang == "ur" else [])
    for query in queries:
        search(page, query)
        expect(names).to_have_text([words.customer])
        expect(page.locator("#customers-results .phone")).to_have_text(PHONE_SHOWN)
        assert parse_qs(urlsplit(page.url).query) == {"q": [query]}, page.url
    search(page, "0321")
    expect(names).to_have_text([words.other_customer])
    assert page.evaluate(SAME_DOCUMENT), "searching reloaded the page"

    # Back brings the search before, with its results.
    page.go_back()
    page.wait_for_function("(query) => new URLSearchParams(location.search).get('q') === query", arg=queries[-1])
    expect(page.locator("#q")).to_have_value(queries[-1])
    expect(names).to_have_text([words.customer])

    assert js_problems.all() == []


def measurement_rows(page) -> dict[str, str]:
    return page.locator("table.measurements-table").evaluate(
        """(table) => Object.fromEntries([...table.querySelectorAll("tr")].map(
            (row) => [row.querySelector("th").innerText.trim(), row.querySelector("td .num").innerText.trim()]))"""
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_take_a_job_with_measurements_and_a_photo_then_deliver_it(
    page, js_problems, shop_owner, db, screenshot, say, tmp_path, lang
):
    from PIL import Image

    words = WORDS[lang]
    # The standard templates: through the Measurements page in English, by the service in Urdu.
    seed(db, shop_owner, lang=lang, job_customer=True, templates=lang != "en")
    install_fake_recogniser(page, words)
    start(page, shop_owner, lang)

    if lang == "en":
        go(page, "more")
        page.locator("main a[href$='/measurements']").click()
        page.wait_for_url(re.compile(r"/measurements$"))
        page.locator("main form[action$='/measurements/standard'] button[type='submit']").click()
        expect(page.locator(".toast.success")).to_contain_text("4 templates added.")
        expect(page.locator("main .template-name")).to_have_text(["Kameez", "Shalwar", "Shirt", "Trousers"])

    # From the customer's page to a new job for them.
    go(page, "customers")
    page.locator("#customers-results .list-link", has_text=words.customer).click()
    page.wait_for_url(re.compile(r"/customers/\d+$"))
    page.locator("main a[href*='/jobs/new?customer_id=']").click()
    page.wait_for_url(re.compile(r"/jobs/new\?customer_id=\d+$"))
    expect(page.locator("#job-form .static-value")).to_have_text(words.customer)

    page.locator("#title").fill(words.job_title)
    page.locator("#template_id").select_option(label="Shirt")
    expect(page.locator("#measurement-fields legend")).to_have_text("Shirt")
    typed = {"chest": words.chest, "waist": "34", "length": "29.5", "sleeve": "24", "shoulder": "18",
             "collar": "15½"}
    for key, value in typed.items():
        page.locator(f"#m-{key}").fill(value)
    due = date.today() + timedelta(days=3)
    page.locator("#due_date").fill(due.isoformat())
    page.locator("#quoted").fill("2500")
    page.locator("#notes").fill(words.job_notes)
    dictate(page, "notes", words, words.job_notes, lang)
    snap(page, screenshot, "job-form")
    page.locator("#job-form button[type='submit']").click()

    # The job page: what was measured, the notes, and where it stands.
    page.wait_for_url(re.compile(r"/jobs/\d+$"))
    job_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("main h1")).to_have_text(words.job_title)
    expect(page.locator(".job-for")).to_contain_text(words.customer)
    assert measurement_rows(page) == {"Chest": "40", "Waist": "34", "Length": "29.5", "Sleeve": "24",
                                      "Shoulder": "18", "Collar": "15.5"}
    expect(page.locator("main .prose")).to_have_text(f"{words.job_notes} {words.dictated}")
    in_progress = say(lang, JOB_STATUS_LABELS[JobStatus.IN_PROGRESS])
    expect(page.locator("#job-status .status-badge")).to_have_text(in_progress)
    expect(page.locator("#job-status time").first).to_have_attribute("datetime", due.isoformat())

    # A photo of the cloth, chosen from the phone: it uploads as soon as it is chosen.
    photo = tmp_path / "cloth.jpg"
    Image.new("RGB", (800, 600), (30, 90, 160)).save(photo, "JPEG", quality=80)
    page.evaluate(MARK)
    with page.expect_response(re.compile(rf"/jobs/{job_id}/photos$")) as answer:
        page.locator("#job-photos input[type='file']:not([capture])").set_input_files(photo)
    assert answer.value.status == 200
    thumbnail = page.locator("#job-photos .photo-grid img")
    expect(thumbnail).to_have_count(1)
    thumbnail.scroll_into_view_if_needed()
    thumbnail.evaluate(
        """(img) => img.complete && img.naturalWidth > 0 ? true
           : new Promise((resolve, reject) => { img.onload = resolve; img.onerror = reject; })"""
    )
    assert thumbnail.evaluate("(img) => img.naturalWidth") > 0
    assert page.evaluate(SAME_DOCUMENT), "uploading the photo reloaded the page"
    snap(page, screenshot, "job-page")

    # On the board, one tap moves it to Completed, in place.
    go(page, "jobs")
    card = page.locator(f"#job-{job_id}")
    expect(page.locator("#jobs-board .group-this_week")).to_contain_text(words.job_title)
    expect(card.locator(".status-badge")).to_have_text(in_progress)
    snap(page, screenshot, "job-board")
    page.evaluate(MARK)
    with page.expect_response(re.compile(rf"/jobs/{job_id}/move$")) as answer:
        card.locator(".job-card-move button[type='submit']").click()
    assert answer.value.status == 200
    completed = say(lang, JOB_STATUS_LABELS[JobStatus.COMPLETED])
    expect(card.locator(".status-badge")).to_have_text(completed)
    expect(card.locator(".job-card-move button")).to_contain_text(say(lang, "Mark delivered"))
    assert page.evaluate(SAME_DOCUMENT), "moving the job on the board reloaded the page"

    # On the job page, one tap more hands it over.
    card.locator(".job-card-title a").click()
    page.wait_for_url(re.compile(rf"/jobs/{job_id}$"))
    status = page.locator("#job-status")
    expect(status.locator(".status-badge")).to_have_text(completed)
    status.locator(":scope > form button[type='submit']").click()
    delivered = say(lang, JOB_STATUS_LABELS[JobStatus.DELIVERED])
    expect(status.locator(".status-badge")).to_have_text(delivered)
    expect(status.locator(":scope > form")).to_have_count(0)  # nothing further to move to
    history = status.locator(".history li")
    expect(history.locator(".history-what")).to_have_text([delivered, completed, say(lang, "Job taken")])
    by = say(lang, "by %(name)s", name=shop_owner.name)
    for entry in history.all():
        expect(entry).to_contain_text(by)
    snap(page, screenshot, "job-delivered")

    assert js_problems.all() == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_without_a_speech_recogniser_the_mic_stays_hidden_and_notes_are_typed(
    page, js_problems, shop_owner, db, lang
):
    words = WORDS[lang]
    seed(db, shop_owner, lang=lang)
    page.add_init_script(NO_RECOGNISER)
    start(page, shop_owner, lang)
    assert page.evaluate("() => !window.SpeechRecognition && !window.webkitSpeechRecognition")

    go(page, "customers")
    page.locator(".page-head a[href$='/customers/new']").click()
    expect(page.locator("#customer-form")).to_be_visible()
    expect(page.locator("[data-dictate='notes']")).to_be_hidden()
    expect(page.locator("#notes-interim")).to_be_hidden()
    page.locator("#name").fill(words.customer)
    page.locator("#notes").fill(words.notes)
    page.locator("#customer-form button[type='submit']").click()
    page.wait_for_url(re.compile(r"/customers/\d+$"))
    expect(page.locator(".customer-card .facts")).to_contain_text(words.notes)
    # No phone, no buttons to call.
    expect(page.locator(".customer-card .contact-buttons")).to_have_count(0)

    page.locator("main a[href*='/jobs/new?customer_id=']").click()
    page.wait_for_url(re.compile(r"/jobs/new\?customer_id=\d+$"))
    expect(page.locator("[data-dictate='notes']")).to_be_hidden()
    page.locator("#title").fill(words.job_title)
    page.locator("#notes").fill(words.job_notes)
    page.locator("#job-form button[type='submit']").click()
    page.wait_for_url(re.compile(r"/jobs/\d+$"))
    expect(page.locator("main .prose")).to_have_text(words.job_notes)

    assert js_problems.all() == []
