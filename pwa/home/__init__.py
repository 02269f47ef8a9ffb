"""The home page: what each role needs first, and today's figures."""
from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import func, select

from ..clock import local_now
from ..extensions import db
from ..models import Plan, Visit
from ..security import requires

bp = Blueprint("home", __name__)


def today_figures(today) -> dict:
    """Visits, people and groups received today: aggregates only, no personal data."""
    visits, people, groups = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Visit.people_count), 0),
               func.count().filter(Visit.people_count >= 5))
        .where(Visit.received_on == today)).one()
    return {"visits": visits, "people": people, "groups": groups}


@bp.get("/")
@requires("overview.read")
def index():
    """Start page: shortcuts by role and today's totals."""
    today = local_now().date()
    plan = db.session.scalar(select(Plan))
    return render_template("home.html", plan=plan, today=today, figures=today_figures(today),
                           user=current_user)
