"""PDFs of invoices, receipts and statements: what they show, in whose language and direction, what the
renderer may fetch (only our own assets), typed text as text, the cache, and who may download them."""
from __future__ import annotations

import io
import os
import re
import shutil
import socket
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from flask_babel import force_locale
from PIL import Image

from shopledger import pdf
from shopledger.models import PaymentMethod, PaymentTerms, Role
from shopledger.services import clock, customers, invoices, payments, shops
from shopledger.services.invoices import LineDraft
from shopledger.services.money import format_money

TODAY = date(2026, 11, 21)
INSTRUCTIONS = "JazzCash 0300 1234567 (Noor Ahmed)"
HOSTILE = '<img src="file:///etc/passwd"><script>alert(1)</script>'

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
                                   reason="poppler-utils (pdftotext, pdffonts) is not installed")


def pdf_text(data: bytes, *options: str) -> str:
    """The PDF's text as pdftotext reads it."""
    return subprocess.run(["pdftotext", *options, "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()


def pdf_lines(data: bytes) -> str:
    """The PDF's text line by line as laid out (a label and its amount side by side), spaces made plain."""
    return "\n".join(plain(line) for line in pdf_text(data, "-layout").splitlines())


def drawn_words(data: bytes) -> list[tuple[float, float, float, float, str]]:
    """The first page's words with their boxes (left, top, right, bottom), as drawn."""
    found = pdf_text(data, "-bbox", "-f", "1", "-l", "1")
    return [(float(x_min), float(y_min), float(x_max), float(y_max), word) for x_min, y_min, x_max, y_max, word
            in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
                          found)]


def plain(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split())


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), "#0b6b4f").save(buffer, format="PNG")
    return buffer.getvalue()


def money(minor: int) -> str:
    """An amount as the invoice page shows it in English."""
    with force_locale("en"):
        return plain(format_money(minor, "PKR", territory="PK"))


def arabic(text: str) -> bool:
    return any("\u0600" <= character <= "\u06ff" or "\ufb50" <= character <= "\ufeff" for character in text)


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch):
    monkeypatch.setattr(clock, "shop_today", lambda shop: TODAY)


@pytest.fixture(autouse=True)
def own_cache(app, tmp_path, monkeypatch):
    """Each test its own cache, so that an earlier test's PDF is never this one's hit."""
    monkeypatch.setitem(app.config, "PDF_CACHE_FOLDER", str(tmp_path / "pdf-cache"))
    return tmp_path / "pdf-cache"


@pytest.fixture
def renders(monkeypatch):
    """Count the times WeasyPrint runs."""
    calls = []
    real = pdf.write_pdf

    def counting(html, **options):
        calls.append(html)
        return real(html, **options)

    monkeypatch.setattr(pdf, "write_pdf", counting)
    return calls


@pytest.fixture
def team(make_team, db, request_context):
    team = make_team("Noor Tailors")
    shops.update_settings(team.shop, by=team.owner, payment_instructions=INSTRUCTIONS, phone="0300 7654321")
    db.session.commit()
    return team


@pytest.fixture
def ali(db, team):
    customer = customers.create_customer(team.shop, by=team.staff, name="Ali Raza", preferred_locale="en")
    db.session.commit()
    return customer


@pytest.fixture
def arif(db, team):
    customer = customers.create_customer(team.shop, by=team.staff, name="محمد عارف", preferred_locale="ur")
    db.session.commit()
    return customer


def issued(db, team, customer, *lines: LineDraft, **options):
    invoice = invoices.create_draft(team.shop, customer, by=team.staff, issue_date=TODAY,
                                    lines=list(lines) or [LineDraft("Stitching", Decimal(1), 2500_00)], **options)
    invoices.issue(team.shop, invoice, by=team.staff)
    db.session.commit()
    return invoice


def pay(db, team, customer, amount: int, **options):
    payment, _created = payments.record(team.shop, customer, by=team.staff, amount_minor=amount,
                                        received_on=TODAY, method=PaymentMethod.CASH, **options)
    db.session.commit()
    return payment


@pytest.fixture
def as_member(client, login, team):
    def log_in_as(role: Role = Role.OWNER):
        login(client, team.member(role).email)
        return client

    return log_in_as


