"""A visit (lượt tiếp) is an immutable fact made on a device; corrections are amendments.

The row's columns hold the visit's current state (the original fact with its amendments applied,
kept so the register can be searched); `content_hash` fixes the original fact for the sync
protocol. For a denunciation (tố cáo) the citizen's identity lives in DenouncerIdentity alone.
"""
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..classifications import GROUP_THRESHOLD, PETITION_KINDS
from ..database import UTCDateTime, utcnow
from ..extensions import db
from .facts import DeviceFact

# The fields that identify a citizen: sealed apart for a denunciation.
IDENTITY_FIELDS = ("citizen_name", "id_number", "address", "phone", "representatives")


class Visit(DeviceFact, db.Model):
    """One reception of one citizen or one group, as the register records it."""

    __tablename__ = "visits"
    __table_args__ = (
        UniqueConstraint("device_id", "seq", name="uq_visits_device_seq"),
        Index("ix_visits_received_on_shift", "received_on", "shift"),
    )
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    received_on: Mapped[date] = mapped_column(index=True)
    shift: Mapped[str] = mapped_column(String(20))
    reception_type: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20))
    citizen_name: Mapped[str] = mapped_column(String(120), default="")
    id_number: Mapped[str] = mapped_column(String(20), default="", index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    representatives: Mapped[list] = mapped_column(JSON, default=list)
    commune_code: Mapped[str | None] = mapped_column(ForeignKey("units.code"), index=True)
    people_count: Mapped[int] = mapped_column(default=1)
    kind_khieu_nai: Mapped[bool] = mapped_column(default=False)
    kind_to_cao: Mapped[bool] = mapped_column(default=False)
    kind_kien_nghi: Mapped[bool] = mapped_column(default=False)
    kind_phan_anh: Mapped[bool] = mapped_column(default=False)
    subject_area: Mapped[str] = mapped_column(String(30))
    content: Mapped[str] = mapped_column(Text)
    request: Mapped[str] = mapped_column(Text, default="")
    prior_handler: Mapped[str] = mapped_column(Text, default="")
    is_repeat: Mapped[bool] = mapped_column(default=False)
    direction: Mapped[str] = mapped_column(String(20))
    forwarded_to: Mapped[str] = mapped_column(Text, default="")
    guidance: Mapped[str] = mapped_column(Text, default="")
    refusal_reason: Mapped[str] = mapped_column(String(20), default="")
    refusal_note: Mapped[str] = mapped_column(Text, default="")
    documents: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    # Diacritic-free, lower-case name, address and content: what register search matches.
    search_text: Mapped[str] = mapped_column(Text, default="")
    sealed: Mapped[bool] = mapped_column(default=False)

    officer = relationship("User", foreign_keys=[officer_id])
    handler = relationship("User", foreign_keys=[handler_id])
    commune = relationship("Unit")
    identity: Mapped["DenouncerIdentity | None"] = relationship(
        back_populates="visit", cascade="all, delete-orphan")
    amendments: Mapped[list["VisitAmendment"]] = relationship(
        back_populates="visit", order_by="VisitAmendment.created_at")

    @property
    def kinds(self) -> list[str]:
        """The petition kinds this visit carries, in the law's order."""
        return [k for k in PETITION_KINDS if getattr(self, f"kind_{k}")]

    @property
    def is_group(self) -> bool:
        """A group (đoàn đông người): the law's threshold, the only place it is compared."""
        return is_group(self.people_count)


def is_group(people: int) -> bool:
    """Whether so many people make a group (đoàn đông người)."""
    return people >= GROUP_THRESHOLD


class DenouncerIdentity(db.Model):
    """A denouncer's identity, kept apart from the visit (Law on Denunciation, art. 8 and 47)."""

    __tablename__ = "denouncer_identities"
    visit_id: Mapped[str] = mapped_column(ForeignKey("visits.id"), primary_key=True)
    citizen_name: Mapped[str] = mapped_column(String(120), default="")
    id_number: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    representatives: Mapped[list] = mapped_column(JSON, default=list)
    consent_to_disclose: Mapped[bool] = mapped_column(default=False)
    # Earlier values replaced by amendments, kept here so the sealed data never leaks into
    # the visible amendment history.
    history: Mapped[list] = mapped_column(JSON, default=list)
    visit: Mapped[Visit] = relationship(back_populates="identity")


class VisitAmendment(db.Model):
    """A correction to a visit: which fields changed, why, and by whom."""

    __tablename__ = "visit_amendments"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visits.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
    # {field: [old, new]}; sealed identity fields appear with both values as None.
    changes: Mapped[dict] = mapped_column(JSON)

    visit: Mapped[Visit] = relationship(back_populates="amendments")
    author = relationship("User")
