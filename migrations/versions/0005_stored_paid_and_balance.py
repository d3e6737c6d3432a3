"""stored paid amount per invoice, balance per customer, invoice totals per shop

Revision ID: 0005_stored_paid_and_balance
Revises: 0004_performance_indexes
Create Date: 2026-11-21

invoices.paid_minor is what live allocations have paid on the invoice; customers.balance_minor is what
the customer owes (issued invoices less live payments; negative is their credit). Both are kept in step
by services.payments and services.invoices in the same transaction as the change that moves them, so
that the lists read them instead of summing every invoice and payment (see README, Performance).
invoice_totals holds, per shop, what the invoices list's summary shows without a filter (how many
invoices, the total of those not void, what is due on issued ones). services.ledger.recompute_stored_amounts()
rebuilds all three from the rows; the upgrade fills them the same way.

Indexes: ix_invoices_open (shop_id, issue_date, id) over issued invoices not fully paid, from which the
invoices list reads its overdue rows first; ix_customers_owing (shop_id, balance_minor) over customers who
owe, for who owes what and the total owed. Dropped: three indexes that 0004's covering ones superseded
(every query they served starts with the same columns in the newer index).

Customer search by any part of a name or phone (LIKE '%…%', which no B-tree can seek) walked every
customer of the shop. Now a trigram index finds the candidates: on SQLite an FTS5 table with the trigram
tokenizer over customers (name_folded, phone_national), kept in step by triggers (shopledger/search_index.py);
on PostgreSQL a GIN index with pg_trgm's operator class. services.customers.list_customers uses it for
any word of three or more letters or digits. models.types.include_schema_object keeps autogenerate
from proposing to drop either.
"""
import sqlalchemy as sa
from alembic import op

from shopledger import search_index

revision = "0005_stored_paid_and_balance"
down_revision = "0004_performance_indexes"
branch_labels = None
depends_on = None


OPEN_INVOICES = "status = 'issued' AND paid_minor < total_minor"
SUPERSEDED = (
    ("customers", "ix_customers_shop_archived_activity", ["shop_id", "archived_at", "last_activity_at", "id"]),
    ("payment_allocations", "ix_payment_allocations_invoice", ["invoice_id"]),
    ("payment_allocations", "ix_payment_allocations_payment", ["payment_id"]),
)


def upgrade():
    op.create_table(
        "invoice_totals",
        sa.Column("shop_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("invoice_count", sa.BigInteger(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("due_minor", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_invoice_totals_shop_id_shops"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("shop_id", name=op.f("pk_invoice_totals")),
    )
    with op.batch_alter_table("invoices") as batch_op:
        batch_op.add_column(sa.Column("paid_minor", sa.BigInteger(), nullable=False, server_default="0"))
    with op.batch_alter_table("customers") as batch_op:
        batch_op.add_column(sa.Column("balance_minor", sa.BigInteger(), nullable=False, server_default="0"))

    op.execute(
        "UPDATE invoices SET paid_minor = COALESCE((SELECT SUM(a.amount_minor) FROM payment_allocations a "
        "WHERE a.invoice_id = invoices.id AND a.voided_at IS NULL), 0)"
    )
    op.execute(
        "UPDATE customers SET balance_minor = "
        "COALESCE((SELECT SUM(i.total_minor) FROM invoices i "
        "WHERE i.customer_id = customers.id AND i.status = 'issued'), 0) - "
        "COALESCE((SELECT SUM(p.amount_minor) FROM payments p "
        "WHERE p.customer_id = customers.id AND p.voided_at IS NULL), 0)"
    )
    op.execute(
        "INSERT INTO invoice_totals (shop_id, invoice_count, total_minor, due_minor) "
        "SELECT shop_id, COUNT(*), "
        "COALESCE(SUM(CASE WHEN status <> 'void' THEN total_minor ELSE 0 END), 0), "
        "COALESCE(SUM(CASE WHEN status = 'issued' THEN total_minor - paid_minor ELSE 0 END), 0) "
        "FROM invoices GROUP BY shop_id"
    )
    op.create_index("ix_invoices_open", "invoices", ["shop_id", "issue_date", "id"], unique=False,
                    sqlite_where=sa.text(OPEN_INVOICES), postgresql_where=sa.text(OPEN_INVOICES))
    op.create_index("ix_customers_owing", "customers", ["shop_id", "balance_minor"], unique=False,
                    sqlite_where=sa.text("balance_minor > 0"), postgresql_where=sa.text("balance_minor > 0"))
    for table, name, _columns in SUPERSEDED:
        op.drop_index(name, table_name=table)
    if op.get_bind().dialect.name == "sqlite":
        search_index.create_search_index(op.get_bind())
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_customers_search_trigrams ON customers "
                   "USING gin (name_folded gin_trgm_ops, phone_national gin_trgm_ops)")
    if op.get_bind().dialect.name == "sqlite":
        # Statistics, so that SQLite's planner sees how few rows the partial indexes hold (it would
        # otherwise range over every issued invoice and sort them). The worker refreshes them daily.
        op.execute("ANALYZE")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        search_index.drop_search_index(op.get_bind())
    else:
        op.execute("DROP INDEX IF EXISTS ix_customers_search_trigrams")
    for table, name, columns in SUPERSEDED:
        op.create_index(name, table, columns, unique=False)
    op.drop_index("ix_customers_owing", table_name="customers")
    op.drop_index("ix_invoices_open", table_name="invoices")
    with op.batch_alter_table("customers") as batch_op:
        batch_op.drop_column("balance_minor")
    with op.batch_alter_table("invoices") as batch_op:
        batch_op.drop_column("paid_minor")
    op.drop_table("invoice_totals")
