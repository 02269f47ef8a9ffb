"""Leader views (filled in by the sync-status work)."""
from flask import render_template

from ..security import requires
from . import bp


@bp.get("/status")
@requires("status.read")
def status():
    """Per device: is anything missing?"""
    return render_template("lead/status.html")