# --- what an invoice shows ---------------------------------------------------------------------------------


@needs_poppler
def test_an_invoice_pdf_shows_its_number_customer_total_and_how_to_pay(db, team, ali, as_member):
    invoice = issued(db, team, ali, LineDraft("Shalwar kameez", Decimal(2), 1750_25, Decimal(10), Decimal(5)),
                     LineDraft("Waistcoat", Decimal(1), 6000_00), terms=PaymentTerms.NET_7, discount_minor=100_00)
    response = as_member().get(f"/invoices/{invoice.id}/pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'inline; filename=INV-2026-0001.pdf'
    assert "private" in response.headers["Cache-Control"]
    data = response.get_data()
    assert data.startswith(b"%PDF-")
    text = pdf_lines(data)
    for expected in ("INV-2026-0001", "Ali Raza", "Noor Tailors", INSTRUCTIONS, "Shalwar kameez", "Waistcoat",
                     money(invoice.subtotal_minor), money(invoice.tax_minor), money(invoice.total_minor)):
        assert expected in text
    assert f"Balance due {money(invoice.total_minor)}" in text


@needs_poppler
def test_paying_the_total_the_pdf_shows_leaves_exactly_nothing_due(db, team, ali, as_member):
    # Thirds and half-percents: amounts that only add up when every part uses the one rounding rule.
    invoice = issued(db, team, ali, *[LineDraft(f"Line {index}", Decimal("1.333"), 999_99, Decimal("12.5"),
                                                Decimal("17.5")) for index in range(3)], discount_minor=33_33)
    client = as_member()
    shown = re.search(r"Total (Rs [\d,.]+)", pdf_lines(client.get(f"/invoices/{invoice.id}/pdf").get_data()))
    assert shown and shown.group(1) == money(invoice.total_minor)
    pay(db, team, ali, invoice.total_minor)
    assert f"Balance due {money(0)}" in pdf_lines(client.get(f"/invoices/{invoice.id}/pdf").get_data())
    assert '<p class="stamp stamp-paid">Paid</p>' in pdf.invoice_document(team.shop, invoice, today=TODAY).html
    assert invoices.paid_minor(invoice) == invoice.total_minor


@needs_poppler
def test_a_draft_is_marked_draft_and_a_voided_invoice_void(db, team, ali, as_member):
    draft = invoices.create_draft(team.shop, ali, by=team.staff, issue_date=TODAY,
                                  lines=[LineDraft("Kurta", Decimal(1), 1200_00)])
    voided = issued(db, team, ali)
    invoices.void(team.shop, voided, by=team.manager, reason="wrong customer")
    db.session.commit()
    client = as_member()
    response = client.get(f"/invoices/{draft.id}/pdf")
    assert response.headers["Content-Disposition"] == "inline; filename=draft-2026-11-21.pdf"
    assert "has no number yet" in pdf_text(response.get_data())
    text = pdf_text(client.get(f"/invoices/{voided.id}/pdf").get_data())
    assert "was cancelled" in text and "Balance due" not in text and "wrong customer" not in text
    # The stamps, drawn at an angle that pdftotext cannot read back in order.
    for invoice, stamp in ((draft, '"stamp stamp-draft">Draft<'), (voided, '"stamp stamp-void">Void<')):
        assert stamp in pdf.invoice_document(team.shop, invoice, today=TODAY).html


# --- Urdu ---------------------------------------------------------------------------------------------------


@needs_poppler
def test_an_urdu_customers_invoice_runs_right_to_left_in_nastaliq(db, team, arif, as_member):
    invoice = issued(db, team, arif, LineDraft("شلوار قمیض کی سلائی", Decimal(1), 1234_00))
    document = pdf.invoice_document(team.shop, invoice, today=TODAY)
    assert '<html lang="ur" dir="rtl">' in document.html
    assert '<bdi dir="ltr">INV-2026-0001</bdi>' in document.html
    data = as_member().get(f"/invoices/{invoice.id}/pdf").get_data()

    fonts = subprocess.run(["pdffonts", "-"], input=data, capture_output=True, check=True).stdout.decode()
    nastaliq = [line.split() for line in fonts.splitlines() if "Nastaliq" in line]
    assert nastaliq and all("yes" in columns for columns in nastaliq)  # embedded (and subset)
    assert arabic(pdf_text(data))
    # The number stays one left-to-right word, and on the line it shares with the Urdu description
    # the description sits to the right: the table reads from the right.
    assert "INV-2026-0001" in pdf_text(data)
    words = drawn_words(data)
    prices = [word for word in words if "1,234" in word[4]]
    top, bottom = min(word[1] for word in prices), max(word[3] for word in prices)
    beside = [word for word in words if arabic(word[4]) and word[1] < bottom and word[3] > top]
    assert beside, "no Urdu on the price's line"
    assert max(word[2] for word in prices) < min(word[0] for word in beside)


def test_each_pdf_is_in_its_customers_language_whatever_the_members(db, team, ali, arif):
    with force_locale("ur"):
        english = pdf.statement_document(team.shop, ali, date_from=None, date_to=TODAY, today=TODAY)
    urdu = pdf.receipt_document(team.shop, pay(db, team, arif, 500_00), today=TODAY)
    assert '<html lang="en" dir="ltr">' in english.html
    assert '<html lang="ur" dir="rtl">' in urdu.html


# --- the fetcher: our own assets and nothing else ------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "http://example.com/logo.png",
    "https://example.com/logo.png",
    "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=",
    "ftp://example.com/x.css",
    # This app's own URLs: a fetch would go out with the member's session cookie.
    "http://localhost/static/pdf.css",
    "https://localhost/invoices/1/pdf",
    "/static/pdf.css",
    # Our asset host, but not an asset.
    f"https://{pdf.ASSET_HOST}/static/app.js",
    f"https://{pdf.ASSET_HOST}/static/../pdf.py",
    f"https://{pdf.ASSET_HOST}/static/%2e%2e/config.py",
    f"https://{pdf.ASSET_HOST}/static/pdf.css?x=1",
    f"http://{pdf.ASSET_HOST}/static/pdf.css",
    f"https://{pdf.ASSET_HOST}/etc/passwd",
    f"https://{pdf.ASSET_HOST}/logo/someone-elses.png",
])
def test_the_fetcher_refuses_anything_but_our_own_assets(app, url):
    with pytest.raises(pdf.AssetRefused):
        pdf.AssetFetcher().fetch(url)


