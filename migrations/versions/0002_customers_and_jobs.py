"""customers and jobs

Revision ID: 0002_customers_and_jobs
Revises: 0001_foundation
Create Date: 2026-11-21

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0002_customers_and_jobs"
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('customers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_folded', sa.String(length=120), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('phone_national', sa.String(length=20), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('address', sa.String(length=500), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('preferred_locale', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('last_activity_at', sa.DateTime(), nullable=False),
    sa.Column('archived_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_customers_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers'))
    )
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.create_index('ix_customers_shop_archived_activity', ['shop_id', 'archived_at', 'last_activity_at', 'id'], unique=False)
        batch_op.create_index('ix_customers_shop_phone', ['shop_id', 'phone_national'], unique=False)

    op.create_table('measurement_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('archived_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_measurement_templates_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measurement_templates')),
    sa.UniqueConstraint('shop_id', 'name', name='uq_measurement_templates_shop_name')
    )
    with op.batch_alter_table('measurement_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_measurement_templates_shop_id'), ['shop_id'], unique=False)

    op.create_table('customer_measurements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_measurements_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_customer_measurements_shop_id_shops'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['template_id'], ['measurement_templates.id'], name=op.f('fk_customer_measurements_template_id_measurement_templates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_measurements')),
    sa.UniqueConstraint('customer_id', 'template_id', name='uq_customer_measurements_customer_template')
    )
    with op.batch_alter_table('customer_measurements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_measurements_shop_id'), ['shop_id'], unique=False)

    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('in_progress', 'completed', 'delivered', name='jobstatus', native_enum=False, length=16), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('due_time', sa.Time(), nullable=True),
    sa.Column('quoted_minor', sa.BigInteger(), nullable=True),
    sa.Column('measurement_template_id', sa.Integer(), nullable=True),
    sa.Column('measurements', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_jobs_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_jobs_customer_id_customers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['measurement_template_id'], ['measurement_templates.id'], name=op.f('fk_jobs_measurement_template_id_measurement_templates'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_jobs_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_shop_customer', ['shop_id', 'customer_id'], unique=False)
        batch_op.create_index('ix_jobs_shop_status_due', ['shop_id', 'status', 'due_date'], unique=False)

    op.create_table('job_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=64), nullable=False),
    sa.Column('thumbnail_filename', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_job_photos_job_id_jobs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_job_photos_shop_id_shops'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_job_photos_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_photos')),
    sa.UniqueConstraint('filename', name=op.f('uq_job_photos_filename')),
    sa.UniqueConstraint('thumbnail_filename', name=op.f('uq_job_photos_thumbnail_filename'))
    )
    with op.batch_alter_table('job_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_photos_job_id'), ['job_id'], unique=False)

    op.create_table('job_status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.Enum('in_progress', 'completed', 'delivered', name='jobstatus', native_enum=False, length=16), nullable=True),
    sa.Column('to_status', sa.Enum('in_progress', 'completed', 'delivered', name='jobstatus', native_enum=False, length=16), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_job_status_changes_job_id_jobs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_job_status_changes_shop_id_shops'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_job_status_changes_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_status_changes'))
    )
    with op.batch_alter_table('job_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_status_changes_job_id'), ['job_id'], unique=False)



def downgrade():
    with op.batch_alter_table('job_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_status_changes_job_id'))

    op.drop_table('job_status_changes')
    with op.batch_alter_table('job_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_photos_job_id'))

    op.drop_table('job_photos')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_shop_status_due')
        batch_op.drop_index('ix_jobs_shop_customer')

    op.drop_table('jobs')
    with op.batch_alter_table('customer_measurements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_measurements_shop_id'))

    op.drop_table('customer_measurements')
    with op.batch_alter_table('measurement_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_measurement_templates_shop_id'))

    op.drop_table('measurement_templates')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index('ix_customers_shop_phone')
        batch_op.drop_index('ix_customers_shop_archived_activity')

    op.drop_table('customers')
