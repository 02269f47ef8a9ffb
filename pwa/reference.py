"""Reference lists (units, shifts, sites) loaded once per request, for every area's forms."""
import functools

from flask import g, has_request_context

from .extensions import db
from .models import Shift, Site, Unit
from .text import vn_sort_key


def per_request(load):
    """Load a reference list once per request: a sync batch builds one form per record, and
    the lists (units, shifts, sites) do not change within a request."""
    @functools.wraps(load)
    def cached():
        if not has_request_context():
            return load()
        lists = g.setdefault("reference_lists", {})
        if load.__name__ not in lists:
            lists[load.__name__] = load()
        return lists[load.__name__]
    return cached


@per_request
def units_in_order() -> list[Unit]:
    """The sub-units in Vietnamese alphabetical order of their names."""
    return sorted(db.session.scalars(db.select(Unit)), key=lambda u: vn_sort_key(u.name))


@per_request
def shifts_in_order() -> list[Shift]:
    """The plan's shifts, earliest first."""
    return db.session.scalars(db.select(Shift).order_by(Shift.starts)).all()


@per_request
def sites_in_order() -> list[Site]:
    """The watched sites by code."""
    return db.session.scalars(db.select(Site).order_by(Site.code)).all()
