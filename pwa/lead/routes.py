"""Leader views: the sync status page and its JSON (the page refreshes itself from it)."""
from flask import jsonify, render_template, request

from ..security import requires
from . import bp, report


@bp.get("/status")
@requires("status.read")
def status():
    """Per device: is anything missing? Rendered whole, so it reads without JavaScript."""
    return render_template("lead/status.html", report=report.build(show_all=_show_all()))


@bp.get("/api/v1/status")
@requires("status.read")
def status_json():
    """The same report as JSON, for the page's refresh every few seconds."""
    return jsonify(report.build(show_all=_show_all()))


def _show_all() -> bool:
    """?all=1 lists every device; otherwise the healthy ones are capped (see report)."""
    return request.args.get("all") == "1"
