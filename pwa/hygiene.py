"""The request edge: text no database or template can hold is refused before any view runs.

PostgreSQL cannot store a NUL character (every query holding one fails), a lone surrogate
cannot be encoded to UTF-8, and other control characters have no place in a register; a
30,000-deep JSON document exhausts Python's recursion. So, before routing reaches a view:

- the path, the query string and form bodies must be valid UTF-8 and hold no control character
  but tab, newline and carriage return: else 400;
- a JSON body must be valid UTF-8 and valid JSON no deeper than MAX_JSON_DEPTH: else 400. The
  strings INSIDE a sync batch's records are not checked here: a bad record is that record's
  rejection (the sync service validates each record with the forms below), not the batch's.

CleanForm is the base of every form: a string field holding such a character gets an error
beside it, whatever path the data came by (the HTML form or a synced record's JSON).
"""
import json
import re
from urllib.parse import unquote_to_bytes

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

# C0 and C1 controls (but tab, newline, carriage return), DEL, and UTF-16 surrogates.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Deep enough for any document the app defines (a sync batch is 4 levels), far below recursion.
MAX_JSON_DEPTH = 32
# A page number beyond this is clamped: no list is that long, and a larger offset overflows
# the database's integer (a 500 on PostgreSQL and SQLite alike).
MAX_PAGE = 100_000

BAD_TEXT = _l("The request holds characters that are not allowed (control characters or "
              "text that is not valid UTF-8).")
BAD_JSON = _l("The request body is not valid JSON, or is nested too deeply.")
FIELD_TEXT = _l("This field holds characters that are not allowed (control characters).")


def clean_text(value: str) -> bool:
    """Whether a decoded string holds no forbidden character."""
    return FORBIDDEN.search(value) is None


def clean_bytes(raw: bytes) -> bool:
    """Whether bytes are valid UTF-8 holding no forbidden character."""
    try:
        return clean_text(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return False


def clean_urlencoded(raw: bytes | str) -> bool:
    """Whether an application/x-www-form-urlencoded string decodes to clean text."""
    if isinstance(raw, str):
        raw = raw.encode("latin-1", "replace")
    return clean_bytes(unquote_to_bytes(raw.replace(b"+", b" ")))


def json_depth_within(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether no array or object in a JSON text nests deeper than limit (a linear scan, so a
    hostile document cannot exhaust the stack before it is refused)."""
    depth, in_string, escaped = 0, False, False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:          # backslash
                escaped = True
            elif byte == 0x22:          # closing quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):      # [ {
            depth += 1
            if depth > limit:
                return False
        elif byte in (0x5D, 0x7D):      # ] }
            depth -= 1
    return True


def valid_json(raw: bytes) -> bool:
    """Whether a body is valid UTF-8 JSON within the depth bound."""
    if not json_depth_within(raw):
        return False
    try:
        json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    return True


def _path_is_clean() -> bool:
    # PATH_INFO is the percent-decoded path as latin-1 code points of the raw bytes (PEP 3333).
    raw = request.environ.get("PATH_INFO", "").encode("latin-1", "replace")
    return clean_bytes(raw)


def _body_is_clean() -> str | None:
    """None when the body is acceptable, else "text" or "json" (which rule it broke)."""
    mimetype = request.mimetype
    if mimetype == "application/x-www-form-urlencoded":
        return None if clean_urlencoded(request.get_data(cache=True)) else "text"
    if mimetype == "multipart/form-data":
        # Werkzeug has decoded the fields; files (photos) are bytes and not text.
        values = [v for _, v in request.form.items(multi=True)]
        return None if all(clean_text(v) for v in values) else "text"
    if request.is_json:
        raw = request.get_data(cache=True)
        return None if not raw or valid_json(raw) else "json"
    return None


def refuse_bad_input():
    """before_request: a 400 for text no view should have to handle."""
    from .security import error_response
    if not _path_is_clean() or not clean_urlencoded(request.environ.get("QUERY_STRING", "")):
        return error_response(400, str(BAD_TEXT), error="bad_text")
    broken = _body_is_clean()
    if broken == "text":
        return error_response(400, str(BAD_TEXT), error="bad_text")
    if broken == "json":
        return error_response(400, str(BAD_JSON), error="bad_json")
    return None


def page_number(args, name: str = "page") -> int:
    """A 1-based page number from a query string, clamped to 1..MAX_PAGE."""
    value = args.get(name, 1, type=int) or 1
    return min(max(value, 1), MAX_PAGE)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


class CleanForm(FlaskForm):
    """FlaskForm whose validation refuses control characters and lone surrogates in any
    string field, with an error beside that field."""

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators=extra_validators)
        for field in self:
            if any(not clean_text(s) for s in _strings(field.data)):
                field.errors = [*field.errors, FIELD_TEXT]
                valid = False
        return valid
