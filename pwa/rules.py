"""Form rules as data: one table per form, checked by the server's WTForms forms and, served
as GET /api/v1/rules, by the device before it saves (static/js/rules.js reads the same
tables). The server stays the authority; the device only refuses early, beside the field.

A rule: {"field": f, "when": cond (optional), "require": cond, "message": text,
         "params": {"n": {"length_of": field}} (optional)}
— an error on f when `when` holds and `require` does not; the first failing rule per field
wins. A condition: {"all": [...]}, {"any": [...]}, {"not": cond}, or {"field": f, <op>: v}
with op one of: filled (bool), in, not_in, contains, matches (a regex both Python and
JavaScript read the same way), gte, lte, count_gte, count_lte, date_gte / date_lte (an
ISO date, or "+N" days from the checker's today).
Values: text as typed (normalised as the rule table says), lists for checkbox groups and
lines, numbers for counts (None when blank), dates as datetime.date (the device: dd/mm/yyyy).
"""
import re
from datetime import date, timedelta

from .clock import local_now


def _filled(value) -> bool:
    if value is None:
        return False
    if isinstance(value, (list, tuple, set)):
        return len(value) > 0
    return str(value).strip() != ""


def _as_number(value):
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return value
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def _as_date(value):
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    for pattern, order in ((r"^(\d{1,2})/(\d{1,2})/(\d{4})$", (2, 1, 0)),
                           (r"^(\d{4})-(\d{2})-(\d{2})$", (0, 1, 2))):
        if m := re.match(pattern, text):
            y, mo, d = (int(m.group(i + 1)) for i in order)
            try:
                return date(y, mo, d)
            except ValueError:
                return None
    return None


def _limit(spec: str, today: date) -> date:
    if spec.startswith(("+", "-")):
        return today + timedelta(days=int(spec))
    return date.fromisoformat(spec)


def holds(cond: dict, values: dict, today: date, unknown: bool) -> bool:
    """Whether a condition holds for the values. An operator other than `filled` says nothing
    about a blank field (or a count that is not a number): it then yields `unknown` — False
    in a rule's `when` (the rule does not apply), True in its `require` (nothing to refuse);
    under `not` the other way round."""
    if "all" in cond:
        return all(holds(c, values, today, unknown) for c in cond["all"])
    if "any" in cond:
        return any(holds(c, values, today, unknown) for c in cond["any"])
    if "not" in cond:
        return not holds(cond["not"], values, today, not unknown)
    value = values.get(cond["field"])
    if "filled" in cond:
        return _filled(value) == cond["filled"]
    if not _filled(value):
        return unknown
    if "in" in cond:
        return str(value) in cond["in"]
    if "not_in" in cond:
        return str(value) not in cond["not_in"]
    if "contains" in cond:
        return cond["contains"] in [str(v) for v in value]
    if "matches" in cond:
        return re.search(cond["matches"], str(value)) is not None
    if "count_gte" in cond:
        return len(value) >= cond["count_gte"]
    if "count_lte" in cond:
        return len(value) <= cond["count_lte"]
    if "gte" in cond or "lte" in cond:
        number = _as_number(value)
        if number is None:
            return unknown   # not a number: the field's own validator says so
        return number >= cond.get("gte", number) and number <= cond.get("lte", number)
    if "date_gte" in cond or "date_lte" in cond:
        day = _as_date(value)
        if day is None:
            return unknown
        low = _limit(cond["date_gte"], today) if "date_gte" in cond else day
        high = _limit(cond["date_lte"], today) if "date_lte" in cond else day
        return low <= day <= high
    raise ValueError(f"unknown condition {cond!r}")


def message_of(rule: dict, values: dict) -> str:
    text = str(rule["message"])
    params = {name: len(str(values.get(spec["length_of"]) or ""))
              for name, spec in rule.get("params", {}).items()}
    return text % params if params else text


def check(rules: list[dict], values: dict, today: date | None = None) -> dict[str, str]:
    """{field: message} for the first failing rule of each field."""
    today = today or local_now().date()
    errors: dict[str, str] = {}
    for rule in rules:
        if rule["field"] in errors:
            continue
        if holds(rule.get("when", {"all": []}), values, today, False) and \
                not holds(rule["require"], values, today, True):
            errors[rule["field"]] = message_of(rule, values)
    return errors


def document(rules: list[dict]) -> list[dict]:
    """The rules with their messages in the request's language (for JSON)."""
    return [{**rule, "message": str(rule["message"])} for rule in rules]
