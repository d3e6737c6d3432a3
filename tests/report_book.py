"""A small shop's book on known dates, for the dashboard and report tests: every figure below is worked out by
hand in the docstring of `build`, and the tests assert exactly those numbers.

Noor Tailors keeps its books in Karachi (UTC+5, no summer time). Today is Saturday 21 November 2026.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from shopledger.extensions import db
from shopledger.models import Invoice, JobStatus, PaymentMethod
from shopledger.models.invoice import PaymentTerms
from shopledger.services import customers, invoices, jobs, payments
from shopledger.services.invoices import LineDraft

KARACHI = ZoneInfo("Asia/Karachi")
TODAY = date(2026, 11, 21)
# 10:00 in the shop on the 21st.
NOW = datetime(2026, 11, 21, 5, 0, tzinfo=timezone.utc)


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    """A moment on the shop's wall clock, as an aware datetime."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=KARACHI)


@dataclass
class Book:
    team: object
    customers: dict = field(default_factory=dict)
    invoices: dict = field(default_factory=dict)
    payments: dict = field(default_factory=dict)
    jobs: dict = field(default_factory=dict)

    @property
    def shop(self):
        return self.team.shop


def _sell(book: Book, key: str, customer: str, amount: int, on: date, terms=PaymentTerms.ON_RECEIPT,
          *, issue: bool = True) -> Invoice:
    invoice = invoices.create_draft(book.shop, book.customers[customer], by=book.team.staff, issue_date=on,
                                    lines=[LineDraft(f"Work for {customer}", Decimal(1), amount)], terms=terms)
    if issue:
        invoices.issue(book.shop, invoice, by=book.team.staff)
    book.invoices[key] = invoice
    return invoice


def _pay(book: Book, key: str, customer: str, amount: int, on: date, method: PaymentMethod, to: str):
    payment, _created = payments.record(book.shop, book.customers[customer], by=book.team.staff, amount_minor=amount,
                                        received_on=on, method=method,
                                        allocations=[(book.invoices[to], amount)])
    book.payments[key] = payment
    return payment


def _job(book: Book, key: str, customer: str, title: str, *, due: date, taken: datetime, moves=()):
    """A job taken in at `taken`, then moved (to status, at moment[, reason]) in order."""
    job = jobs.create_job(book.shop, book.customers[customer], by=book.team.staff, title=title, due_date=due)
    db.session.flush()
    job.created_at = taken
    for move in moves:
        to, moment, *reason = move
        change = jobs.move(book.shop, job, to=to, by=book.team.staff, reason=reason[0] if reason else "")
        change.created_at = moment
    db.session.flush()
    book.jobs[key] = job
    return job


