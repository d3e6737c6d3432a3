"""Customers: adding, finding, editing, archiving."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from ..extensions import db
from ..models import Customer, Invoice, Job, Payment, Shop, User
from ..models.types import utcnow
from . import audit
from .errors import DomainError
from .phones import parse_phone, search_digits

PER_PAGE = 25
# Far beyond any shop; keeps a hand-typed ?page=99999999999999999999 from overflowing the OFFSET.
MAX_PAGE = 100_000
EDITABLE_FIELDS = ("name", "phone", "email", "address", "notes", "preferred_locale", "reminders_opted_out")
LOCALES = ("en", "ur")
NAME_MAX, EMAIL_MAX, ADDRESS_MAX, NOTES_MAX = 120, 254, 500, 5000

# Harakat, Quranic marks, the superscript alef, and Latin accents: the same name is typed with and without them.
_DIACRITICS = {*range(0x0300, 0x0370), *range(0x0610, 0x061B), *range(0x064B, 0x0660), 0x0670,
               *range(0x06D6, 0x06EE)}
# Zero-width joiners and bidi marks arrive with pasted names; tatweel only stretches a word.
_INVISIBLE = {0x0640, *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFEFF}
# An Arabic keyboard types these for the Urdu letters that look the same.
_URDU_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ه": "ہ"})


def fold(text: str) -> str:
    """The form names are compared in: without accents or harakat, case-folded, Urdu letters, single-spaced."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(char for char in decomposed if ord(char) not in _DIACRITICS and ord(char) not in _INVISIBLE)
    folded = unicodedata.normalize("NFKC", stripped).casefold().translate(_URDU_LETTERS)
    return " ".join(folded.split())


@dataclass(frozen=True)
class CustomerPage:
    customers: list[Customer]
    page: int
    has_previous: bool
    has_next: bool
    query: str


def list_customers(shop: Shop, *, query: str = "", page: int = 1, per_page: int = PER_PAGE,
                   archived: bool = False) -> CustomerPage:
    """One page of the shop's customers, most recent activity first, optionally matching a name or phone.

    Every word of the query must be in the name (in any order), or the query is (part of) a phone number
    in any of its spellings. One indexed query; no count, so the page costs the same at 30,000 customers.
    """
    page = min(max(1, page), MAX_PAGE)
    of_shop = Customer.shop_id == shop.id
    conditions = [Customer.archived_at.is_not(None) if archived else Customer.archived_at.is_(None)]
    query = " ".join((query or "").split())
    if query:
        words = fold(query).split()
        matches = [sa.and_(*(Customer.name_folded.contains(word, autoescape=True) for word in words))] if words else []
        digits = search_digits(query, shop.country)
        if digits:
            matches.append(Customer.phone_national.contains(digits, autoescape=True))
        conditions.append(sa.or_(*matches) if matches else sa.false())
        candidates = _search_candidates(words, digits)
        if candidates is not None:
            conditions.append(Customer.id.in_(candidates))
            # "+ 0" keeps SQLite from walking the shop's whole list in order (its index on shop_id) and
            # checking each customer against the candidates: it reads the few candidates and sorts them.
            of_shop = (Customer.shop_id + 0) == shop.id
    statement = sa.select(Customer).where(of_shop, *conditions)
    rows = list(
        db.session.scalars(
            statement.order_by(Customer.last_activity_at.desc(), Customer.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page + 1)
        )
    )
    return CustomerPage(customers=rows[:per_page], page=page, has_previous=page > 1,
                        has_next=len(rows) > per_page, query=query)


# The trigram index (migration 0005) can look up a piece of text of three characters or more.
TRIGRAM = 3


def _search_candidates(words: list[str], digits: str):
    """On SQLite, the ids the FTS5 trigram table finds for a search: a superset of the matches, which the
    exact conditions then narrow, so that a search reads the matching customers, not all of them. (FTS5
    uses its index only for a LIKE without ESCAPE: a typed % or _ may widen the candidates, never the
    result.) None
    when the index cannot narrow it (a word under three letters) or is not needed (PostgreSQL's planner
    uses its trigram index for the LIKE conditions themselves)."""
    if db.session.get_bind().dialect.name != "sqlite":
        return None
    name_words = [word for word in words if len(word) >= TRIGRAM]
    by_name = (sa.select(sa.column("rowid")).select_from(sa.table("customer_search"))
               .where(*(sa.column("name_folded").like(f"%{word}%") for word in name_words))
               if name_words and len(name_words) == len(words) else None)
    by_phone = (sa.select(sa.column("rowid")).select_from(sa.table("customer_search"))
                .where(sa.column("phone_national").like(f"%{digits}%"))
                if digits and len(digits) >= TRIGRAM else None)
    if (words and by_name is None) or (digits and by_phone is None):
        return None  # one of the ways to match would go unsearched: read every customer instead
    parts = [part for part in (by_name, by_phone) if part is not None]
    return sa.union(*parts) if len(parts) > 1 else parts[0]


def _too_long(field: str, limit: int) -> DomainError:
    return DomainError(_("Use at most %(max)d characters.", max=limit), field=field)


