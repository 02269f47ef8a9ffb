"""Reference data: the plan, its shifts, the sub-units (communes) and the watched sites.

All of it is data, never code: since 2025 the same duty falls on communes, wards and provinces.
"""
from datetime import date, time

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class Plan(db.Model):
    """The duty plan this installation serves (one row): who, when, where."""

    __tablename__ = "plan"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_name: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[date]
    period_end: Mapped[date]
    reception_place: Mapped[str] = mapped_column(Text, default="")
    leader_title: Mapped[str] = mapped_column(String(200), default="")
    reports_to: Mapped[str] = mapped_column(String(200), default="")


class Shift(db.Model):
    """A duty shift (buổi trực), e.g. morning 07:30–12:00."""

    __tablename__ = "shifts"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    starts: Mapped[time]
    ends: Mapped[time]


class Unit(db.Model):
    """A sub-unit of the plan's unit (commune, ward, town) with its official code."""

    __tablename__ = "units"
    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    name_with_type: Mapped[str] = mapped_column(String(120))


class Site(db.Model):
    """A place where crowds are watched for (reception offices, provincial and central bodies)."""

    __tablename__ = "sites"
    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
