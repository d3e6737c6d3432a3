"""The registry of main pages that the accessibility check and the Urdu review walk, on the demo shop.

Each page is an endpoint and the URL values it needs, taken from the demo shop (the `seed-demo` data: customers
in English and Urdu, jobs in every state, invoices paid, part paid, overdue, voided, drafts, payments). A new
page joins every walk by being added to MAIN_PAGES (or PUBLIC_PAGES when it is reached without logging in).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from shopledger.cli import DEMO_PASSWORD, seed_demo_shop
from shopledger.models import Customer, Invoice, InvoiceStatus, Job, Payment, Shop, User

OWNER_EMAIL = "owner@noortailors.example.com"


@dataclass(frozen=True)
class DemoShop:
    """The demo shop's rows that pages are about: the busiest customer, one of each kind of thing."""

    shop_id: int
    owner_email: str
    password: str
    ids: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # the public links' tokens, by what they show


@dataclass(frozen=True)
class Page:
    name: str
    endpoint: str
    values: Callable[[DemoShop], dict] = lambda demo: {}
    # Written in both languages at once (the offline page): its <html lang> is not the reader's.
    bilingual: bool = False
    # In the language of the customer it was made for (a public link), whoever reads it.
    language: str | None = None


def seed_demo(app, db) -> DemoShop:
    """The demo shop (as `flask shopledger seed-demo` makes it), committed for the live server."""
    with app.test_request_context():
        shop = seed_demo_shop()
        db.session.commit()
        shop = db.session.get(Shop, shop.id)

        def first(statement) -> int:
            return db.session.scalar(statement.limit(1))

        ahmed = first(sa.select(Customer.id).where(Customer.shop_id == shop.id, Customer.name == "Ahmed Raza"))
        urdu_customer = first(sa.select(Customer.id).where(Customer.shop_id == shop.id,
                                                           Customer.name == "فاطمہ بی بی"))
        ids = {
            "customer_id": ahmed,
            "urdu_customer_id": urdu_customer,
            "job_id": first(sa.select(Job.id).where(Job.shop_id == shop.id, Job.customer_id == ahmed)
                            .order_by(Job.id)),
            "urdu_job_id": first(sa.select(Job.id).where(Job.shop_id == shop.id, Job.title == "شادی کا جوڑا")),
            "invoice_id": first(sa.select(Invoice.id).where(Invoice.shop_id == shop.id,
                                                            Invoice.customer_id == ahmed,
                                                            Invoice.status == InvoiceStatus.ISSUED)
                                .order_by(Invoice.id.desc())),
            "draft_invoice_id": first(sa.select(Invoice.id).where(Invoice.shop_id == shop.id,
                                                                  Invoice.status == InvoiceStatus.DRAFT)),
            "payment_id": first(sa.select(Payment.id).where(Payment.shop_id == shop.id,
                                                            Payment.customer_id == ahmed)
                                .order_by(Payment.id.desc())),
        }
        owner = db.session.scalar(sa.select(User).where(User.email == OWNER_EMAIL))
        tokens = _public_links(shop, owner, ids)
        db.session.commit()
        demo = DemoShop(shop_id=shop.id, owner_email=owner.email, password=DEMO_PASSWORD, ids=ids, tokens=tokens)
    db.session.close()  # the live server works on its own connections
    return demo


def _public_links(shop: Shop, owner: User, ids: dict[str, int]) -> dict[str, str]:
    """Links the shop sends its customers: Ahmed's invoice (English), Fatima's receipt and statement (Urdu)."""
    from shopledger.extensions import db
    from shopledger.services import links

    fatima = db.session.get(Customer, ids["urdu_customer_id"])
    fatima_payment = db.session.scalars(sa.select(Payment).where(Payment.customer_id == fatima.id).limit(1)).first()
    return {
        "invoice": links.link_for_invoice(shop, db.session.get(Invoice, ids["invoice_id"]), by=owner).token,
        "receipt": links.link_for_receipt(shop, fatima_payment, by=owner).token,
        "statement": links.link_for_statement(shop, fatima, by=owner).token,
    }


PUBLIC_PAGES = [
    Page("login", "auth.login"),
    Page("signup", "auth.signup"),
    Page("offline", "pwa.offline", bilingual=True),
    Page("forgot-password", "auth.forgot_password"),
    Page("public-invoice", "public.show", lambda demo: {"share_token": demo.tokens["invoice"]}, language="en"),
    Page("public-receipt", "public.show", lambda demo: {"share_token": demo.tokens["receipt"]}, language="ur"),
    Page("public-statement", "public.show", lambda demo: {"share_token": demo.tokens["statement"]}, language="ur"),
]

MAIN_PAGES = [
    Page("home", "main.home"),
    Page("customers", "customers.index"),
    Page("customer", "customers.show", lambda demo: {"customer_id": demo.ids["customer_id"]}),
    Page("customer-urdu-name", "customers.show", lambda demo: {"customer_id": demo.ids["urdu_customer_id"]}),
    Page("new-customer", "customers.new"),
    Page("who-owes", "customers.owing"),
    Page("statement", "customers.statement", lambda demo: {"customer_id": demo.ids["customer_id"]}),
    Page("jobs", "jobs.index"),
    Page("job", "jobs.show", lambda demo: {"job_id": demo.ids["job_id"]}),
    Page("job-urdu-title", "jobs.show", lambda demo: {"job_id": demo.ids["urdu_job_id"]}),
    Page("new-job", "jobs.new"),
    Page("invoices", "invoices.index"),
    Page("invoice", "invoices.show", lambda demo: {"invoice_id": demo.ids["invoice_id"]}),
    Page("draft-invoice", "invoices.edit", lambda demo: {"invoice_id": demo.ids["draft_invoice_id"]}),
    Page("new-invoice", "invoices.new"),
    Page("payments", "payments.index"),
    Page("payment", "payments.show", lambda demo: {"payment_id": demo.ids["payment_id"]}),
    Page("payment-form", "payments.new", lambda demo: {"customer_id": demo.ids["customer_id"]}),
    Page("settings", "settings.edit"),
    Page("members", "members.index"),
    Page("more", "main.more"),
    Page("account", "account.edit"),
    Page("audit-log", "audit.index"),
    Page("measurements", "measurements.index"),
    Page("to-remind", "reminders.index"),
    Page("sent-messages", "reminders.log"),
    Page("notifications", "notifications.index"),
    # Email, reports, export and backups (issues 5 and 6).
    Page("email-outbox", "outbox.index"),
    Page("reports", "reports.index"),
    Page("sales-report", "reports.sales"),
    Page("payments-report", "reports.payments"),
    Page("aging-report", "reports.aging"),
    Page("jobs-report", "reports.jobs"),
    Page("export", "data.export"),
    Page("import", "data.import_customers"),
    Page("backups", "data.backups"),
]


def url_of(app, page: Page, demo: DemoShop) -> str:
    with app.test_request_context():
        from flask import url_for

        return url_for(page.endpoint, **page.values(demo))
