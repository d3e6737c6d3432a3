"""the outbox for email, and password reset requests

Revision ID: 0006_outbox_and_password_resets
Revises: 0005_stored_paid_and_balance
Create Date: 2026-11-21

outbox_messages holds every email, written in the transaction of the action that caused it and then
delivered by a task (or the periodic sweep). password_resets keeps each "forgot password" request,
with the hash of its link"s token when the email has an account.
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_outbox_and_password_resets"
down_revision = "0005_stored_paid_and_balance"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("outbox_messages",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("shop_id", sa.Integer(), nullable=True),
    sa.Column("kind", sa.String(length=32), nullable=False),
    sa.Column("to_address", sa.String(length=254), nullable=False),
    sa.Column("to_name", sa.String(length=200), nullable=False),
    sa.Column("from_name", sa.String(length=200), nullable=False),
    sa.Column("reply_to", sa.String(length=254), nullable=False),
    sa.Column("subject", sa.String(length=400), nullable=False),
    sa.Column("text_body", sa.Text(), nullable=False),
    sa.Column("html_body", sa.Text(), nullable=False),
    sa.Column("locale", sa.String(length=8), nullable=False),
    sa.Column("related_type", sa.String(length=32), nullable=False),
    sa.Column("related_id", sa.Integer(), nullable=True),
    sa.Column("status", sa.Enum("pending", "sending", "sent", "failed", "held", name="outboxstatus", native_enum=False, length=16), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
    sa.Column("claim_token", sa.String(length=32), nullable=False),
    sa.Column("last_error", sa.String(length=500), nullable=False),
    sa.Column("sent_at", sa.DateTime(), nullable=True),
    sa.Column("shared_at", sa.DateTime(), nullable=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("created_by_id", sa.Integer(), nullable=True),
    sa.Column("message_id", sa.String(length=250), nullable=False),
    sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_outbox_messages_created_by_id_users"), ondelete="SET NULL"),
    sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_outbox_messages_shop_id_shops"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
    sa.UniqueConstraint("message_id", name=op.f("uq_outbox_messages_message_id"))
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_messages_related", ["related_type", "related_id"], unique=False)
        batch_op.create_index("ix_outbox_messages_shop_created", ["shop_id", "created_at"], unique=False)
        batch_op.create_index("ix_outbox_messages_status_next_attempt", ["status", "next_attempt_at"], unique=False)

    op.create_table("password_resets",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("email", sa.String(length=254), nullable=False),
    sa.Column("address", sa.String(length=64), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=True),
    sa.Column("token_hash", sa.String(length=64), nullable=True),
    sa.Column("password_fingerprint", sa.String(length=64), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("expires_at", sa.DateTime(), nullable=False),
    sa.Column("used_at", sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_password_resets_user_id_users"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_password_resets")),
    sa.UniqueConstraint("token_hash", name=op.f("uq_password_resets_token_hash"))
    )
    with op.batch_alter_table("password_resets", schema=None) as batch_op:
        batch_op.create_index("ix_password_resets_address_created", ["address", "created_at"], unique=False)
        batch_op.create_index("ix_password_resets_email_created", ["email", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_password_resets_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("password_resets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_resets_user_id"))
        batch_op.drop_index("ix_password_resets_email_created")
        batch_op.drop_index("ix_password_resets_address_created")

    op.drop_table("password_resets")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_messages_status_next_attempt")
        batch_op.drop_index("ix_outbox_messages_shop_created")
        batch_op.drop_index("ix_outbox_messages_related")

    op.drop_table("outbox_messages")
