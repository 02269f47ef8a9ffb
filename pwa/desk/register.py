"""Queries over the register: filters, diacritic-insensitive search, lookup by ID number."""
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, select

from ..models import Visit
from ..text import fold
from .forms import normalise_id_number


def parse_date(value: str | None) -> date | None:
    """A dd/mm/yyyy (or ISO) date from a query string; None if absent or malformed."""
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime((value or "").strip(), fmt).date()
        except ValueError:
            continue
    return None


@dataclass
class RegisterFilter:
    """What the register list is narrowed to."""
    date_from: date | None = None
    date_to: date | None = None
    shift: str = ""
    kind: str = ""
    commune: str = ""
    q: str = ""
    id_number: str = ""

    @classmethod
    def from_args(cls, args) -> "RegisterFilter":
        return cls(date_from=parse_date(args.get("from")), date_to=parse_date(args.get("to")),
                   shift=args.get("shift", ""), kind=args.get("kind", ""),
                   commune=args.get("commune", ""), q=args.get("q", "").strip(),
                   id_number=normalise_id_number(args.get("id_number")))

    def query(self) -> Select:
        """Visits matching this filter, newest first."""
        query = select(Visit)
        if self.date_from:
            query = query.where(Visit.received_on >= self.date_from)
        if self.date_to:
            query = query.where(Visit.received_on <= self.date_to)
        if self.shift:
            query = query.where(Visit.shift == self.shift)
        if self.kind in ("khieu_nai", "to_cao", "kien_nghi", "phan_anh"):
            query = query.where(getattr(Visit, f"kind_{self.kind}").is_(True))
        if self.commune:
            query = query.where(Visit.commune_code == self.commune)
        if self.q:
            for word in fold(self.q).split():
                query = query.where(Visit.search_text.contains(word, autoescape=True))
        if self.id_number:
            # Sealed visits keep no ID number on the row: a lookup cannot reveal a denouncer.
            query = query.where(Visit.id_number == self.id_number)
        return query.order_by(Visit.received_on.desc(), Visit.received_at.desc())
