"""Customers from a spreadsheet: read the file, check every row, show a preview, then add the good rows.

How a shopkeeper moving from a paper or phone khata uses it, and so how it behaves:
- The file is whatever Excel or Google Sheets saves: UTF-8 with or without a byte-order mark (or UTF-16
  from Excel's "Unicode text"), comma, semicolon or tab between cells, headers in English or Urdu, in any
  order. Columns it does not know are named in the preview and left alone.
- Nothing is saved by the upload. The parsed rows wait server-side, in the instance folder under a random
  token, for the shop member who uploaded them; the preview shows each row's problems next to the cell.
- Confirming adds the rows without problems and skips the others (checked again at that moment, since the
  shop may have changed). A shopkeeper with 300 names and 4 typos expects the 296 in the book and the 4
  back to fix: the skipped rows download as a CSV with a Problems column, ready to correct and import.
  A phone number already in the shop is a problem, so importing a fixed file twice adds nobody twice.
- An opening balance becomes what the customer owes through the same services as the counter uses: a
  one-line issued invoice "Opening balance" (a credit sale) when they owe, a payment kept as credit when
  the shop owes them. The khata and its balances therefore reconcile like any other entry.
"""
from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import secrets
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import Customer, PaymentMethod, Shop, User
from . import audit, customers, invoices, payments
from .csv_export import FORMULA_STARTS
from .errors import DomainError
from .money import MoneyError, parse_amount
from .phones import parse_phone

FIELDS = ("name", "phone", "email", "address", "notes", "opening_balance")
FIELD_LABELS = {
    "name": _l("Name"),
    "phone": _l("Phone"),
    "email": _l("Email"),
    "address": _l("Address"),
    "notes": _l("Notes"),
    "opening_balance": _l("Opening balance"),
}
# Other ways a column is headed, compared folded (case, spaces and punctuation aside). The labels above, in
# every language the app speaks, are added to these; "Balance" is what the customers export calls it.
ALIASES = {
    "name": ("customer", "customer name", "full name", "naam", "گاہک", "گاہک کا نام", "نام گاہک"),
    "phone": ("mobile", "mobile number", "phone number", "cell", "contact", "contact number", "whatsapp",
              "موبائل", "موبائل نمبر", "فون نمبر", "رابطہ نمبر"),
    "email": ("e-mail", "email address", "mail", "ای میل ایڈریس"),
    "address": ("addr", "پتا", "رہائش"),
    "notes": ("note", "remarks", "comment", "comments", "نوٹس", "تفصیل"),
    "opening_balance": ("balance", "amount owed", "owes", "due", "udhaar", "udhar", "baqaya", "بقایا", "ادھار",
                        "باقی", "واجب الادا", "بیلنس"),
}
MAX_BALANCE_MINOR = 10 ** 13
PREVIEW_LIFETIME_SECONDS = 6 * 3600
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
_CURRENCY_WORDS = re.compile(r"^(rs\.?|pkr|inr|₨|روپے)\s*|\s*(rs\.?|pkr|inr|₨|روپے)$", re.IGNORECASE)


@dataclass
class Row:
    """One row of the file: the line it is on, what it says, what that means, and what is wrong with it."""

    line: int
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    phone: str = ""  # E.164, once read
    email: str = ""
    balance_minor: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Preview:
    token: str
    filename: str
    user_id: int
    created: float
    columns: list[str]  # the fields the file has, in our order
    ignored: list[str]  # headings of the columns nobody reads
    rows: list[Row]
    imported: dict | None = None  # once confirmed: {"added": n, "skipped": n, "owed_minor": n, "credit_minor": n}

    @property
    def good(self) -> list[Row]:
        return [row for row in self.rows if row.ok]

    @property
    def problems(self) -> list[Row]:
        return [row for row in self.rows if not row.ok]

    @property
    def owed_minor(self) -> int:
        return sum(row.balance_minor for row in self.good if row.balance_minor > 0)

    @property
    def credit_minor(self) -> int:
        return -sum(row.balance_minor for row in self.good if row.balance_minor < 0)


# --- Reading the file ------------------------------------------------------------------------------------

