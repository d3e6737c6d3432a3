"""the current customers, most recent first, in index order

Revision ID: 0010_current_customers_index
Revises: 0009_shop_data_version
Create Date: 2026-11-21

PostgreSQL could not read the customers list's order (last activity, newest first) from
ix_customers_shop_archived_activity_search, whose second column is archived_at: "archived_at IS NULL" is
not an equality to its planner, so every page sorted all of the shop's customers (9 ms at 10,000). A
partial index over the current customers gives it, and SQLite, the order directly.
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_current_customers_index"
down_revision = "0009_shop_data_version"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_customers_current_activity", "customers", ["shop_id", "last_activity_at", "id"],
                    unique=False, sqlite_where=sa.text("archived_at IS NULL"),
                    postgresql_where=sa.text("archived_at IS NULL"))
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ANALYZE customers")  # the planner's statistics for the new index


def downgrade():
    op.drop_index("ix_customers_current_activity", table_name="customers")
