"""public links, sending and reminders: share links and their views, messages to customers, reminder marks, notifications

Revision ID: 0008_links_and_reminders
Revises: 0007_job_notes
Create Date: 2026-11-21

share_links keeps only a hash of each token. reminder_marks is unique on (kind, subject_id, period): an
invoice's reminder stage, a customer's monthly balance reminder, a shop's daily summary, each at most once,
written in the same transaction as its message. invoices.sent_at/sent_by_id say when an invoice last went
to its customer and viewed_at when they last opened it; memberships count unread notifications (the
bell's badge); shops get the link lifetime and reminder settings; customers can be opted out of reminders.
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_links_and_reminders"
down_revision = "0007_job_notes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('link_lookup_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_lookup_failures'))
    )
    with op.batch_alter_table('link_lookup_failures') as batch_op:
        batch_op.create_index('ix_link_lookup_failures_address_created', ['address', 'created_at'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_notifications_shop_id_shops'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('shop_id', 'user_id', 'day', name='uq_notifications_shop_user_day')
    )
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.create_index('ix_notifications_user_shop_read', ['user_id', 'shop_id', 'read_at'], unique=False)

    op.create_table('share_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('invoice', 'receipt', 'statement', name='linkkind', native_enum=False, length=16), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('date_from', sa.Date(), nullable=True),
    sa.Column('date_to', sa.Date(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('view_count', sa.Integer(), nullable=False),
    sa.Column('first_viewed_at', sa.DateTime(), nullable=True),
    sa.Column('last_viewed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_share_links_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_share_links_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_share_links_invoice_id_invoices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_share_links_payment_id_payments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_share_links_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_share_links_token_hash'))
    )
    with op.batch_alter_table('share_links') as batch_op:
        batch_op.create_index('ix_share_links_customer_kind', ['customer_id', 'kind', 'revoked_at'], unique=False)
        batch_op.create_index('ix_share_links_invoice', ['invoice_id', 'revoked_at'], unique=False)
        batch_op.create_index('ix_share_links_payment', ['payment_id', 'revoked_at'], unique=False)
        batch_op.create_index('ix_share_links_shop_viewed', ['shop_id', 'last_viewed_at'], unique=False)

    op.create_table('customer_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('to_name', sa.String(length=120), nullable=False),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('kind', sa.Enum('invoice', 'receipt', 'statement', 'reminder_overdue', 'reminder_balance', name='messagekind', native_enum=False, length=20), nullable=False),
    sa.Column('channel', sa.Enum('email', 'whatsapp', 'sms', 'link', name='messagechannel', native_enum=False, length=16), nullable=False),
    sa.Column('automatic', sa.Boolean(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('link_id', sa.Integer(), nullable=True),
    sa.Column('outbox_message_id', sa.Integer(), nullable=True),
    sa.Column('amount_minor', sa.BigInteger(), nullable=True),
    sa.Column('invoice_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_customer_messages_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_messages_customer_id_customers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_customer_messages_invoice_id_invoices'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['link_id'], ['share_links.id'], name=op.f('fk_customer_messages_link_id_share_links'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['outbox_message_id'], ['outbox_messages.id'], name=op.f('fk_customer_messages_outbox_message_id_outbox_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_customer_messages_payment_id_payments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_customer_messages_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_messages'))
    )
    with op.batch_alter_table('customer_messages') as batch_op:
        batch_op.create_index('ix_customer_messages_customer_created', ['customer_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_messages_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_messages_link_id'), ['link_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_messages_outbox_message_id'), ['outbox_message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_messages_payment_id'), ['payment_id'], unique=False)
        batch_op.create_index('ix_customer_messages_shop_created', ['shop_id', 'created_at'], unique=False)

    op.create_table('share_link_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('what', sa.String(length=8), nullable=False),
    sa.Column('viewed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['share_links.id'], name=op.f('fk_share_link_views_link_id_share_links'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_share_link_views_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_link_views'))
    )
    with op.batch_alter_table('share_link_views') as batch_op:
        batch_op.create_index('ix_share_link_views_link', ['link_id', 'viewed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_link_views_shop_id'), ['shop_id'], unique=False)

    op.create_table('reminder_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('overdue', 'balance', 'digest', name='markkind', native_enum=False, length=16), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_reminder_marks_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['customer_messages.id'], name=op.f('fk_reminder_marks_message_id_customer_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_reminder_marks_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_marks')),
    sa.UniqueConstraint('kind', 'subject_id', 'period', name='uq_reminder_marks_kind_subject_period')
    )
    with op.batch_alter_table('reminder_marks') as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_marks_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_reminder_marks_shop_created', ['shop_id', 'created_at'], unique=False)

    with op.batch_alter_table('customers') as batch_op:
        batch_op.add_column(sa.Column('reminders_opted_out', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('invoices') as batch_op:
        batch_op.add_column(sa.Column('sent_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('sent_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('viewed_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_invoices_sent_by_id_users'), 'users', ['sent_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('memberships') as batch_op:
        batch_op.add_column(sa.Column('unread_notifications', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('shops') as batch_op:
        batch_op.add_column(sa.Column('link_lifetime_days', sa.Integer(), server_default='90', nullable=False))
        batch_op.add_column(sa.Column('reminder_stages', sa.String(length=40), server_default='1,7,14', nullable=False))
        batch_op.add_column(sa.Column('balance_reminders', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('memberships') as batch_op:
        batch_op.drop_column('unread_notifications')

    with op.batch_alter_table('shops') as batch_op:
        batch_op.drop_column('balance_reminders')
        batch_op.drop_column('reminder_stages')
        batch_op.drop_column('link_lifetime_days')

    with op.batch_alter_table('invoices') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_invoices_sent_by_id_users'), type_='foreignkey')
        batch_op.drop_column('viewed_at')
        batch_op.drop_column('sent_by_id')
        batch_op.drop_column('sent_at')

    with op.batch_alter_table('customers') as batch_op:
        batch_op.drop_column('reminders_opted_out')

    with op.batch_alter_table('reminder_marks') as batch_op:
        batch_op.drop_index('ix_reminder_marks_shop_created')
        batch_op.drop_index(batch_op.f('ix_reminder_marks_customer_id'))

    op.drop_table('reminder_marks')
    with op.batch_alter_table('share_link_views') as batch_op:
        batch_op.drop_index(batch_op.f('ix_share_link_views_shop_id'))
        batch_op.drop_index('ix_share_link_views_link')

    op.drop_table('share_link_views')
    with op.batch_alter_table('customer_messages') as batch_op:
        batch_op.drop_index('ix_customer_messages_shop_created')
        batch_op.drop_index(batch_op.f('ix_customer_messages_payment_id'))
        batch_op.drop_index(batch_op.f('ix_customer_messages_outbox_message_id'))
        batch_op.drop_index(batch_op.f('ix_customer_messages_link_id'))
        batch_op.drop_index(batch_op.f('ix_customer_messages_invoice_id'))
        batch_op.drop_index('ix_customer_messages_customer_created')

    op.drop_table('customer_messages')
    with op.batch_alter_table('share_links') as batch_op:
        batch_op.drop_index('ix_share_links_shop_viewed')
        batch_op.drop_index('ix_share_links_payment')
        batch_op.drop_index('ix_share_links_invoice')
        batch_op.drop_index('ix_share_links_customer_kind')

    op.drop_table('share_links')
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.drop_index('ix_notifications_user_shop_read')

    op.drop_table('notifications')
    with op.batch_alter_table('link_lookup_failures') as batch_op:
        batch_op.drop_index('ix_link_lookup_failures_address_created')

    op.drop_table('link_lookup_failures')
