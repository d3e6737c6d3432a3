"""HTML -> PDF with WeasyPrint behind a fetcher that only serves our own assets; each PDF kept on disk by content."""
from __future__ import annotations

import hashlib
import io
import os
import tempfile
import threading
import time
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property, lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import weasyprint
from flask import Response, current_app, request
from flask_babel import force_locale, format_date, format_decimal, format_percent
from fontTools.ttLib import woff2
from markupsafe import Markup
from sqlalchemy.orm import joinedload
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .extensions import db
from .i18n import text_direction
from .models import Customer, Invoice, Payment, PaymentAllocation, Shop
from .services import invoices, ledger, payments, shops
from .services.invoices import DisplayStatus
from .services.money import format_money
from .services.phones import format_phone

STATIC_FOLDER = (Path(__file__).resolve().parent / "static").resolve()
STYLESHEET = "pdf.css"
# A host that never resolves (RFC 2606 reserves .invalid): every URL in a PDF's HTML is under it, and
# only the fetcher below answers for it.
ASSET_HOST = "assets.shopledger.invalid"
ASSET_BASE = f"https://{ASSET_HOST}/"
STATIC_TYPES = {".css": "text/css", ".woff2": "font/woff2"}
LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
# Bump to retire every cached PDF when the layout changes in a way the HTML does not show.
LAYOUT_VERSION = "1"


class AssetRefused(ValueError):
    """The document asked for something that is not one of our own assets."""


class AssetFetcher(URLFetcher):
    """Serve the stylesheet and fonts from static/ and this shop's logo from the uploads; refuse the rest.

    Nothing goes over the network and no path the document names is opened: `file://`, `http(s)://`,
    `data:`, and this app's own URLs too (a request to them would carry the member's cookies) raise,
    and WeasyPrint leaves the resource out of the PDF.
    """

    def __init__(self, *, logo: Path | None = None):
        super().__init__(allowed_protocols=())
        self.logo = logo

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme != "https" or parts.netloc != ASSET_HOST or parts.query:
            raise AssetRefused(f"not one of our assets: {url[:80]}")
        path = unquote(parts.path)
        if path.startswith("/static/"):
            return self._static(url, path.removeprefix("/static/"))
        if self.logo is not None and path == f"/logo/{self.logo.name}":
            return URLFetcherResponse(url, self.logo.read_bytes(), {"Content-Type": LOGO_TYPES[self.logo.suffix]})
        raise AssetRefused(f"not one of our assets: {url[:80]}")

    def _static(self, url: str, name: str) -> URLFetcherResponse:
        file = (STATIC_FOLDER / name).resolve()
        if not file.is_relative_to(STATIC_FOLDER) or file.suffix not in STATIC_TYPES or not file.is_file():
            raise AssetRefused(f"not one of our assets: {url[:80]}")
        if file.suffix == ".woff2":
            return URLFetcherResponse(url, _unpacked_font(file), {"Content-Type": "font/ttf"})
        return URLFetcherResponse(url, _static_bytes(file), {"Content-Type": STATIC_TYPES[file.suffix]})


@lru_cache(maxsize=16)
def _read(file: Path, _stamp: tuple[int, int]) -> bytes:
    return file.read_bytes()


def _static_bytes(file: Path) -> bytes:
    stat = file.stat()
    return _read(file, (stat.st_mtime_ns, stat.st_size))


def _unpacked_font(file: Path) -> bytes:
    """The font as plain TrueType. WeasyPrint would unpack the WOFF2 itself, in pure Python, for every thread
    (a second for Nastaliq's two weights): unpacked once instead, and kept beside the PDF cache for the
    next process."""
    packed = _static_bytes(file)
    return _unpacked(hashlib.sha256(packed).hexdigest(), packed)


@lru_cache(maxsize=8)
def _unpacked(digest: str, packed: bytes) -> bytes:
    kept = cache_folder().parent / "fonts" / f"{digest}.ttf"
    try:
        return kept.read_bytes()
    except FileNotFoundError:
        pass
    unpacked = io.BytesIO()
    woff2.decompress(io.BytesIO(packed), unpacked)
    try:
        _write_atomically(kept, unpacked.getvalue())
    except OSError:
        current_app.logger.warning("could not keep the unpacked font %s", kept.name, exc_info=True)
    return unpacked.getvalue()


def logo_for(shop: Shop) -> Path | None:
    """The shop's logo file, when it has one that can go in a PDF."""
    path = shops.logo_path(shop)
    if path is None or path.name != shop.logo_filename or path.suffix not in LOGO_TYPES or not path.is_file():
        return None
    return path


_thread = threading.local()


