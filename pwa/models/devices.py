"""The devices that send records, and what each last reported about its outbox."""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime
from ..extensions import db


class Device(db.Model):
    """A browser installation with its own id, label and sequence of records."""

    __tablename__ = "devices"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    app_version: Mapped[str] = mapped_column(String(40), default="")
    last_contact: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sync: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outbox_depth: Mapped[int] = mapped_column(default=0)
    oldest_pending: Mapped[datetime | None] = mapped_column(UTCDateTime)
    highest_seq: Mapped[int] = mapped_column(default=0)
    clock_skew_seconds: Mapped[float] = mapped_column(default=0.0)
    rejected_count: Mapped[int] = mapped_column(default=0)
    conflict_count: Mapped[int] = mapped_column(default=0)
    # How many of its numbers the server held after its last sync: lets the status page find
    # gap-free devices without counting their records (a summary, re-derived at every sync).
    held_count: Mapped[int] = mapped_column(default=0, server_default="0")

    # SHA-256 of the secret the device sends with every batch (adopted at first contact): a
    # batch naming this id with another secret is refused, so no one writes into its numbering.
    secret_hash: Mapped[str | None] = mapped_column(String(64))

    user = relationship("User")