def build(team) -> Book:
    """The book, and what it adds up to.

    Invoices (Rs): I1 Ali 1,000 on 1 Nov, due 8 Nov (7 days) | I2 Sana 2,500 on 1 Nov, due on receipt |
    I3 Ali 400 on 15 Nov, due 15 Dec | I4 Bilal 3,000 on 10 Oct, due on receipt | I5 Sana 700 today |
    I6 Bilal 900 on 5 Nov, voided on 12 Nov | I7 Ali 5,000 draft on 10 Nov | I8 Sana 600 on 1 Aug |
    I9 Bilal 800 on 15 Sep.
    Payments: P1 Ali 600 cash 10 Nov → I1 | P2 Sana 2,500 bank 20 Nov → I2 | P3 Bilal 1,000 wallet today → I4 |
    P4 Sana 300 cash today → I5 | P5 Ali 200 cash today → I1, voided today | P6 Bilal 500 card 20 Oct → I4.

    Sales 1–21 Nov: I1 + I2 + I3 + I5 = 4,600 in 4 invoices (3,500 on the 1st, 400 on the 15th, 700 today);
    still unpaid on them 400 + 0 + 400 + 400 = 1,200; I6 (900) voided, I7 a draft. October: 3,000.
    By customer: Sana 3,200 (2, 400 due), Ali 1,400 (2, 800 due).
    Payments 1–21 Nov: 4,400 in 4 (cash 900 in 2, bank 2,500, wallet 1,000); P5 (200) voided.
    Today's takings: cash 300, wallet 1,000 = 1,300 in 2.
    Owed: Ali 800, Sana 1,000, Bilal 2,300 = 4,100 by 3. Overdue today: I1 400, I4 1,500, I8 600, I9 800 =
    3,300 in 4. Aging today: not yet due 800 (I3, I5), 1–30 400 (I1), 31–60 1,500 (I4), 61–90 800 (I9),
    over 90 600 (I8).

    Jobs (due, taken in, moves): J1 Kurta 10 Nov, 1 Nov, completed 9 Nov and delivered 11 Nov (on time) |
    J2 Sherwani 12 Nov, 2 Nov, completed 14 Nov (2 days late) | J3 Shalwar 15 Nov, 25 Oct, not done (6 days
    late today) | J4 Waistcoat 25 Nov, 20 Nov | J5 Dupatta today, 15 Nov, not done (not yet late) |
    J6 Coat 18 Nov, 10 Nov, completed 16 Nov, moved back 17 Nov, completed 19 Nov (1 day late) |
    J7 Edge 5 Nov, taken in at 00:30 on 1 Nov in Karachi (still 31 Oct in UTC), completed at 00:30 on 6 Nov
    in Karachi (5 Nov in UTC: 1 day late in the shop).
    1–21 Nov: taken in 6 (J1, J2, J4, J5, J6, J7), completed 4 (J1, J2, J6, J7), delivered 1 (J1); due 6:
    on time 1, done late 3, late and not done 1, not yet due 1. Jobs due now: late 1 (J3), today 1 (J5),
    next 7 days 1 (J4).
    """
    book = Book(team=team)
    shop = team.shop
    for name in ("Ali", "Sana", "Bilal"):
        book.customers[name] = customers.create_customer(shop, by=team.owner, name=name)
    _sell(book, "I1", "Ali", 1000_00, date(2026, 11, 1), PaymentTerms.NET_7)
    _sell(book, "I2", "Sana", 2500_00, date(2026, 11, 1))
    _sell(book, "I3", "Ali", 400_00, date(2026, 11, 15), PaymentTerms.NET_30)
    _sell(book, "I4", "Bilal", 3000_00, date(2026, 10, 10))
    _sell(book, "I5", "Sana", 700_00, TODAY)
    _sell(book, "I6", "Bilal", 900_00, date(2026, 11, 5))
    _sell(book, "I7", "Ali", 5000_00, date(2026, 11, 10), issue=False)
    _sell(book, "I8", "Sana", 600_00, date(2026, 8, 1))
    _sell(book, "I9", "Bilal", 800_00, date(2026, 9, 15))
    invoices.void(shop, book.invoices["I6"], by=team.owner, reason="Entered twice")
    book.invoices["I6"].voided_at = at(date(2026, 11, 12))

    _pay(book, "P1", "Ali", 600_00, date(2026, 11, 10), PaymentMethod.CASH, "I1")
    _pay(book, "P2", "Sana", 2500_00, date(2026, 11, 20), PaymentMethod.BANK_TRANSFER, "I2")
    _pay(book, "P3", "Bilal", 1000_00, TODAY, PaymentMethod.MOBILE_WALLET, "I4")
    _pay(book, "P4", "Sana", 300_00, TODAY, PaymentMethod.CASH, "I5")
    _pay(book, "P5", "Ali", 200_00, TODAY, PaymentMethod.CASH, "I1")
    _pay(book, "P6", "Bilal", 500_00, date(2026, 10, 20), PaymentMethod.CARD, "I4")
    payments.void(shop, book.payments["P5"], by=team.owner, reason="Counted twice")
    voided = at(TODAY, 9)
    book.payments["P5"].voided_at = voided
    for allocation in book.payments["P5"].allocations:
        allocation.voided_at = voided

    done, back, given = JobStatus.COMPLETED, JobStatus.IN_PROGRESS, JobStatus.DELIVERED
    _job(book, "J1", "Ali", "Kurta", due=date(2026, 11, 10), taken=at(date(2026, 11, 1), 10),
         moves=[(done, at(date(2026, 11, 9), 18)), (given, at(date(2026, 11, 11), 11))])
    _job(book, "J2", "Sana", "Sherwani", due=date(2026, 11, 12), taken=at(date(2026, 11, 2)),
         moves=[(done, at(date(2026, 11, 14)))])
    _job(book, "J3", "Bilal", "Shalwar", due=date(2026, 11, 15), taken=at(date(2026, 10, 25)))
    _job(book, "J4", "Ali", "Waistcoat", due=date(2026, 11, 25), taken=at(date(2026, 11, 20)))
    _job(book, "J5", "Sana", "Dupatta", due=TODAY, taken=at(date(2026, 11, 15)))
    _job(book, "J6", "Bilal", "Coat", due=date(2026, 11, 18), taken=at(date(2026, 11, 10)),
         moves=[(done, at(date(2026, 11, 16))), (back, at(date(2026, 11, 17)), "Sleeves too long"),
                (done, at(date(2026, 11, 19)))])
    _job(book, "J7", "Ali", "Edge", due=date(2026, 11, 5), taken=at(date(2026, 11, 1), 0, 30),
         moves=[(done, at(date(2026, 11, 6), 0, 30))])
    db.session.commit()
    return book
