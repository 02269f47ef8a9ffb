"""seal earlier amendments: identity values out of the visible history of sealed visits

Before sealing looked ahead, an amendment that turned a visit into a denunciation left the
citizen's earlier and current identity in the amendment history (visible to every recorder).
This data migration moves those values into denouncer_identities.history, as
pwa/desk/records.py seal_amendments() does for new amendments. No schema change.

Revision ID: 7a1c0e5d9b42
Revises: 455369fabb22
Create Date: 2026-12-01 09:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '7a1c0e5d9b42'
down_revision = '455369fabb22'
branch_labels = None
depends_on = None

# Copied, not imported: a migration must not change when the application's code does.
SEALED_FIELDS = ("citizen_name", "id_number", "address", "phone", "representatives",
                 "consent_to_disclose")

visits = sa.table("visits", sa.column("id", sa.String), sa.column("sealed", sa.Boolean))
amendments = sa.table("visit_amendments", sa.column("id", sa.String),
                      sa.column("visit_id", sa.String), sa.column("author_id", sa.Integer),
                      sa.column("created_at", sa.DateTime), sa.column("changes", sa.JSON))
identities = sa.table("denouncer_identities", sa.column("visit_id", sa.String),
                      sa.column("history", sa.JSON))


def upgrade():
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(amendments.c.id, amendments.c.visit_id, amendments.c.author_id,
                  amendments.c.changes)
        .join(visits, visits.c.id == amendments.c.visit_id)
        .where(visits.c.sealed.is_(True))
        .order_by(amendments.c.visit_id, amendments.c.created_at)).all()
    moved: dict[str, list] = {}
    for amendment_id, visit_id, author_id, changes in rows:
        changes = dict(changes or {})
        found = []
        for field in SEALED_FIELDS:
            value = changes.get(field)
            if value is not None and list(value) != [None, None]:
                found.append({"field": field, "from": value[0], "to": value[1],
                              "author_id": author_id, "amendment_id": amendment_id})
                changes[field] = [None, None]
        if found:
            conn.execute(amendments.update().where(amendments.c.id == amendment_id)
                         .values(changes=changes))
            moved.setdefault(visit_id, []).extend(found)
    for visit_id, entries in moved.items():
        # A sealed visit always has its identity row (sealing creates it).
        history = conn.execute(sa.select(identities.c.history)
                               .where(identities.c.visit_id == visit_id)).scalar()
        conn.execute(identities.update().where(identities.c.visit_id == visit_id)
                     .values(history=[*(history or []), *entries]))


def downgrade():
    # The values moved are kept in denouncer_identities.history; nothing is put back on view.
    pass
