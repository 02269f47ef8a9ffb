"""Field views: the sighting and follow-up forms (offline shells), my reports, a sighting's
page, photos, the watch list, and the leader's alerts."""

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from .. import classifications as C
from .. import sealing
from ..database import utcnow
from ..extensions import db
from ..facts import parse_instant, parse_uuid
from ..models import Photo, Sighting, Site, WatchEntry, WatchEntryChange
from ..models.audit import audit
from ..reference import units_in_order
from ..security import requires
from ..sync import problems
from . import (
    bp,
    record_types,  # noqa: F401 (registers sightings and follow-ups)
    records,
)
from .forms import SightingForm, SightingUpdateForm, WatchEntryForm


@bp.get("/field")
@requires("sighting.create")
def my_reports():
    """This phone's sightings and follow-ups with their sync state (from IndexedDB)."""
    return render_template("field/my_reports.html")


@bp.get("/field/sightings/new")
@requires("sighting.create")
def new_sighting():
    """The sighting form: an offline shell; saving goes to the outbox."""
    form = SightingForm(meta={"csrf": False})
    form.watch_entry.choices = [("", _("— none —"))]   # filled from IndexedDB on the phone
    sites = {s.code: s.level for s in db.session.scalars(select(Site))}
    return render_template("field/sighting_form.html", form=form, site_levels=sites)


@bp.get("/field/updates/new")
@requires("sighting.create")
def new_update():
    """The follow-up form for one sighting (its id in the query string)."""
    return render_template("field/update_form.html", form=SightingUpdateForm(meta={"csrf": False}))


@bp.get("/field/sightings/<sighting_id>")
@requires("sighting.read")
def sighting(sighting_id):
    """A sighting as the server holds it, with its follow-ups and photos."""
    row = db.session.get(Sighting, sighting_id) or abort(404)
    # The record keeps commune codes; the page names them (a code nobody can read is no help).
    units = {u.code: u.name_with_type for u in units_in_order()}
    communes = [units.get(code, code) for code in row.communes or []]
    return render_template("field/sighting.html", s=row, C=C, communes=communes)


@bp.get("/photos/<photo_id>")
@requires("sighting.read")
def photo(photo_id):
    """A field photo (never cached: it may show people)."""
    row = db.session.get(Photo, photo_id) or abort(404)
    return current_app.response_class(row.data, mimetype=row.content_type)


@bp.put("/api/v1/photos/<photo_id>")
@requires("sighting.create")
def upload_photo(photo_id):
    """Store a photo's bytes once; a repeated or resumed upload answers duplicate."""
    if parse_uuid(photo_id) != photo_id:
        return jsonify(error="bad_request", message=_("The photo id must be a UUID."),
                       errors={"id": ["must be a UUID"]}), 400
    body = request.get_data(cache=False)
    if "X-Sealed-Kid" in request.headers:
        # Sealed on the device (the tablet keeps only ciphertext): open it for this photo id
        # and uploader, then check type, size and hash on the plaintext as for any photo.
        body, code = sealing.open_photo(
            request.headers["X-Sealed-Kid"], request.headers.get("X-Sealed-Key", ""),
            request.headers.get("X-Sealed-IV", ""), body, photo_id=photo_id,
            author=current_user.username, max_bytes=current_app.config["PHOTO_MAX_BYTES"])
        if code:
            message = problems.text(problems.stored(code))
            return jsonify(error=code, message=message, errors={"photo": [message]}), 400
    try:
        status = records.store_photo(
            photo_id, body, request.mimetype,
            request.headers.get("X-Content-SHA256", ""), current_user._get_current_object(),
            current_app.config["PHOTO_MAX_BYTES"])
    except records.PhotoError as exc:
        return jsonify(error=exc.field, message=exc.message,
                       errors={exc.field: [exc.message]}), exc.status
    if status == "accepted":
        audit("photo_uploaded", "photo", photo_id, size=len(body))
    db.session.commit()
    return jsonify(status=status, id=photo_id), 201 if status == "accepted" else 200


def watch_json(entry: WatchEntry) -> dict:
    return {"id": entry.id, "kind": entry.kind, "name": entry.name,
            "commune": entry.commune.name_with_type if entry.commune else "",
            "usual_size": entry.usual_size, "representatives": entry.representatives,
            "demands": entry.demands, "case_ref": entry.case_ref, "risk": entry.risk,
            "assigned": entry.assigned.display_name if entry.assigned else "",
            "next_dialogue": entry.next_dialogue.strftime("%d/%m/%Y") if entry.next_dialogue
            else "", "status": entry.status}


