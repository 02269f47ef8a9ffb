"""The leader's pages: sync status per device ("is anything missing?") and the situation board."""
from flask import Blueprint

bp = Blueprint("lead", __name__)

from . import routes  # noqa: E402,F401
