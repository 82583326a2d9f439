"""ticket arrival index: people ahead of a new ticket counted from the back

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 09:00:00.000000
"""
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_ticket_arrival', 'tickets',
                    ['service_day', 'zone', 'state', 'queued_at', 'out_of_turn',
                     'booked_for'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_ticket_arrival', table_name='tickets')
