"""The register's rules that tie a visit's fields together, as data (see pwa/rules.py):
VisitForm checks them on the server, the device checks them before it saves."""
from flask_babel import lazy_gettext as _l

from .. import classifications as C

# Typed ID numbers lose spaces, dots and dashes and are upper-cased, here and on the device.
NORMALISE = {"id_number": {"remove": r"[\s.\-]", "upper": True},
             "phone": {"remove": r"[\s.\-]", "upper": False}}

CCCD_OR_CMND = r"^(\d{12}|\d{9})$"     # căn cước công dân 12 digits, old CMND 9
PASSPORT = r"^[A-Z][0-9]{7}$|^(?=.*[A-Z])[A-Z0-9]{6,9}$"
PHONE = r"^(\+84|0)\d{8,10}$"
MAX_REPRESENTATIVES = 5
REFUSING = {"field": "direction", "in": ["tu_choi"]}

VISIT_RULES = [
    {"field": "received_on", "require": {"field": "received_on", "date_gte": "2000-01-01"},
     "message": _l("Enter the date as dd/mm/yyyy.")},
    {"field": "received_on", "require": {"field": "received_on", "date_lte": "+1"},
     "message": _l("The date received cannot be in the future.")},
    {"field": "kinds", "require": {"field": "kinds", "filled": True},
     "message": _l("Choose at least one petition kind.")},
    {"field": "id_number", "when": {"field": "id_number", "matches": r"^\d+$"},
     "require": {"field": "id_number", "matches": CCCD_OR_CMND},
     "message": _l("A CCCD number has 12 digits and an old CMND number 9; this one has %(n)d."),
     "params": {"n": {"length_of": "id_number"}}},
    {"field": "id_number", "require": {"field": "id_number", "matches": PASSPORT + r"|^\d+$"},
     "message": _l("Not a valid ID number: enter a 12-digit CCCD, a 9-digit CMND or a passport "
                   "number.")},
    {"field": "id_number", "when": {"field": "source", "in": ["in_person"]},
     "require": {"field": "id_number", "filled": True},
     "message": _l("A citizen received in person shows an ID: enter its number.")},
    {"field": "phone", "require": {"field": "phone", "matches": PHONE},
     "message": _l("Enter a Vietnamese phone number, e.g. 0912345678.")},
    {"field": "representatives", "when": {"field": "people_count", "gte": C.GROUP_THRESHOLD},
     "require": {"field": "representatives", "filled": True},
     "message": _l("A group of 5 or more people must name its representatives.")},
    {"field": "representatives",
     "when": {"all": [{"field": "people_count", "gte": C.GROUP_THRESHOLD},
                      {"field": "people_count", "lte": 10}]},
     "require": {"field": "representatives", "count_lte": 2},
     "message": _l("A group of 5 to 10 people sends 1 or 2 representatives.")},
    {"field": "representatives", "when": {"field": "people_count", "gte": C.GROUP_THRESHOLD},
     "require": {"field": "representatives", "count_lte": MAX_REPRESENTATIVES},
     "message": _l("A group sends at most 5 representatives.")},
    {"field": "subject_area",
     "when": {"field": "subject_area", "in": sorted(C.DENUNCIATION_ONLY_AREAS)},
     "require": {"field": "kinds", "contains": "to_cao"},
     "message": _l("This subject area applies to denunciations only.")},
    {"field": "forwarded_to",
     "when": {"field": "direction", "in": sorted(C.DIRECTIONS_NEEDING_BODY)},
     "require": {"field": "forwarded_to", "filled": True},
     "message": _l("Name the body the matter goes to.")},
    {"field": "guidance", "when": {"field": "direction", "in": ["huong_dan"]},
     "require": {"field": "guidance", "filled": True},
     "message": _l("Write the guidance given to the citizen.")},
    {"field": "refusal_reason", "when": REFUSING,
     "require": {"field": "refusal_reason", "filled": True},
     "message": _l("Reception may be refused only for a reason the law lists: choose it.")},
    {"field": "refusal_reason", "when": {"not": REFUSING},
     "require": {"field": "refusal_reason", "filled": False},
     "message": _l("A refusal reason applies only when reception is refused.")},
    {"field": "refusal_note",
     "when": {"all": [REFUSING, {"field": "refusal_reason",
                                 "in": sorted(C.REFUSAL_REASONS_NEEDING_NOTE)}]},
     "require": {"field": "refusal_note", "filled": True},
     "message": _l("Give the written notice or the legal basis.")},
]
