"""Per-day totals of the register, kept in step with every stored visit and correction, so the
board and reports never scan a million rows for a chart."""
from datetime import date

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .visits import is_group


class VisitDay(db.Model):
    """What the register holds for one day (the unit's local date)."""

    __tablename__ = "visit_days"
    day: Mapped[date] = mapped_column(primary_key=True)
    visits: Mapped[int] = mapped_column(default=0)
    people: Mapped[int] = mapped_column(default=0)
    groups: Mapped[int] = mapped_column(default=0)
    group_people: Mapped[int] = mapped_column(default=0)
    khieu_nai: Mapped[int] = mapped_column(default=0)
    to_cao: Mapped[int] = mapped_column(default=0)
    kien_nghi_phan_anh: Mapped[int] = mapped_column(default=0)
    repeat_visits: Mapped[int] = mapped_column(default=0)


def day_totals(day: date) -> VisitDay:
    """The register's totals for a day, all zero when nothing was received that day."""
    return db.session.get(VisitDay, day) or VisitDay(
        day=day, **{column.name: 0 for column in VisitDay.__table__.columns
                    if column.name != "day"})


def visit_counts(visit) -> dict:
    """The contribution of one visit to its day's totals."""
    group = is_group(visit.people_count)   # also called with plain rows (the benchmark)
    return {"visits": 1, "people": visit.people_count, "groups": int(group),
            "group_people": visit.people_count if group else 0,
            "khieu_nai": int(visit.kind_khieu_nai), "to_cao": int(visit.kind_to_cao),
            "kien_nghi_phan_anh": int(visit.kind_kien_nghi or visit.kind_phan_anh),
            "repeat_visits": int(visit.is_repeat)}


def add_to_day(day: date, counts: dict, sign: int = 1) -> None:
    """Add (or with sign=-1 take away) counts, as one atomic UPDATE: two workers adding to
    the same day at once both count."""
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(VisitDay)
    db.session.execute(insert.values(day=day).on_conflict_do_nothing(index_elements=["day"]))
    db.session.execute(update(VisitDay).where(VisitDay.day == day).values(
        {getattr(VisitDay, k): getattr(VisitDay, k) + sign * v for k, v in counts.items()}))