def font_configuration() -> FontConfiguration:
    """This thread's font configuration, kept: the fonts are read and registered once, not for every PDF."""
    if getattr(_thread, "font_config", None) is None:
        _thread.font_config = FontConfiguration()
    return _thread.font_config


def stylesheet() -> weasyprint.CSS:
    """This thread's parsed pdf.css (its fonts registered in the kept font configuration), parsed again if edited."""
    file = STATIC_FOLDER / STYLESHEET
    stat = file.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    if getattr(_thread, "stylesheet_stamp", None) != stamp:
        _thread.stylesheet = weasyprint.CSS(
            string=_static_bytes(file).decode(), base_url=f"{ASSET_BASE}static/{STYLESHEET}",
            url_fetcher=AssetFetcher(), font_config=font_configuration(),
        )
        _thread.stylesheet_stamp = stamp
    return _thread.stylesheet


def write_pdf(html: str, *, logo: Path | None = None) -> bytes:
    """Lay out the HTML on A4 and return the PDF (the one place WeasyPrint runs)."""
    document = weasyprint.HTML(string=html, base_url=ASSET_BASE, url_fetcher=AssetFetcher(logo=logo))
    return document.write_pdf(stylesheets=[stylesheet()], font_config=font_configuration())


def fingerprint() -> str:
    """What changes every PDF without changing its HTML: the stylesheet, the fonts, WeasyPrint, the layout."""
    files = [STATIC_FOLDER / STYLESHEET, *sorted((STATIC_FOLDER / "fonts").glob("*.woff2"))]
    return _fingerprint(tuple((file, file.stat().st_mtime_ns, file.stat().st_size) for file in files))


@lru_cache(maxsize=4)
def _fingerprint(files: tuple[tuple[Path, int, int], ...]) -> str:
    digest = hashlib.sha256(f"{LAYOUT_VERSION} {weasyprint.__version__}".encode())
    for file, *_stamp in files:
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class PdfDocument:
    """A PDF to be: its HTML (everything it shows), the logo it may draw, and the name to save it under."""

    html: str
    filename: str
    logo: Path | None = None

    @cached_property
    def key(self) -> str:
        """The PDF's identity: any change to what it shows, or to how it is drawn, gives another."""
        return hashlib.sha256(f"{fingerprint()}\n{self.html}".encode()).hexdigest()


def cache_folder() -> Path:
    return Path(current_app.config.get("PDF_CACHE_FOLDER") or Path(current_app.instance_path) / "cache" / "pdf")


def pdf_bytes(document: PdfDocument) -> bytes:
    """The document's PDF: from the cache when this exact one was made before, else made and kept."""
    path = cache_folder() / f"{document.key}.pdf"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    data = write_pdf(document.html, logo=document.logo)
    try:
        _write_atomically(path, data)
    except OSError:
        # A full or read-only disk costs the next download a render, not this one its PDF.
        current_app.logger.warning("could not keep %s in the PDF cache", path.name, exc_info=True)
    return data


def _write_atomically(path: Path, data: bytes) -> None:
    # A reader beside us sees the whole file or none: written aside, then renamed into place.
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def prune_cache(*, older_than: timedelta = timedelta(days=30)) -> int:
    """Remove cached PDFs made longer ago than `older_than` (a later download makes them again); return how many."""
    folder, oldest, removed = cache_folder(), time.time() - older_than.total_seconds(), 0
    for path in folder.glob("*.pdf") if folder.is_dir() else ():
        try:
            if path.stat().st_mtime < oldest:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue  # removed beside us
    return removed


def respond(document: PdfDocument) -> Response:
    """Answer with the PDF, inline, or 304 when the browser already holds this very one."""
    response = Response(mimetype="application/pdf")
    response.set_etag(document.key)
    # The member's data: the browser may keep it but must ask again (a 304) before showing it.
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers.set("Content-Disposition", "inline", filename=document.filename)
    if request.if_none_match.contains(document.key):
        response.status_code = 304
        return response
    response.set_data(pdf_bytes(document))
    return response


# What the PDF templates are given besides their data.

def direction_of(text: str) -> str:
    """The direction of the first strong character, as a browser's dir="auto" would pick (WeasyPrint cannot)."""
    for character in text or "":
        kind = unicodedata.bidirectional(character)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def user_text(text: str) -> Markup:
    """Text the shop or customer typed, escaped and set apart in its own direction."""
    return Markup('<bdi dir="{}">{}</bdi>').format(direction_of(text), text or "")


def script(text: str) -> str:
    """"latin" for text with no Arabic letters (an Urdu page then gives it ordinary line spacing), else "arabic"."""
    return "arabic" if any("\u0600" <= character <= "\u06ff" or "\ufb50" <= character <= "\ufeff"
                           for character in text or "") else "latin"


