"""Leader views: the sync status page, its changing part as a fragment (live.js swaps it in
every few seconds) and the same report as JSON for machines."""
from flask import jsonify, render_template, request

from ..security import requires
from . import bp, report


@bp.get("/status")
@requires("status.read")
def status():
    """Per device: is anything missing? Rendered whole, so it reads without JavaScript."""
    return render_template("lead/status.html", report=report.build(show_all=_show_all()))


@bp.get("/status/live")
@requires("status.read")
def status_live():
    """The page's changing part (lead/_live.html), for live.js. A background request: it does
    not count as the person's activity (security.BACKGROUND_ENDPOINTS, X-Background)."""
    return render_template("lead/_live.html", report=report.build(show_all=_show_all()))


@bp.get("/api/v1/status")
@requires("status.read")
def status_json():
    """The same report as JSON, for monitoring and other machines."""
    return jsonify(report.build(show_all=_show_all()))


def _show_all() -> bool:
    """?all=1 lists every device; otherwise the healthy ones are capped (see report)."""
    return request.args.get("all") == "1"