def test_the_fetcher_serves_the_stylesheet_the_fonts_and_this_shops_logo(app, tmp_path, request_context):
    fetcher = pdf.AssetFetcher(logo=(logo := tmp_path / "a1b2.png"))
    logo.write_bytes(b"\x89PNG logo")
    font = fetcher.fetch(f"{pdf.ASSET_BASE}static/fonts/NotoNastaliqUrdu-400.woff2")
    # Unpacked from WOFF2 once, not by WeasyPrint in every thread.
    assert font.content_type == "font/ttf" and font.read()[:4] == b"\x00\x01\x00\x00"
    assert fetcher.fetch(f"{pdf.ASSET_BASE}static/pdf.css").content_type == "text/css"
    assert fetcher.fetch(f"{pdf.ASSET_BASE}logo/a1b2.png").read() == b"\x89PNG logo"


def test_rendering_never_reaches_the_network_or_the_disk_for_what_a_document_names(app, monkeypatch):
    asked = []
    refused_by_weasyprint_default = []
    real_fetch = pdf.AssetFetcher.fetch

    def spying_fetch(self, url, headers=None):
        asked.append(url)
        return real_fetch(self, url, headers)

    def no_connections(*args, **kwargs):
        raise AssertionError(f"the renderer opened a connection: {args}")

    monkeypatch.setattr(pdf.AssetFetcher, "fetch", spying_fetch)
    monkeypatch.setattr(pdf.URLFetcher, "open", lambda *args, **kwargs: refused_by_weasyprint_default.append(args))
    monkeypatch.setattr(socket.socket, "connect", no_connections)
    html = ('<html><head><link rel="stylesheet" href="http://localhost/static/app.css"></head><body>'
            '<img src="file:///etc/passwd"><img src="http://127.0.0.1:9/x.png">'
            '<img src="/static/icons/favicon.svg"><p style="background: url(https://example.com/x.png)">Hi</p>'
            '</body></html>')
    assert pdf.write_pdf(html).startswith(b"%PDF-")
    assert {"http://localhost/static/app.css", "file:///etc/passwd", "http://127.0.0.1:9/x.png",
            "https://example.com/x.png"} <= set(asked)
    assert refused_by_weasyprint_default == []


