"""Two people issuing at the same moment on PostgreSQL get two different numbers, with no gap."""
import threading
from datetime import date
from decimal import Decimal

import pytest

from shopledger.extensions import db as _db
from shopledger.models import Customer, Invoice, Shop, User
from shopledger.services import customers, invoices
from shopledger.services.invoices import LineDraft

WORKERS = 8


def test_concurrent_issues_get_distinct_consecutive_numbers(app, db, make_team):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row-locking concurrency is proven on PostgreSQL (CI sets TEST_DATABASE_URL)")
    team = make_team("Busy Shop")
    customer = customers.create_customer(team.shop, by=team.owner, name="Crowd")
    drafts = [invoices.create_draft(team.shop, customer, by=team.staff, issue_date=date(2026, 11, 21),
                                    lines=[LineDraft("x", Decimal(1), 100)]) for _ in range(WORKERS)]
    db.session.commit()
    shop_id, staff_id, draft_ids = team.shop.id, team.staff.id, [draft.id for draft in drafts]
    start = threading.Barrier(WORKERS)
    errors = []

    def issue_one(invoice_id):
        with app.app_context():
            try:
                shop, user = _db.session.get(Shop, shop_id), _db.session.get(User, staff_id)
                invoice = _db.session.get(Invoice, invoice_id)
                start.wait(timeout=30)
                invoices.issue(shop, invoice, by=user)
                _db.session.commit()
            except Exception as error:  # noqa: BLE001  (reported below, with the thread's id)
                errors.append((invoice_id, repr(error)))
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=issue_one, args=(invoice_id,)) for invoice_id in draft_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    db.session.expire_all()
    numbers = sorted(db.session.get(Invoice, invoice_id).number for invoice_id in draft_ids)
    assert numbers == [f"INV-2026-{n:04d}" for n in range(1, WORKERS + 1)]
    assert db.session.get(Customer, customer.id) is not None
