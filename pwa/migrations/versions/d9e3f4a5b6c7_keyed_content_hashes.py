"""content hashes keyed with a key derived from SECRET_KEY (a stored hash can no longer be
used to test a guess of a sealed identity offline)

Revision ID: d9e3f4a5b6c7
Revises: c8d2e3f4a5b6
Create Date: 2026-11-26 09:40:00

"""
import hashlib
import hmac

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = 'd9e3f4a5b6c7'
down_revision = 'c8d2e3f4a5b6'
branch_labels = None
depends_on = None

TABLES = ("visits", "sightings", "sighting_updates")
CHUNK = 10_000


def _keyed(plain: str, secret_key: str) -> str:
    # The same rule as pwa.facts.keyed_hash at this revision (copied: migrations stay fixed).
    key = hmac.new(secret_key.encode(), b"tcd:content-hash", hashlib.sha256).digest()
    return hmac.new(key, plain.encode(), hashlib.sha256).hexdigest()


def upgrade():
    secret_key = current_app.config["SECRET_KEY"]
    connection = op.get_bind()
    for name in TABLES:
        table = sa.table(name, sa.column("id", sa.String), sa.column("content_hash", sa.String))
        rows = connection.execute(sa.select(table.c.id, table.c.content_hash)).all()
        for start in range(0, len(rows), CHUNK):
            connection.execute(
                table.update().where(table.c.id == sa.bindparam("row_id"))
                .values(content_hash=sa.bindparam("digest")),
                [{"row_id": row_id, "digest": _keyed(digest, secret_key)}
                 for row_id, digest in rows[start:start + CHUNK]])


def downgrade():
    # A keyed hash cannot be turned back; the rows keep it (re-sends answer "conflict").
    pass