def _fold(text: str) -> str:
    return " ".join(re.sub(r"[\s_.:*()\-/]+", " ", customers.fold(text)).split())


def _headings() -> dict[str, str]:
    """Every heading we read, folded, to the field it names."""
    known = {}
    for name, others in ALIASES.items():
        for other in others:
            known[_fold(other)] = name
    for locale in current_app.config["LANGUAGES"]:
        with force_locale(locale):
            for name, label in FIELD_LABELS.items():
                known[_fold(str(label))] = name
    return known


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(_("This file is not saved as UTF-8, so Urdu names would be lost. In Excel choose "
                            "File › Save As › CSV UTF-8 (comma delimited), then upload that file."),
                          field="file") from None


def _delimiter(first_line: str) -> str:
    """Excel writes ; where the decimal mark is a comma, and tabs in "Unicode text": count the candidates."""
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _clean_cell(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    # A cell our own export neutralised ('=SUM…, '+92…) reads back as it was typed.
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        text = text[1:].strip()
    return text


def read_file(data: bytes) -> tuple[list[str], list[str], list[tuple[int, dict[str, str]]]]:
    """Read an upload into (fields found, headings ignored, [(line, {field: text})]); refuse a file we cannot."""
    config = current_app.config
    if not data.strip():
        raise DomainError(_("The file is empty."), field="file")
    if len(data) > config["IMPORT_MAX_BYTES"]:
        raise DomainError(_("The file is too large. Import at most %(size)s at a time, in several files.",
                            size=_megabytes(config["IMPORT_MAX_BYTES"])), field="file")
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise DomainError(_("This is an Excel workbook, not a CSV file. In Excel choose File › Save As › "
                            "CSV UTF-8 (comma delimited), then upload that file."), field="file")
    text = _decode(data)
    if "\x00" in text:
        raise DomainError(_("This does not look like a CSV file. Save the sheet as CSV UTF-8 and upload that."),
                          field="file")
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line), strict=True)
    try:
        header = next(reader, [])
        known = _headings()
        columns: dict[int, str] = {}
        ignored = []
        for index, heading in enumerate(header):
            name = known.get(_fold(_clean_cell(heading)))
            if name and name not in columns.values():
                columns[index] = name
            elif heading.strip():
                ignored.append(heading.strip())
        if "name" not in columns.values():
            raise DomainError(_("The first row must name the columns, with at least a Name column: Name, Phone, "
                                "Email, Address, Opening balance."), field="file")
        rows = []
        # Numbered the way the spreadsheet numbers its rows (the headings are row 1), blank ones counted.
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= config["IMPORT_MAX_ROWS"]:
                raise DomainError(_("The file has more than %(count)d customers. Split it into files of at most "
                                    "%(count)d rows.", count=config["IMPORT_MAX_ROWS"]), field="file")
            values = {name: _clean_cell(cells[index]) if index < len(cells) else ""
                      for index, name in columns.items()}
            rows.append((number, values))
    except csv.Error:
        raise DomainError(_("This file could not be read as CSV (a quote is not closed?). Save it again as "
                            "CSV UTF-8 and upload that."), field="file") from None
    if not rows:
        raise DomainError(_("The file has headings but no customers under them."), field="file")
    found = [name for name in FIELDS if name in columns.values()]
    return found, ignored, rows


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


# --- Checking the rows -----------------------------------------------------------------------------------

def _read_balance(text: str, currency: str) -> int:
    cleaned = _CURRENCY_WORDS.sub("", text.strip()).strip()
    negative = cleaned.startswith("(") and cleaned.endswith(")")  # how accountants write a negative amount
    if negative:
        cleaned = cleaned[1:-1]
    amount = parse_amount(cleaned, currency)
    return -amount if negative else amount


