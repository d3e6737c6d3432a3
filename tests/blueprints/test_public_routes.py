"""Public links over HTTP: the invoice, receipt and statement pages without logging in, their PDFs, the headers
that keep them private, 404 and 410, the throttle against guessing, and each opening counted."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shopledger.models import LinkLookupFailure, PaymentMethod, ShareLink, ShareLinkView
from shopledger.services import clock, customers, invoices, links, payments, shops
from shopledger.services.invoices import LineDraft, PaymentTerms
from tests.conftest import log_in

NOW = datetime(2026, 11, 21, 7, 0, tzinfo=timezone.utc)  # noon in Karachi
TODAY = date(2026, 11, 21)
PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def team(make_team, db):
    made = make_team("Noor Tailors")
    shops.update_settings(made.shop, by=made.owner, phone="0300 7654321",
                          payment_instructions="Meezan Bank 0101-2222-3333, or JazzCash 0345 1112223")
    db.session.commit()
    return made


@pytest.fixture
def bilal(db, team):
    made = customers.create_customer(team.shop, by=team.owner, name="Bilal Ahmed", phone="0300 1234567",
                                     email="bilal@example.com")
    db.session.commit()
    return made


@pytest.fixture
def invoice(db, team, bilal):
    made = invoices.create_draft(team.shop, bilal, by=team.owner, issue_date=TODAY, terms=PaymentTerms.NET_7,
                                 lines=[LineDraft("Kurta stitching", Decimal(2), 1250_00),
                                        LineDraft("Buttons", Decimal(12), 25_00)])
    invoices.issue(team.shop, made, by=team.owner)
    db.session.commit()
    return made


def _link(db, make) -> ShareLink:
    link = make()
    db.session.commit()
    return link


def text(response) -> str:
    return response.get_data(as_text=True)


def plain(response) -> str:
    """The page's words, without tags, one space between them."""
    return " ".join(re.sub(r"<[^>]+>", " ", text(response)).replace("\u00a0", " ").split())


def assert_private(response):
    for name, value in PRIVATE_HEADERS.items():
        assert response.headers.get(name) == value, (name, response.headers.get(name))
    assert "noindex" in response.headers.get("X-Robots-Tag", "")


def test_the_invoice_page_opens_without_logging_in_and_shows_what_is_due(client, db, team, invoice):
    link = _link(db, lambda: links.link_for_invoice(team.shop, invoice, by=team.owner))
    response = client.get(f"/l/{link.token}")
    assert response.status_code == 200
    assert_private(response)
    page = text(response)
    assert '<meta name="robots" content="noindex, nofollow, noarchive">' in page
    assert '<meta name="referrer" content="no-referrer">' in page
    for shown in (invoice.number, "Noor Tailors", "Bilal Ahmed", "Kurta stitching", "Buttons", "Rs 2,800",
                  "Awaiting payment", "Meezan Bank 0101-2222-3333", f"/l/{link.token}/pdf"):
        assert shown in page.replace("\u00a0", " "), shown
    assert "csrf" not in page.lower() and "login" not in page.lower()


def test_the_customers_language_is_the_pages_and_the_visitor_can_switch(client, db, team, invoice, bilal):
    bilal.preferred_locale = "ur"
    link = _link(db, lambda: links.link_for_invoice(team.shop, invoice, by=team.owner))
    urdu = text(client.get(f"/l/{link.token}"))
    assert 'lang="ur" dir="rtl"' in urdu and "ادائیگی باقی ہے" in urdu
    english = text(client.get(f"/l/{link.token}?lang=en"))
    assert 'lang="en" dir="ltr"' in english and "Awaiting payment" in english


