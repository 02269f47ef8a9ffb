"""The situation board: where the crowds are now, and today's reception at a glance."""
from flask import Blueprint

bp = Blueprint("board", __name__)

from . import routes  # noqa: E402,F401