@needs_poppler
def test_what_people_type_is_printed_as_text_and_fetches_nothing(db, team, ali, as_member, monkeypatch):
    asked = []
    real_fetch = pdf.AssetFetcher.fetch
    monkeypatch.setattr(pdf.AssetFetcher, "fetch", lambda self, url, headers=None: (asked.append(url),
                                                                                    real_fetch(self, url))[1])
    customers.update_customer(team.shop, ali, by=team.staff, name=f"Ali {HOSTILE}", preferred_locale="en")
    invoice = issued(db, team, ali, LineDraft(HOSTILE, Decimal(1), 100_00), notes=HOSTILE)
    document = pdf.invoice_document(team.shop, invoice, today=TODAY)
    assert "<script" not in document.html and '<img src="file:' not in document.html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;&lt;script&gt;" in document.html
    text = "".join(pdf_text(as_member().get(f"/invoices/{invoice.id}/pdf").get_data()).split())
    assert text.count("".join(HOSTILE.split())) >= 3  # the customer's name, the line, the notes
    assert not any("passwd" in url for url in asked)


# --- the cache ----------------------------------------------------------------------------------------------


def test_an_unchanged_invoice_is_served_from_the_cache_and_any_change_makes_a_new_pdf(
        db, team, ali, as_member, renders, own_cache):
    invoice = issued(db, team, ali)
    client = as_member()
    url = f"/invoices/{invoice.id}/pdf"

    first = client.get(url)
    second = client.get(url)
    assert len(renders) == 1
    assert second.get_data() == first.get_data() and second.headers["ETag"] == first.headers["ETag"]
    assert (own_cache / f"{first.headers['ETag'].strip(chr(34))}.pdf").read_bytes() == first.get_data()
    assert not list(own_cache.glob(".*.part"))

    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b"" and len(renders) == 1

    def etag_after(change) -> str:
        change()
        db.session.commit()
        return client.get(url).headers["ETag"]

    payment = pay(db, team, ali, 1000_00)
    paid = client.get(url).headers["ETag"]
    # Voiding the payment puts the invoice back as it was: the very PDF made first, from the cache.
    unpaid = etag_after(lambda: payments.void(team.shop, payment, by=team.manager, reason="cheque bounced"))
    renamed = etag_after(lambda: shops.update_settings(team.shop, by=team.owner, name="Noor Tailors & Sons"))
    voided = etag_after(lambda: invoices.void(team.shop, invoice, by=team.manager, reason="wrong customer"))
    assert unpaid == first.headers["ETag"]
    assert len({first.headers["ETag"], paid, renamed, voided}) == 4
    assert len(renders) == 4


def test_a_cached_pdf_changes_with_the_customers_name_language_and_the_logo(db, team, ali, request_context):
    invoice = issued(db, team, ali)
    keys = {pdf.invoice_document(team.shop, invoice, today=TODAY).key}
    customers.update_customer(team.shop, ali, by=team.staff, name="Ali Raza Khan", preferred_locale="en")
    keys.add(pdf.invoice_document(team.shop, invoice, today=TODAY).key)
    customers.update_customer(team.shop, ali, by=team.staff, name="Ali Raza Khan", preferred_locale="ur")
    keys.add(pdf.invoice_document(team.shop, invoice, today=TODAY).key)
    shops.set_logo(team.shop, png(), by=team.owner)
    keys.add(pdf.invoice_document(team.shop, invoice, today=TODAY).key)
    assert len(keys) == 4


def test_old_cached_pdfs_are_pruned_and_a_cache_that_cannot_be_written_still_answers(
        db, team, ali, own_cache, monkeypatch, request_context):
    invoice = issued(db, team, ali)
    document = pdf.invoice_document(team.shop, invoice, today=TODAY)
    pdf.pdf_bytes(document)
    kept = own_cache / f"{document.key}.pdf"
    assert pdf.prune_cache() == 0 and kept.exists()
    os.utime(kept, (0, 0))
    assert pdf.prune_cache() == 1 and not kept.exists()

    def full_disk(path, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pdf, "_write_atomically", full_disk)
    assert pdf.pdf_bytes(document).startswith(b"%PDF-") and not kept.exists()


