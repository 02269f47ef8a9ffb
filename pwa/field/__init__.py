"""Field reports on phones: crowd sightings, their follow-up, photos, and the watch list."""
from flask import Blueprint

bp = Blueprint("field", __name__)

from . import routes  # noqa: E402,F401
