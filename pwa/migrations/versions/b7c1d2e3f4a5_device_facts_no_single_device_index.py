"""device facts: drop the single-column device_id indexes (the (device_id, seq) unique
constraint serves every lookup by device)

Revision ID: b7c1d2e3f4a5
Revises: b3e9f1a7c2d4
Create Date: 2026-11-26 09:00:00

"""
from alembic import op

revision = 'b7c1d2e3f4a5'
down_revision = 'b3e9f1a7c2d4'
branch_labels = None
depends_on = None

TABLES = ("visits", "sightings", "sighting_updates")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_device_id")


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(f"ix_{table}_device_id", ["device_id"], unique=False)
