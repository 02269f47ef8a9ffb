"""status summary: held count per device, received_at indexes

Revision ID: 6301c55bd777
Revises: d05338bd2929
Create Date: 2026-11-26 13:25:12.000000

The sync status page must not count a million rows per request:
- devices.held_count: how many of its sequence numbers the server held after the device's
  last sync (the sync sets it in the same transaction); filled here from the records;
- an index on received_at of visits and sighting_updates (sightings has one), for the totals
  of records received today.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6301c55bd777'
down_revision = 'd05338bd2929'
branch_labels = None
depends_on = None

# The tables whose rows carry (device_id, seq) at this revision.
SEQUENCED_TABLES = ("visits", "sightings", "sighting_updates")


def upgrade():
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('held_count', sa.Integer(), nullable=False,
                                      server_default='0'))
    counts = " + ".join(f"(SELECT COUNT(*) FROM {table} WHERE {table}.device_id = devices.id)"
                        for table in SEQUENCED_TABLES)
    op.execute(f"UPDATE devices SET held_count = {counts}")

    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visits_received_at'), ['received_at'],
                              unique=False)
    with op.batch_alter_table('sighting_updates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sighting_updates_received_at'), ['received_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('sighting_updates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sighting_updates_received_at'))
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visits_received_at'))
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_column('held_count')