@bp.get("/api/v1/watchlist")
@requires("watch.read")
def watchlist_api():
    """The watch list as JSON, for phones to keep offline."""
    entries = db.session.scalars(select(WatchEntry).order_by(WatchEntry.name)).all()
    return jsonify(entries=[watch_json(e) for e in entries],
                   labels={"risk": {k: str(v) for k, v in C.RISKS.items()},
                           "status": {k: str(v) for k, v in C.WATCH_STATUSES.items()},
                           "kind": {k: str(v) for k, v in C.WATCH_KINDS.items()}})


@bp.get("/api/v1/alerts")
@requires("alerts.read")
def alerts():
    """Sightings flagged since a moment: what a leader's open page must show at once."""
    since = parse_instant(request.args.get("since", "")) or (utcnow().replace(hour=0, minute=0))
    rows = db.session.scalars(select(Sighting).where(Sighting.flagged_at > since)
                              .order_by(Sighting.flagged_at)).all()
    return jsonify(server_time=utcnow().isoformat(), alerts=[{
        "id": s.id, "site": s.place_name,
        "people": s.latest_count, "level": s.site.level,
        "flagged_at": s.flagged_at.isoformat(), "url": url_for("field.sighting", sighting_id=s.id),
    } for s in rows])


@bp.get("/watch")
@requires("watch.read")
def watchlist():
    """The watch list (rendered from IndexedDB, so it reads offline after one visit)."""
    return render_template("field/watchlist.html")


def _save_watch_entry(entry: WatchEntry | None):
    form = WatchEntryForm(obj=None)
    if request.method == "GET" and entry is not None:
        form = WatchEntryForm(data={
            "kind": entry.kind, "name": entry.name, "commune": entry.commune_code or "",
            "usual_size": entry.usual_size, "representatives": entry.representatives,
            "demands": entry.demands, "case_ref": entry.case_ref, "risk": entry.risk,
            "assigned": entry.assigned_id or 0, "next_dialogue": entry.next_dialogue,
            "status": entry.status})
    if form.validate_on_submit():
        values = {"kind": form.kind.data, "name": form.name.data.strip(),
                  "commune_code": form.commune.data or None, "usual_size": form.usual_size.data,
                  "representatives": form.representatives.data.strip(),
                  "demands": form.demands.data.strip(), "case_ref": form.case_ref.data.strip(),
                  "risk": form.risk.data, "assigned_id": form.assigned.data or None,
                  "next_dialogue": form.next_dialogue.data, "status": form.status.data}
        if entry is None:
            entry = WatchEntry(**values)
            db.session.add(entry)
            changes = {"created": [None, values["name"]]}
        else:
            if request.form.get("version", type=int) != entry.version:
                flash(_("Someone else changed this entry meanwhile. Here is the current "
                        "version; make your change again."), "error")
                return redirect(url_for("field.edit_watch_entry", entry_id=entry.id))
            changes = {k: [str(getattr(entry, k)) if getattr(entry, k) is not None else "",
                           str(v) if v is not None else ""]
                       for k, v in values.items() if getattr(entry, k) != v}
            for key, value in values.items():
                setattr(entry, key, value)
            entry.updated_at = utcnow()
        db.session.flush()
        db.session.add(WatchEntryChange(entry_id=entry.id, author_id=current_user.id,
                                        changes=changes))
        audit("watch_entry_saved", "watch_entry", entry.id, fields=sorted(changes))
        try:
            db.session.commit()
        except StaleDataError:
            db.session.rollback()
            flash(_("Someone else changed this entry meanwhile. Here is the current version; "
                    "make your change again."), "error")
            return redirect(url_for("field.edit_watch_entry", entry_id=entry.id))
        flash(_("Watch-list entry saved."), "success")
        return redirect(url_for("field.watch_entry", entry_id=entry.id))
    status = 400 if form.errors else 200
    return render_template("field/watch_form.html", form=form, entry=entry), status


@bp.route("/watch/new", methods=["GET", "POST"])
@requires("watch.edit")
def new_watch_entry():
    """Add a group or citizen to the watch list."""
    return _save_watch_entry(None)


@bp.route("/watch/<int:entry_id>/edit", methods=["GET", "POST"])
@requires("watch.edit")
def edit_watch_entry(entry_id):
    """Change an entry; a concurrent change is caught by its version number."""
    return _save_watch_entry(db.session.get(WatchEntry, entry_id) or abort(404))


@bp.get("/watch/<int:entry_id>")
@requires("watch.read")
def watch_entry(entry_id):
    """One entry with its history of changes and the sightings that matched it."""
    entry = db.session.get(WatchEntry, entry_id) or abort(404)
    sightings = db.session.scalars(select(Sighting).where(Sighting.watch_entry_id == entry.id)
                                   .order_by(Sighting.seen_at.desc())).all()
    return render_template("field/watch_entry.html", entry=entry, sightings=sightings, C=C)
