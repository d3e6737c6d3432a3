"""notes written on a job as the work goes

Revision ID: 0007_job_notes
Revises: 0006_outbox_and_password_resets
Create Date: 2026-11-21

job_notes keeps each note with its author and time; (shop_id, idempotency_key) is unique, so a note sent
twice (a retry, or a phone sending what it kept while offline) is written once.
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_job_notes"
down_revision = "0006_outbox_and_password_resets"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("job_notes",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("shop_id", sa.Integer(), nullable=False),
    sa.Column("job_id", sa.Integer(), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("idempotency_key", sa.String(length=64), nullable=True),
    sa.Column("created_by_id", sa.Integer(), nullable=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_job_notes_created_by_id_users"), ondelete="SET NULL"),
    sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_job_notes_job_id_jobs"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_job_notes_shop_id_shops"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_job_notes")),
    sa.UniqueConstraint("shop_id", "idempotency_key", name="uq_job_notes_shop_idempotency_key")
    )
    with op.batch_alter_table("job_notes", schema=None) as batch_op:
        batch_op.create_index("ix_job_notes_job_created", ["job_id", "created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("job_notes", schema=None) as batch_op:
        batch_op.drop_index("ix_job_notes_job_created")

    op.drop_table("job_notes")