def check_row(shop: Shop, line: int, values: dict[str, str]) -> Row:
    """Check one row the way the customer form and the credit sale would, every problem at once."""
    row = Row(line=line, values=values)
    name = " ".join(values.get("name", "").split())
    if not name:
        row.errors["name"] = _("Enter the customer's name.")
    elif len(name) > customers.NAME_MAX:
        row.errors["name"] = _("Use at most %(max)d characters.", max=customers.NAME_MAX)
    try:
        phone = parse_phone(values.get("phone", ""), shop.country)
        row.phone = phone.e164 if phone else ""
    except DomainError as error:
        row.errors["phone"] = error.message
    email = values.get("email", "")
    if email:
        try:
            row.email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            row.errors["email"] = _("Enter a valid email address, like name@example.com.")
        else:
            if len(row.email) > customers.EMAIL_MAX:
                row.errors["email"] = _("Use at most %(max)d characters.", max=customers.EMAIL_MAX)
    for name_, limit in (("address", customers.ADDRESS_MAX), ("notes", customers.NOTES_MAX)):
        if len(values.get(name_, "")) > limit:
            row.errors[name_] = _("Use at most %(max)d characters.", max=limit)
    balance = values.get("opening_balance", "")
    if balance:
        try:
            row.balance_minor = _read_balance(balance, shop.currency)
        except MoneyError:
            row.errors["opening_balance"] = _("Enter an amount like 1500 or 1500.50; put a minus sign in front "
                                              "when the shop owes the customer.")
        else:
            if abs(row.balance_minor) >= MAX_BALANCE_MINOR:
                row.errors["opening_balance"] = _("That amount is too large.")
    return row


def _phones_in_shop(shop: Shop, phones: set[str]) -> dict[str, str]:
    """Which of these numbers the shop's customers have already: number to a customer's name."""
    found: dict[str, str] = {}
    ordered = sorted(phones)
    for start in range(0, len(ordered), 500):
        for phone, name in db.session.execute(
            sa.select(Customer.phone, Customer.name)
            .where(Customer.shop_id == shop.id, Customer.phone.in_(ordered[start:start + 500]))
            .order_by(Customer.id)
        ):
            found.setdefault(phone, name)
    return found


def check_rows(shop: Shop, raw: list[tuple[int, dict[str, str]]]) -> list[Row]:
    """Check every row, and the phone numbers against each other and against the shop's customers."""
    rows = [check_row(shop, line, values) for line, values in raw]
    existing = _phones_in_shop(shop, {row.phone for row in rows if row.phone})
    first_line: dict[str, int] = {}
    for row in rows:
        if not row.phone or "phone" in row.errors:
            continue
        if row.phone in existing:
            row.errors["phone"] = _("%(name)s already has this phone number in the shop.", name=existing[row.phone])
        elif row.phone in first_line:
            row.errors["phone"] = _("Row %(row)d of this file has the same phone number.", row=first_line[row.phone])
        else:
            first_line[row.phone] = row.line
    return rows


# --- The preview, kept server-side -----------------------------------------------------------------------

def _folder(shop: Shop) -> Path:
    return Path(current_app.config["IMPORT_FOLDER"]) / str(shop.id)


def _path(shop: Shop, token: str, suffix: str = ".json") -> Path | None:
    if not _TOKEN.fullmatch(token or ""):
        return None
    return _folder(shop) / f"{token}{suffix}"


def _write(path: Path, preview: Preview) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    partial.write_text(json.dumps(asdict(preview), ensure_ascii=False), encoding="utf-8")
    os.replace(partial, path)  # readers see the old file or the new one, never half of one


def _read(path: Path) -> Preview | None:
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    stored["rows"] = [Row(**row) for row in stored["rows"]]
    return Preview(**stored)


def prune_previews(shop: Shop) -> None:
    """Forget the shop's previews past their lifetime (and any left half-taken by a crash)."""
    folder = _folder(shop)
    if not folder.is_dir():
        return
    oldest = time.time() - PREVIEW_LIFETIME_SECONDS
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < oldest:
                path.unlink(missing_ok=True)
        except OSError:
            continue


def make_preview(shop: Shop, data: bytes, filename: str, *, by: User) -> Preview:
    """Read and check an upload and keep the result for the confirmation; nothing goes into the book."""
    columns, ignored, raw = read_file(data)
    rows = check_rows(shop, raw)
    prune_previews(shop)
    preview = Preview(token=secrets.token_urlsafe(24), filename=(filename or "")[:200], user_id=by.id,
                      created=time.time(), columns=columns, ignored=ignored, rows=rows)
    _write(_path(shop, preview.token), preview)
    return preview


