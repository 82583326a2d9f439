"""node approval (claiming)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 01:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nodes the hub already knows were trusted before claiming existed: approved.
    with op.batch_alter_table('nodes') as batch:
        batch.add_column(sa.Column('approval', sa.String(length=10), nullable=False,
                                   server_default='approved'))


def downgrade() -> None:
    with op.batch_alter_table('nodes') as batch:
        batch.drop_column('approval')