def ltr(value) -> Markup:
    """A number, amount, code or phone kept left to right inside Urdu (else "-Rs 5" reads "Rs 5-")."""
    return Markup('<bdi dir="ltr">{}</bdi>').format(value)


def quantity(value: Decimal) -> str:
    return format_decimal(value, format="#,##0.###")


def percent(value: Decimal) -> str:
    return format_percent(Decimal(value) / 100, format="#,##0.##%")


def render_html(template: str, *, locale: str, shop: Shop, logo: Path | None, currency: str, **context) -> str:
    """Render a PDF template in the given language, escaped, with no request needed (tasks render too)."""
    with force_locale(locale):
        return current_app.jinja_env.get_template(template).render(
            locale=locale, text_dir=text_direction(locale), shop=shop,
            logo_url=f"{ASSET_BASE}logo/{logo.name}" if logo else None,
            money=lambda minor: ltr(format_money(minor, currency, territory=shop.country)),
            date=lambda value: format_date(value, "medium"),
            # A moment (voided_at) as the date it was where the shop is, whoever renders it.
            day_of=lambda moment: moment.astimezone(ZoneInfo(shop.timezone)).date(),
            phone=lambda number: ltr(format_phone(number, shop.country)) if number else "",
            quantity=quantity, percent=percent, ltr=ltr, user_text=user_text, script=script,
            **context,
        )


def customer_locale(shop: Shop, customer: Customer) -> str:
    languages = current_app.config["LANGUAGES"]
    if customer.preferred_locale in languages:
        return customer.preferred_locale
    return shop.default_locale if shop.default_locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def invoice_document(shop: Shop, invoice: Invoice, *, today: date) -> PdfDocument:
    """The invoice as its customer reads it: lines, the stored totals, what is paid and what is still due."""
    paid_minor = invoices.paid_minor(invoice)
    status = invoices.display_status(invoice, paid_minor, today)
    if status == DisplayStatus.SENT:
        status = DisplayStatus.ISSUED  # that it was sent is the shop's business, not the customer's
    row = invoices.InvoiceRow(invoice, paid_minor, status)
    replaces = db.session.get(Invoice, invoice.replaces_id) if invoice.replaces_id else None
    lines = list(invoice.lines)
    logo = logo_for(shop)
    html = render_html(
        "pdf/invoice.html", locale=customer_locale(shop, invoice.customer), shop=shop, logo=logo,
        currency=invoice.currency, invoice=invoice, customer=invoice.customer, lines=lines, row=row,
        status=row.status, Status=DisplayStatus, status_label=invoices.STATUS_LABELS[row.status],
        terms_label=invoices.TERM_LABELS[invoice.terms], replaces=replaces,
        has_discount=any(line.discount_percent for line in lines),
        has_tax=any(line.tax_percent for line in lines) or invoice.tax_minor != 0,
    )
    filename = f"{invoice.number}.pdf" if invoice.number else f"draft-{invoice.issue_date.isoformat()}.pdf"
    return PdfDocument(html=html, filename=filename, logo=logo)


def receipt_document(shop: Shop, payment: Payment, *, today: date) -> PdfDocument:
    """A receipt for a payment: how much, how, which invoices it paid, what is left as credit."""
    allocations = list(db.session.scalars(
        sa.select(PaymentAllocation).options(joinedload(PaymentAllocation.invoice))
        .where(PaymentAllocation.payment_id == payment.id, PaymentAllocation.voided_at.is_(None))
        .order_by(PaymentAllocation.id)
    ))
    logo = logo_for(shop)
    html = render_html(
        "pdf/receipt.html", locale=customer_locale(shop, payment.customer), shop=shop, logo=logo,
        currency=payment.currency, payment=payment, customer=payment.customer, allocations=allocations,
        method_label=payments.METHOD_LABELS[payment.method], credit_minor=payments.unallocated_minor(payment),
        balance_minor=ledger.balance(shop, payment.customer), today=today,
    )
    return PdfDocument(html=html, filename=f"receipt-{payment.received_on.isoformat()}.pdf", logo=logo)


def statement_document(shop: Shop, customer: Customer, *, date_from: date | None, date_to: date,
                       today: date) -> PdfDocument:
    """The customer's khata for a range of dates: opening balance, every entry, the balance after each."""
    statement = ledger.statement(shop, customer, date_from=date_from, date_to=date_to)
    logo = logo_for(shop)
    html = render_html(
        "pdf/statement.html", locale=customer_locale(shop, customer), shop=shop, logo=logo,
        currency=shop.currency, customer=customer, statement=statement, method_labels=payments.METHOD_LABELS,
        today=today,
    )
    start = date_from.isoformat() if date_from else "start"
    return PdfDocument(html=html, filename=f"statement-{start}-to-{date_to.isoformat()}.pdf", logo=logo)
