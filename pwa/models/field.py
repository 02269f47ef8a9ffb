"""Field reports: the watch list, crowd sightings, their follow-up, and photos.

A sighting and each follow-up are immutable facts made on a phone; the sighting's current
state (latest head count, last action, closed) is derived from its updates and kept on the
sighting row so the board can be read fast.
"""
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from .facts import DeviceFact


class WatchEntry(db.Model):
    """A crowd delegation or a citizen with a complex, prolonged case (danh sách theo dõi)."""

    __tablename__ = "watch_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))            # group | citizen
    name: Mapped[str] = mapped_column(String(200))
    commune_code: Mapped[str | None] = mapped_column(ForeignKey("units.code"))
    usual_size: Mapped[int | None]
    representatives: Mapped[str] = mapped_column(Text, default="")
    demands: Mapped[str] = mapped_column(Text, default="")
    case_ref: Mapped[str] = mapped_column(Text, default="")
    risk: Mapped[str] = mapped_column(String(10), default="medium")
    assigned_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    next_dialogue: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default="monitoring")
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    commune = relationship("Unit")
    assigned = relationship("User")
    changes: Mapped[list["WatchEntryChange"]] = relationship(
        back_populates="entry", order_by="WatchEntryChange.at")

    __mapper_args__ = {"version_id_col": version}


class WatchEntryChange(db.Model):
    """One edit of a watch-list entry: who, when, which fields from what to what."""

    __tablename__ = "watch_entry_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("watch_entries.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changes: Mapped[dict] = mapped_column(JSON)
    entry: Mapped[WatchEntry] = relationship(back_populates="changes")
    author = relationship("User")


class Sighting(DeviceFact, db.Model):
    """A crowd of the unit's citizens seen somewhere, as a member reported it."""

    __tablename__ = "sightings"
    __table_args__ = (
        UniqueConstraint("device_id", "seq", name="uq_sightings_device_seq"),
        # The board: open ones, flagged first, newest first, read straight off the index.
        Index("ix_sightings_open_flagged", "closed", "flagged", "seen_at"),
        # Sightings per site over a period, counted from the index alone.
        Index("ix_sightings_seen_at_site", "seen_at", "site_code"),
        # Closed in the last 24 hours.
        Index("ix_sightings_closed_at", "closed", "last_update_at"),
    )
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    author_column = "reporter_id"

    site_code: Mapped[str] = mapped_column(ForeignKey("sites.code"))
    place_text: Mapped[str] = mapped_column(String(300), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    accuracy: Mapped[float | None]
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    people_count: Mapped[int]
    communes: Mapped[list] = mapped_column(JSON, default=list)
    watch_entry_id: Mapped[int | None] = mapped_column(ForeignKey("watch_entries.id"))
    demands: Mapped[str] = mapped_column(Text, default="")
    banners: Mapped[str] = mapped_column(Text, default="")
    leaders: Mapped[str] = mapped_column(Text, default="")
    police: Mapped[str] = mapped_column(String(20), default="unknown")
    notes: Mapped[str] = mapped_column(Text, default="")
    photo_ids: Mapped[list] = mapped_column(JSON, default=list)

    # Derived from the updates (kept here for the board); flagged = needs the leader now.
    flagged: Mapped[bool] = mapped_column(default=False)
    flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    latest_count: Mapped[int]
    previous_count: Mapped[int | None]
    last_action: Mapped[str] = mapped_column(String(30), default="")
    last_update_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed: Mapped[bool] = mapped_column(default=False)

    site = relationship("Site")
    reporter = relationship("User")
    watch_entry = relationship("WatchEntry")

    @property
    def place_name(self) -> str:
        """The site's name, or the place typed in words for a site of level "other" (its
        code is the unit's own choice: nothing here knows it)."""
        return self.place_text if self.site.level == "other" else self.site.name
    updates: Mapped[list["SightingUpdate"]] = relationship(
        back_populates="sighting", order_by="SightingUpdate.at")


class SightingUpdate(DeviceFact, db.Model):
    """A later fact about a sighting: a new head count, an action taken, closing it."""

    __tablename__ = "sighting_updates"
    __table_args__ = (UniqueConstraint("device_id", "seq", name="uq_sighting_updates_device_seq"),)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    author_column = "reporter_id"

    sighting_id: Mapped[str] = mapped_column(ForeignKey("sightings.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    people_count: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(30), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    photo_ids: Mapped[list] = mapped_column(JSON, default=list)
    closed: Mapped[bool] = mapped_column(default=False)

    sighting: Mapped[Sighting] = relationship(back_populates="updates")
    reporter = relationship("User")


class Photo(db.Model):
    """A photo taken in the field, reduced on the phone; identified by its id and hash."""

    __tablename__ = "photos"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(30))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