def test_the_cache_lives_in_the_instance_folder_by_default(app, monkeypatch):
    monkeypatch.delitem(app.config, "PDF_CACHE_FOLDER")
    with app.app_context():
        assert pdf.cache_folder() == Path(app.instance_path) / "cache" / "pdf"


# --- receipts and statements ---------------------------------------------------------------------------------


@needs_poppler
def test_a_receipt_shows_the_amount_and_the_invoices_it_paid(db, team, ali, as_member):
    invoice = issued(db, team, ali)
    payment = pay(db, team, ali, 3000_00, reference="Counter 2")
    response = as_member().get(f"/payments/{payment.id}/receipt.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == "inline; filename=receipt-2026-11-21.pdf"
    text = pdf_lines(response.get_data())
    for expected in ("RECEIPT", "Ali Raza", money(3000_00), invoice.number, money(invoice.total_minor),
                     "Counter 2", money(500_00)):
        assert expected in text


@needs_poppler
def test_a_statement_covers_the_dates_asked_for_with_its_opening_balance(db, team, ali, as_member):
    issued(db, team, ali, LineDraft("Earlier", Decimal(1), 700_00))
    later = invoices.create_draft(team.shop, ali, by=team.staff, issue_date=date(2026, 11, 25),
                                  lines=[LineDraft("Later", Decimal(1), 300_00)])
    invoices.issue(team.shop, later, by=team.staff)
    db.session.commit()
    client = as_member()
    response = client.get(f"/customers/{ali.id}/statement.pdf?from=2026-11-22&to=2026-11-30")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == "inline; filename=statement-2026-11-22-to-2026-11-30.pdf"
    text = pdf_lines(response.get_data())
    assert f"Opening balance {money(700_00)}" in text
    assert later.number in text and "INV-2026-0001" not in text
    assert money(1000_00) in text and INSTRUCTIONS in text


@pytest.mark.parametrize("query", ["from=2026-13-01", "to=yesterday", "from=2026-11-30&to=2026-11-01"])
def test_a_statement_with_dates_that_are_not_dates_is_a_bad_request(db, team, ali, as_member, query):
    assert as_member().get(f"/customers/{ali.id}/statement.pdf?{query}").status_code == 400


# --- who may download ----------------------------------------------------------------------------------------


def test_a_viewer_may_download_every_pdf(db, team, ali, as_member):
    invoice = issued(db, team, ali)
    payment = pay(db, team, ali, 100_00)
    client = as_member(Role.VIEWER)
    for url in (f"/invoices/{invoice.id}/pdf", f"/payments/{payment.id}/receipt.pdf",
                f"/customers/{ali.id}/statement.pdf"):
        response = client.get(url)
        assert response.status_code == 200 and response.get_data().startswith(b"%PDF-"), url


def test_another_shops_pdfs_are_not_found(db, team, ali, make_team, client, login, renders):
    invoice = issued(db, team, ali)
    payment = pay(db, team, ali, 100_00)
    login(client, make_team("Beta Repairs").owner.email)
    for url in (f"/invoices/{invoice.id}/pdf", f"/payments/{payment.id}/receipt.pdf",
                f"/customers/{ali.id}/statement.pdf", "/invoices/999999/pdf"):
        assert client.get(url).status_code == 404, url
    assert renders == []


def test_a_visitor_is_sent_to_log_in(db, team, ali, client):
    invoice = issued(db, team, ali)
    response = client.get(f"/invoices/{invoice.id}/pdf")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_sent_invoice_reads_as_issued_to_its_customer(db, team, ali):
    invoice = issued(db, team, ali, terms=PaymentTerms.NET_30)
    invoice.sent_at = clock.now()
    db.session.commit()
    assert invoices.display_status(invoice, 0, TODAY) == invoices.DisplayStatus.SENT  # what the shop sees
    html = pdf.invoice_document(team.shop, invoice, today=TODAY).html
    assert "status-issued" in html and "status-sent" not in html
