"""Desk views: thin translations between HTTP and the rules in records.py and register.py."""
import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import classifications as C
from ..clock import local_now, shift_at
from ..database import utcnow
from ..extensions import db
from ..facts import parse_uuid
from ..hygiene import page_number
from ..models import Visit
from ..models.audit import audit
from ..reference import shifts_in_order, units_in_order
from ..roles import members_who_can
from ..security import requires
from ..sync import problems
from ..sync.service import accept, begin_write, web_form_device
from . import bp, records
from .forms import AmendmentForm, HandlerForm, VisitForm, field_labels
from .record_types import VISIT
from .register import RegisterFilter

PAGE_SIZE = 50


def _form_defaults(form: VisitForm) -> None:
    """Date and shift from the clock, so the desk types only what it must."""
    now = local_now()
    form.received_on.data = now.date()
    form.shift.data = shift_at(now.time(), shifts_in_order())


@bp.route("/visits/new", methods=["GET", "POST"])
@requires("visit.create")
def new_visit():
    """Record a visit; the hidden record id makes a double submission harmless."""
    form = VisitForm()
    record_id = parse_uuid(request.form.get("record_id")) or str(uuid.uuid4())
    if form.validate_on_submit():
        user = current_user._get_current_object()
        begin_write()
        # The record id is honoured only as this user's own form sent again: accept() answers
        # anyone else's id as taken, the same whatever was typed.
        answer = accept(VISIT, form.record(), record_id=record_id,
                        device_id=web_form_device(user), seq=None, recorded_at=utcnow(),
                        author=user)
        db.session.commit()
        if answer.status == "accepted":
            flash(_("Visit saved in the register."), "success")
        elif answer.status == "duplicate":
            flash(_("This visit was already saved."), "info")
        elif answer.errors["id"][0]["code"] == "content_changed":
            form.form_errors.append(_("This form was already submitted with other content. "
                                      "Open the saved visit to correct it."))
        else:
            form.form_errors.append(problems.text(answer.errors["id"][0]))
            record_id = str(uuid.uuid4())   # what was typed can be saved as a new visit
        if answer.status != "conflict":
            return redirect(url_for("desk.visit", visit_id=answer.row.id))
    elif request.method == "GET":
        _form_defaults(form)
    status = 400 if form.errors or form.form_errors else 200
    shifts = [{"code": s.code, "starts": s.starts.strftime("%H:%M"), "ends": s.ends.strftime("%H:%M")}
              for s in shifts_in_order()]
    return render_template("desk/visit_form.html", form=form, record_id=record_id,
                           shifts=shifts), status


def _register_context():
    filt = RegisterFilter.from_args(request.args)
    page = page_number(request.args)
    visits = db.paginate(filt.query(), page=page, per_page=PAGE_SIZE, error_out=False)
    units = units_in_order()
    return dict(filt=filt, visits=visits, units=units, C=C)


@bp.get("/visits")
@requires("visit.read")
def register():
    """The register as a list, filterable and searchable."""
    return render_template("desk/register.html", **_register_context())


@bp.get("/register")
@requires("visit.read")
def official_register():
    """The register in the 12 columns of the official template (Mẫu số 03)."""
    return render_template("desk/official_register.html", **_register_context())


@bp.get("/visits/lookup")
@requires("visit.read")
def lookup():
    """A citizen's earlier visits by ID number: the desk's first question."""
    filt = RegisterFilter.from_args(request.args)
    visits = db.session.scalars(filt.query().limit(100)).all() if filt.id_number else []
    return render_template("desk/lookup.html", filt=filt, visits=visits, C=C)


def _visit_or_404(visit_id: str) -> Visit:
    visit = db.session.get(Visit, visit_id)
    if visit is None:
        abort(404)
    return visit


@bp.get("/visits/<visit_id>")
@requires("visit.read")
def visit(visit_id):
    """One visit with its amendment history; a sealed identity stays hidden here."""
    visit = _visit_or_404(visit_id)
    user = current_user._get_current_object()
    handler_form = None
    if records.may_assign_handler(user, visit):
        handler_form = HandlerForm(handler=visit.handler_id)
        handler_form.handler.choices = _handler_choices()
    return render_template("desk/visit.html", visit=visit, C=C, handler_form=handler_form,
                           may_view_identity=records.may_view_identity(user, visit),
                           may_amend=records.may_amend(user, visit), field_labels=field_labels())


@bp.get("/visits/<visit_id>/identity")
@requires("visit.read")
def identity(visit_id):
    """Reveal a denouncer's identity to those the law allows; every view is logged."""
    visit = _visit_or_404(visit_id)
    if not visit.sealed:
        return redirect(url_for("desk.visit", visit_id=visit.id))
    if not records.may_view_identity(current_user, visit):
        audit("identity_view_refused", "visit", visit.id)
        db.session.commit()
        abort(403)
    audit("identity_viewed", "visit", visit.id)
    db.session.commit()
    return render_template("desk/identity.html", visit=visit, identity=visit.identity,
                           field_labels=field_labels())


@bp.route("/visits/<visit_id>/amend", methods=["GET", "POST"])
@requires("visit.amend")
def amend(visit_id):
    """Correct a visit: the change is stored as an amendment with its reason."""
    visit = _visit_or_404(visit_id)
    user = current_user._get_current_object()
    if not records.may_amend(user, visit):
        abort(403)
    form = AmendmentForm()
    if form.validate_on_submit():
        amendment = records.amend_visit(visit, form.record(), reason=form.reason.data.strip(),
                                        author=user)
        if amendment is None:
            form.form_errors.append(_("Nothing was changed."))
        else:
            audit("visit_amended", "visit", visit.id, amendment=amendment.id,
                  fields=sorted(amendment.changes))
            db.session.commit()
            flash(_("Correction saved."), "success")
            return redirect(url_for("desk.visit", visit_id=visit.id))
    elif request.method == "GET":
        if visit.sealed:
            audit("identity_viewed", "visit", visit.id, purpose="amend")
            db.session.commit()
        current = records.current_record(visit, with_identity=True)
        current["representatives"] = "\n".join(current["representatives"])
        current["received_on"] = visit.received_on
        form.process(data=current)
    status = 400 if form.errors or form.form_errors else 200
    return render_template("desk/amend.html", form=form, visit=visit), status


def _handler_choices():
    users = db.session.scalars(members_who_can("visit.handle"))
    return [(0, "—")] + [(u.id, u.display_name) for u in users]


@bp.post("/visits/<visit_id>/handler")
@requires("visit.assign_handler")
def assign_handler(visit_id):
    """The leader or a deputy names who handles the matter; for a sealed visit, the leader.

    A deputy's choice on a sealed visit is refused rather than queued for confirmation: a
    queue would be a second, slower way to the same decision the leader makes on this page,
    and a refused request leaves nothing half-decided (the refusal is in the audit log)."""
    visit = _visit_or_404(visit_id)
    user = current_user._get_current_object()
    if not records.may_assign_handler(user, visit):
        audit("handler_assignment_refused", "visit", visit.id, sealed=visit.sealed)
        db.session.commit()
        abort(403)
    form = HandlerForm()
    form.handler.choices = _handler_choices()
    if form.validate_on_submit():
        before = visit.handler_id
        visit.handler_id = form.handler.data or None
        audit("handler_assigned", "visit", visit.id, handler_id=visit.handler_id,
              previous_handler_id=before, sealed=visit.sealed)
        db.session.commit()
        flash(_("Handler assigned."), "success")
    else:
        flash(_("Choose a handler from the list."), "error")
    return redirect(url_for("desk.visit", visit_id=visit.id))
