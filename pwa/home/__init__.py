"""The home page: what each role needs first, and today's figures."""
from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select

from ..clock import local_now
from ..extensions import db
from ..models import Plan
from ..models.summary import day_totals
from ..security import requires

bp = Blueprint("home", __name__)


def today_figures(today) -> dict:
    """Visits, people and groups received today: the register's day totals (VisitDay), the
    same source as the board's, aggregates only, no personal data."""
    day = day_totals(today)
    return {"visits": day.visits, "people": day.people, "groups": day.groups}


@bp.get("/")
@requires("overview.read")
def index():
    """Start page: shortcuts by role and today's totals."""
    today = local_now().date()
    plan = db.session.scalar(select(Plan))
    return render_template("home.html", plan=plan, today=today, figures=today_figures(today),
                           user=current_user)
