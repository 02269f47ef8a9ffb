"""Database engine settings that make the embedded SQLite default durable."""
from datetime import datetime, timezone

from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Make every SQLite connection durable and strict (no-op for PostgreSQL)."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    # WAL lets the register be read while a batch is written.
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a commit is on disk before we answer the device ("nothing lost").
    cursor.execute("PRAGMA synchronous=FULL")
    # SQLite ignores foreign keys unless asked, per connection.
    cursor.execute("PRAGMA foreign_keys=ON")
    # Two workers may write at once; wait for the lock instead of failing at once.
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def utcnow() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Stores instants as naive UTC (same on SQLite and PostgreSQL), returns them aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an instant is expected")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)
