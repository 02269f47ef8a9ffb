"""The reception desk: the visit form, the register, a visit's detail and corrections."""
from flask import Blueprint

bp = Blueprint("desk", __name__)

from . import routes  # noqa: E402,F401