def _clean(shop: Shop, values: dict) -> dict:
    cleaned = {}
    if "name" in values:
        name = " ".join((values["name"] or "").split())
        if not name:
            raise DomainError(_("Enter the customer's name."), field="name")
        if len(name) > NAME_MAX:
            raise _too_long("name", NAME_MAX)
        cleaned["name"] = name
        cleaned["name_folded"] = fold(name)[:NAME_MAX]
    if "phone" in values:
        phone = parse_phone(values["phone"], shop.country)
        cleaned["phone"] = phone.e164 if phone else ""
        cleaned["phone_national"] = phone.national if phone else ""
    if "email" in values:
        email = (values["email"] or "").strip()
        if email:
            try:
                email = validate_email(email, check_deliverability=False).normalized
            except EmailNotValidError:
                raise DomainError(_("Enter a valid email address, like name@example.com."), field="email")
            if len(email) > EMAIL_MAX:
                raise _too_long("email", EMAIL_MAX)
        cleaned["email"] = email
    for field, limit in (("address", ADDRESS_MAX), ("notes", NOTES_MAX)):
        if field in values:
            text = (values[field] or "").replace("\r\n", "\n").strip()
            if len(text) > limit:
                raise _too_long(field, limit)
            cleaned[field] = text
    if "preferred_locale" in values:
        locale = values["preferred_locale"] or shop.default_locale
        if locale not in LOCALES:
            raise DomainError(_("Choose a language from the list."), field="preferred_locale")
        cleaned["preferred_locale"] = locale
    if "reminders_opted_out" in values:
        cleaned["reminders_opted_out"] = bool(values["reminders_opted_out"])
    return cleaned


def customers_with_phone(shop: Shop, phone: str, *, except_id: int | None = None) -> list[Customer]:
    """Other customers of the shop with this (canonical) phone number: a warning, never a block."""
    if not phone:
        return []
    statement = sa.select(Customer).where(Customer.shop_id == shop.id, Customer.phone == phone)
    if except_id is not None:
        statement = statement.where(Customer.id != except_id)
    return list(db.session.scalars(statement.order_by(Customer.id)))


def with_phone_twins(shop: Shop, customer_id: int) -> tuple[Customer, list[Customer]] | None:
    """One of the shop's customers with the others who share their phone (customers_with_phone), in one
    query; None when the shop has no such customer."""
    twin = aliased(Customer)
    rows = db.session.execute(
        sa.select(Customer, twin)
        .outerjoin(twin, sa.and_(twin.shop_id == Customer.shop_id, twin.phone == Customer.phone,
                                 Customer.phone != "", twin.id != Customer.id))
        .where(Customer.shop_id == shop.id, Customer.id == customer_id)
        .order_by(twin.id)
    ).all()
    if not rows:
        return None
    return rows[0][0], [found for _customer, found in rows if found is not None]


def customers_with_typed_phone(shop: Shop, typed: str, *, except_id: int | None = None) -> list[Customer]:
    """Other customers with the number as typed so far; nothing while it is not yet a whole number."""
    try:
        phone = parse_phone(typed, shop.country)
    except DomainError:
        return []
    return customers_with_phone(shop, phone.e164, except_id=except_id) if phone else []


def create_customer(shop: Shop, *, by: User, name: str, phone: str = "", email: str = "", address: str = "",
                    notes: str = "", preferred_locale: str | None = None,
                    reminders_opted_out: bool = False) -> Customer:
    """Add a customer to the shop."""
    cleaned = _clean(shop, dict(name=name, phone=phone, email=email, address=address, notes=notes,
                                preferred_locale=preferred_locale, reminders_opted_out=reminders_opted_out))
    customer = Customer(shop_id=shop.id, **cleaned)
    db.session.add(customer)
    db.session.flush()
    audit.record(shop, "customer.created", by=by, subject_type="customer", subject_id=customer.id)
    return customer


def update_customer(shop: Shop, customer: Customer, *, by: User, **values) -> list[str]:
    """Change a customer's details; returns the names of the fields that changed."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not a customer field: {sorted(unknown)}")
    cleaned = _clean(shop, values)
    changed = [field for field in EDITABLE_FIELDS if field in cleaned and getattr(customer, field) != cleaned[field]]
    for field, value in cleaned.items():
        setattr(customer, field, value)
    if changed:
        audit.record(shop, "customer.updated", by=by, subject_type="customer", subject_id=customer.id,
                     fields=changed)
    db.session.flush()
    return changed


def touch(customer: Customer) -> None:
    """Move the customer to the top of the list: something just happened with them."""
    customer.last_activity_at = utcnow()


def is_referenced(customer: Customer) -> bool:
    """Whether anything (a job, an invoice, a payment) refers to the customer."""
    return db.session.scalar(sa.select(
        sa.exists().where(Job.customer_id == customer.id)
        | sa.exists().where(Invoice.customer_id == customer.id)
        | sa.exists().where(Payment.customer_id == customer.id)
    ))


def archive(shop: Shop, customer: Customer, *, by: User) -> None:
    """Hide the customer from the list; everything that refers to them stays."""
    if customer.archived_at is None:
        customer.archived_at = utcnow()
        audit.record(shop, "customer.archived", by=by, subject_type="customer", subject_id=customer.id)
        db.session.flush()


def unarchive(shop: Shop, customer: Customer, *, by: User) -> None:
    """Bring an archived customer back to the list."""
    if customer.archived_at is not None:
        customer.archived_at = None
        audit.record(shop, "customer.unarchived", by=by, subject_type="customer", subject_id=customer.id)
        db.session.flush()


def delete(shop: Shop, customer: Customer, *, by: User) -> None:
    """Delete a customer nothing refers to; one with history can only be archived."""
    if is_referenced(customer):
        raise DomainError(_("This customer has jobs or invoices, so they can only be archived."))
    audit.record(shop, "customer.deleted", by=by, subject_type="customer", subject_id=customer.id,
                 name=customer.name)
    db.session.delete(customer)
    db.session.flush()
