"""API views: who is signed in, with a fresh CSRF token."""
from flask import jsonify
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from ..security import requires
from . import bp


@bp.get("/session")
@requires("signed_in")
def session_info():
    """The signed-in user and a fresh CSRF token; 401 JSON when nobody is signed in."""
    return jsonify(user={"id": current_user.id, "username": current_user.username,
                         "name": current_user.display_name, "role": current_user.role},
                   csrf_token=generate_csrf())
