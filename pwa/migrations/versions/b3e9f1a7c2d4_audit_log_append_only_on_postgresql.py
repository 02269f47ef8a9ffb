"""audit log append-only on PostgreSQL: a trigger refuses UPDATE and DELETE

The ORM already refuses to change an audit entry; this makes the database itself refuse,
whatever client connects with the application's role. TRUNCATE is not refused here (the test
suite empties tables with it); a production role should not be granted TRUNCATE (README,
deployment). SQLite: no change (the file is the application's own).

Revision ID: b3e9f1a7c2d4
Revises: 892eee6b7477
Create Date: 2026-12-02 01:10:00
"""
from alembic import op

revision = 'b3e9f1a7c2d4'
down_revision = '892eee6b7477'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP;
        END;
        $$ LANGUAGE plpgsql
    """)
    op.execute("""
        CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
    """)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
    op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
