"""node identity record: role, desk and zones the hub assigns, apart from those declared

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 01:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('nodes') as batch:
        batch.add_column(sa.Column('assigned_role', sa.String(length=30), nullable=True))
        batch.add_column(sa.Column('assigned_desk', sa.String(length=40), nullable=True))
        batch.add_column(sa.Column('assigned_zones', sa.JSON(), nullable=True))
    # The nodes the hub knows were trusted as they declared themselves: that becomes
    # their record. A claim still waiting for approval gets its record when approved.
    nodes = sa.table('nodes', sa.column('role', sa.String), sa.column('desk', sa.String),
                     sa.column('zones', sa.JSON), sa.column('approval', sa.String),
                     sa.column('assigned_role', sa.String),
                     sa.column('assigned_desk', sa.String),
                     sa.column('assigned_zones', sa.JSON))
    op.execute(nodes.update().where(nodes.c.approval != 'pending').values(
        assigned_role=nodes.c.role, assigned_desk=nodes.c.desk,
        assigned_zones=nodes.c.zones))


def downgrade() -> None:
    with op.batch_alter_table('nodes') as batch:
        batch.drop_column('assigned_zones')
        batch.drop_column('assigned_desk')
        batch.drop_column('assigned_role')
