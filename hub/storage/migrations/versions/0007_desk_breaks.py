"""desk breaks

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 00:50:00
"""
from alembic import op
import sqlalchemy as sa
import hub.storage.types


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('desk_breaks',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('desk', sa.String(length=40), nullable=False),
    sa.Column('operator', sa.String(length=120), nullable=False),
    sa.Column('started_at', hub.storage.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', hub.storage.types.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('uq_desk_break_open', 'desk_breaks', ['desk'], unique=True,
                    sqlite_where=sa.text('ended_at IS NULL'),
                    postgresql_where=sa.text('ended_at IS NULL'))


def downgrade() -> None:
    op.drop_index('uq_desk_break_open', table_name='desk_breaks',
                  sqlite_where=sa.text('ended_at IS NULL'),
                  postgresql_where=sa.text('ended_at IS NULL'))
    op.drop_table('desk_breaks')
