"""performance indexes

Revision ID: 0004_performance_indexes
Revises: 0003_invoices_and_payments
Create Date: 2026-11-21

Indexes for a shop at size (scripts/benchmark.py; at scale 1: 10,000 customers, 100,000 invoices,
80,000 payments). Each replaces a scan that grows with the shop by a lookup that does not. Query times
are SQLite at scale 1, before → after.

customers
- ix_customers_shop_phone_e164 (shop_id, phone): the same-phone warning on the customer's page and in
  the form (customers_with_phone) matches the E.164 number. The existing index is on phone_national,
  so it read every customer of the shop: 8 ms → 0.01 ms, on every customer page.
- ix_customers_shop_archived_activity_search (shop_id, archived_at, last_activity_at, id,
  phone_national, name_folded): the list's order with the searched columns alongside. A search by name
  or phone (LIKE '%…%', which no B-tree can seek) still walks the shop's customers, but through the
  index, reading a customer's row only when it matches: 8.5 ms → 1.7 ms. It is a superset of
  ix_customers_shop_archived_activity, which can be dropped later.

invoices
- ix_invoices_customer_balance (customer_id, shop_id, status, total_minor): ledger.balances (the
  customers list, 25 customers a page) sums issued totals from the index alone: 6.8 ms → 0.2 ms. With
  customer_id first it is also what deleting a customer needs: the ON DELETE RESTRICT check looked
  through a whole index for the customer's invoices.
- ix_invoices_shop_status_due_total (shop_id, status, due_date, total_minor): the invoices list's
  count and totals, and its overdue test (issued, due before today), read these columns only, so the
  totals query reads this index rather than the table: with ix_payment_allocations_invoice_paid
  below, 1.15 s → 0.13 s. (It is still a pass over every invoice; see README, Performance.)
- ix_invoices_replaces_id (replaces_id): deleting a draft sets replaces_id to NULL wherever it pointed
  at it (ON DELETE SET NULL); without an index that read every invoice: 31 ms → 0.01 ms a delete.

payments
- ix_payments_customer_balance (customer_id, shop_id, voided_at, amount_minor): ledger.balances sums
  live payments from the index alone (1.7 ms → 0.2 ms); the RESTRICT check when deleting a customer.

payment_allocations
- ix_payment_allocations_invoice_paid (invoice_id, voided_at, amount_minor): what is paid on an
  invoice (the invoices list asks for each row, paid_amounts, open_invoices) from the index alone.
- ix_payment_allocations_payment_paid (payment_id, voided_at, amount_minor): what is left of a payment
  (allocated_minor, credit_minor, apply_credit) from the index alone.
  Both are supersets of the single-column indexes from 0003, which can be dropped later.

jobs
- ix_jobs_customer_id (customer_id): customers.is_referenced (on every customer page) and the RESTRICT
  check when deleting a customer asked for jobs by customer_id alone; ix_jobs_shop_customer starts with
  shop_id, so they read every job: 2.9 ms → 0.01 ms for a customer without jobs.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004_performance_indexes"
down_revision = "0003_invoices_and_payments"
branch_labels = None
depends_on = None

INDEXES = (
    # table, name, columns
    ("customers", "ix_customers_shop_phone_e164", ["shop_id", "phone"]),
    ("customers", "ix_customers_shop_archived_activity_search",
     ["shop_id", "archived_at", "last_activity_at", "id", "phone_national", "name_folded"]),
    ("invoices", "ix_invoices_customer_balance", ["customer_id", "shop_id", "status", "total_minor"]),
    ("invoices", "ix_invoices_shop_status_due_total", ["shop_id", "status", "due_date", "total_minor"]),
    ("invoices", "ix_invoices_replaces_id", ["replaces_id"]),
    ("payments", "ix_payments_customer_balance", ["customer_id", "shop_id", "voided_at", "amount_minor"]),
    ("payment_allocations", "ix_payment_allocations_invoice_paid", ["invoice_id", "voided_at", "amount_minor"]),
    ("payment_allocations", "ix_payment_allocations_payment_paid", ["payment_id", "voided_at", "amount_minor"]),
    ("jobs", "ix_jobs_customer_id", ["customer_id"]),
)


def upgrade():
    # Plain CREATE INDEX (not batch mode): SQLite adds an index without copying the table.
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade():
    for table, name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
