"""the shop's data version, for the page cache

Revision ID: 0009_shop_data_version
Revises: 0008_links_and_reminders
Create Date: 2026-11-21

shops.data_version goes up in the same transaction as every change to the shop's rows; rendered pages are
kept under it (shopledger/page_cache.py). Plain ALTER TABLE on both databases (SQLite 3.35+ drops a column
in place): rebuilding `shops` on SQLite would cascade a delete to every table that names it.
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_shop_data_version"
down_revision = "0008_links_and_reminders"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("shops", sa.Column("data_version", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    op.drop_column("shops", "data_version")
