"""The board page and its live part (swapped in by live.js without a reload).

What a role may see of a crowd is decided here, not in the template: the template draws the
cards it is given. A viewer (board.read without board.people) gets counts, places, times and
actions; no reporter's or watch-listed citizen's name, and no link to a sighting (its photos
show people)."""
from flask import render_template, url_for
from flask_login import current_user

from .. import classifications as C
from ..clock import local_now
from ..security import requires
from . import bp
from .situation import since, situation, trend, who_is_there




def card(sighting, *, now, communes: dict, people: bool) -> dict:
    """One crowd as the board shows it; names and the link only when `people`."""
    return {
        "id": sighting.id, "place": sighting.place_name, "flagged": sighting.flagged,
        "latest_count": sighting.latest_count, "previous_count": sighting.previous_count,
        "trend": trend(sighting), "seen_at": sighting.seen_at, "since": since(sighting.seen_at, now),
        "communes": [communes.get(c, c) for c in sighting.communes or []],
        "last_action": C.ACTIONS[sighting.last_action] if sighting.last_action else "",
        "last_update_at": sighting.last_update_at,
        "watch_name": sighting.watch_entry.name if people and sighting.watch_entry else None,
        "who": who_is_there(sighting) if people else None,
        "url": url_for("field.sighting", sighting_id=sighting.id) if people else None,
    }


def _context():
    facts = situation(local_now().date())
    people = current_user.can("board.people")
    cards = {key: [card(s, now=facts["now"], communes=facts["communes"], people=people)
                   for s in facts[key]] for key in ("open", "closed")}
    return {**facts, **cards, "people": people}


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