def test_the_pdf_downloads_without_logging_in(client, db, team, invoice):
    link = _link(db, lambda: links.link_for_invoice(team.shop, invoice, by=team.owner))
    response = client.get(f"/l/{link.token}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.get_data().startswith(b"%PDF")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert invoice.number in response.headers["Content-Disposition"]
    assert_private(response)


def test_receipt_and_statement_pages_open_too(client, db, team, invoice, bilal):
    payment, _ = payments.record(team.shop, bilal, by=team.owner, amount_minor=1000_00, received_on=TODAY,
                                 method=PaymentMethod.BANK_TRANSFER, reference="Meezan 4410")
    db.session.commit()
    receipt = _link(db, lambda: links.link_for_receipt(team.shop, payment, by=team.owner))
    page = plain(client.get(f"/l/{receipt.token}"))
    assert "Rs 1,000 received" in page and invoice.number in page and "Rs 1,800" in page
    assert client.get(f"/l/{receipt.token}/pdf").get_data().startswith(b"%PDF")

    statement = _link(db, lambda: links.link_for_statement(team.shop, bilal, by=team.owner, date_from=date(2026, 11, 1)))
    page = plain(client.get(f"/l/{statement.token}"))
    assert "You owe Rs 1,800" in page and invoice.number in page and "Opening balance" in page
    pdf = client.get(f"/l/{statement.token}/pdf")
    assert pdf.status_code == 200 and pdf.get_data().startswith(b"%PDF")


def test_unknown_and_altered_tokens_answer_404_and_say_nothing(client, db, team, invoice):
    link = _link(db, lambda: links.link_for_invoice(team.shop, invoice, by=team.owner))
    altered = link.token[:-2] + ("zz" if not link.token.endswith("zz") else "yy")
    answers = [client.get(path) for path in (f"/l/{altered}", f"/l/{link.token.lower()}", "/l/guess",
                                              f"/l/{altered}/pdf", f"/l/{'A' * 24}")]
    for response in answers:
        assert response.status_code == 404
        assert_private(response)
        page = text(response)
        assert "Link not found" in page
        for secret in ("Noor Tailors", invoice.number, "Bilal", "Meezan"):
            assert secret not in page
    assert len({text(response) for response in answers[:3]}) == 1  # the same answer whatever was guessed


def test_revoked_expired_and_void_links_answer_410_and_say_nothing(client, db, team, invoice, bilal, monkeypatch):
    revoked = _link(db, lambda: links.link_for_invoice(team.shop, invoice, by=team.owner))
    fresh = _link(db, lambda: links.link_for_invoice(team.shop, invoice, by=team.owner))  # kills the first
    statement = _link(db, lambda: links.link_for_statement(team.shop, bilal, by=team.owner))
    for token in (revoked.token,):
        response = client.get(f"/l/{token}")
        assert response.status_code == 410 and "This link no longer works" in text(response)
        assert "Noor Tailors" not in text(response) and invoice.number not in text(response)
        assert_private(response)
        assert client.get(f"/l/{token}/pdf").status_code == 410
    assert client.get(f"/l/{fresh.token}").status_code == 200

    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(days=90))
    assert client.get(f"/l/{statement.token}").status_code == 410
    monkeypatch.setattr(clock, "now", lambda: NOW)

    invoices.void(team.shop, invoice, by=team.owner, reason="wrong price")
    db.session.commit()
    assert client.get(f"/l/{fresh.token}").status_code == 410
    assert client.get(f"/l/{fresh.token}/pdf").status_code == 410
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LinkLookupFailure)) == 0  # not guesses


def test_guessing_from_one_address_is_throttled_across_workers(client, db, team, invoice, app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_LINK_THROTTLE_PER_ADDRESS", 5)
    link = _link(db, lambda: links.link_for_invoice(team.shop, invoice, by=team.owner))
    for attempt in range(5):
        assert client.get(f"/l/guess-{attempt}").status_code == 404
    # Counted in the database: what one worker saw, every worker sees.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LinkLookupFailure)) == 5
    refused = client.get(f"/l/{link.token}")
    assert refused.status_code == 429 and "Please wait" in text(refused)
    assert int(refused.headers["Retry-After"]) > 0
    assert_private(refused)
    other_address = client.get(f"/l/{link.token}", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other_address.status_code == 200
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(minutes=16))
    assert client.get(f"/l/{link.token}").status_code == 200
    assert links.purge_failures() == 5


def test_each_opening_is_counted_but_not_the_shops_own_or_a_link_preview(client, db, team, invoice, app):
    link = _link(db, lambda: links.link_for_invoice(team.shop, invoice, by=team.owner))
    client.get(f"/l/{link.token}")
    client.get(f"/l/{link.token}/pdf")
    client.get(f"/l/{link.token}?lang=ur")  # a language switch is the same visit
    client.get(f"/l/{link.token}", headers={"User-Agent": "WhatsApp/2.23.20.0 A"})
    shop_member = app.test_client()
    log_in(shop_member, team.staff.email)
    assert shop_member.get(f"/l/{link.token}").status_code == 200
    db.session.expire_all()
    assert [view.what for view in db.session.scalars(sa.select(ShareLinkView).order_by(ShareLinkView.id))] == [
        "page", "pdf"]
    assert db.session.get(ShareLink, link.id).view_count == 2

    owner = app.test_client()
    log_in(owner, team.owner.email)
    page = text(owner.get(f"/invoices/{invoice.id}"))
    assert "Opened by the customer 2 times" in page
    listing = text(owner.get("/invoices"))
    assert re.search(r'invoice-row-meta.*?Viewed', listing, re.S)


def test_the_logo_of_the_links_shop_is_served_to_the_link_only(client, db, team, invoice):
    from tests.test_isolation import _png

    shops.set_logo(team.shop, _png("green"), by=team.owner)
    link = _link(db, lambda: links.link_for_invoice(team.shop, invoice, by=team.owner))
    page = text(client.get(f"/l/{link.token}"))
    assert f"/l/{link.token}/logo" in page
    logo = client.get(f"/l/{link.token}/logo")
    assert logo.status_code == 200 and logo.mimetype == "image/png" and logo.get_data().startswith(b"\x89PNG")
    logo.close()
    assert client.get("/l/guess/logo").status_code == 404
