"""A sighting's rules as data (see pwa/rules.py): SightingForm checks them on the server,
the device before it saves. `site_level` is the chosen site's level ("other": in words)."""
from flask_babel import lazy_gettext as _l

SIGHTING_RULES = [
    {"field": "people_count", "require": {"field": "people_count", "gte": 1},
     "message": _l("The number of people must be at least 1.")},
    {"field": "place_text", "when": {"field": "site_level", "in": ["other"]},
     "require": {"field": "place_text", "filled": True},
     "message": _l("Say where, in words, for another place.")},
    {"field": "longitude",
     "when": {"any": [{"field": "latitude", "filled": True},
                      {"field": "longitude", "filled": True}]},
     "require": {"all": [{"field": "latitude", "filled": True},
                         {"field": "longitude", "filled": True}]},
     "message": _l("Give both latitude and longitude, or neither.")},
    {"field": "latitude", "require": {"field": "latitude", "gte": -90, "lte": 90},
     "message": _l("The latitude must lie between -90 and 90.")},
    {"field": "longitude", "require": {"field": "longitude", "gte": -180, "lte": 180},
     "message": _l("The longitude must lie between -180 and 180.")},
]

UPDATE_RULES = [
    {"field": "people_count", "require": {"field": "people_count", "gte": 1},
     "message": _l("The number of people must be at least 1.")},
]
