"""The board page and its live part (refreshed by board.js without a reload)."""
from flask import render_template

from .. import classifications as C
from ..clock import local_now
from ..security import requires
from . import bp
from .situation import since, situation, trend, who_is_there


def _context():
    return {**situation(local_now().date()), "C": C, "trend": trend,
            "who_is_there": who_is_there, "since": since}


@bp.get("/board")
@requires("board.read")
def board():
    """Where the crowds are now, and today's reception."""
    return render_template("board/board.html", **_context())


@bp.get("/board/live")
@requires("board.read")
def live():
    """The board's changing part, as an HTML fragment."""
    return render_template("board/_live.html", **_context())