def load_preview(shop: Shop, token: str, *, by: User) -> Preview | None:
    """The preview for this token, if it is the shop's, this member's and still fresh."""
    path = _path(shop, token)
    preview = _read(path) if path is not None else None
    if preview is None or preview.user_id != by.id or preview.created < time.time() - PREVIEW_LIFETIME_SECONDS:
        return None
    return preview


class PreviewGone(Exception):
    """The preview expired, was never made, or is being imported by another request right now."""


def take_preview(shop: Shop, token: str, *, by: User) -> Preview:
    """Claim a preview for importing: only one request can (a double tap imports once)."""
    path = _path(shop, token)
    preview = load_preview(shop, token, by=by)
    if path is None or preview is None:
        raise PreviewGone
    if preview.imported is not None:
        return preview
    taken = path.with_suffix(".taking")
    try:
        os.rename(path, taken)  # atomic: the second request finds nothing to rename
    except FileNotFoundError:
        raise PreviewGone from None
    return preview


def release_preview(shop: Shop, preview: Preview) -> None:
    """Give a claimed preview back (the import failed and was rolled back): it can be confirmed again."""
    path = _path(shop, preview.token)
    taken = path.with_suffix(".taking")
    if taken.exists():
        os.replace(taken, path)


def finish_preview(shop: Shop, preview: Preview) -> None:
    """Keep what was imported, and the skipped rows for their download, once the import is committed."""
    path = _path(shop, preview.token)
    _write(path, preview)
    path.with_suffix(".taking").unlink(missing_ok=True)


# --- Importing -------------------------------------------------------------------------------------------

def import_rows(shop: Shop, preview: Preview, *, by: User, today: date) -> Preview:
    """Add the preview's good rows as customers (with their opening balances); skip and say why the rest.

    The rows are checked again first: the shop may have gained one of these phone numbers since the preview.
    Flushes, never commits; the caller commits and then calls `finish_preview`.
    """
    if preview.imported is not None:
        return preview
    rows = check_rows(shop, [(row.line, row.values) for row in preview.rows])
    label = _("Opening balance")
    added = owed = credit = 0
    for row in rows:
        if not row.ok:
            continue
        # The rows were checked by the customer form's and the credit sale's rules just now, so a service
        # refusing one means something unforeseen: the caller rolls the whole import back and says which row.
        try:
            customer = customers.create_customer(
                shop, by=by, name=row.values.get("name", ""), phone=row.phone, email=row.email,
                address=row.values.get("address", ""), notes=row.values.get("notes", ""))
            if row.balance_minor > 0:
                invoices.quick_credit_sale(shop, customer, by=by, amount_minor=row.balance_minor, note=label,
                                           today=today)
            elif row.balance_minor < 0:
                payments.record(shop, customer, by=by, amount_minor=-row.balance_minor, received_on=today,
                                method=PaymentMethod.OTHER, reference=label, note=label)
        except DomainError as error:
            raise DomainError(_("Row %(row)d: %(problem)s", row=row.line, problem=error.message)) from error
        added += 1
        owed += max(row.balance_minor, 0)
        credit += max(-row.balance_minor, 0)
    preview.rows = rows
    preview.imported = {"added": added, "skipped": len(rows) - added, "owed_minor": owed, "credit_minor": credit}
    audit.record(shop, "customers.imported", by=by, subject_type="shop", subject_id=shop.id,
                 file=preview.filename, added=added, skipped=len(rows) - added, owed_minor=owed,
                 credit_minor=credit)
    db.session.flush()
    return preview


def problem_rows(preview: Preview) -> tuple[list, list]:
    """The skipped rows as a file to fix and import again: the columns read, then what is wrong."""
    header = [str(FIELD_LABELS[name]) for name in preview.columns] + [_("Row"), _("Problems")]
    rows = [[row.values.get(name, "") for name in preview.columns]
            + [row.line, " ".join(f"{FIELD_LABELS[name]}: {message}" for name, message in row.errors.items())]
            for row in preview.problems]
    return header, rows
