"""The OpenAPI 3.1 document, built from the same form classes that validate records."""
from collections.abc import Mapping

from flask import current_app
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from .. import classifications as C
from ..fields import LocalDateTimeField, PhotoListField
from ..sync import protocol
from ..sync.registry import RECORD_TYPES


class _Examples(Mapping):
    """Each record type's example, read from the registry when asked (the areas register
    their types when the app is built, after this module is imported)."""

    def __getitem__(self, name):
        return RECORD_TYPES[name].example

    def __iter__(self):
        return iter(RECORD_TYPES)

    def __len__(self):
        return len(RECORD_TYPES)


EXAMPLES = _Examples()


def _field_schema(field) -> dict:
    """A JSON schema for one form field."""
    lengths = [v for v in field.validators if isinstance(v, Length)]
    schema: dict
    if isinstance(field, PhotoListField):
        schema = {"type": "array", "maxItems": C.MAX_PHOTOS,
                  "items": {"type": "string", "format": "uuid"},
                  "description": "ids of photos uploaded first with PUT /api/v1/photos/{id}"}
    elif isinstance(field, SelectMultipleField):
        schema = {"type": "array", "items": {"enum": [c[0] for c in field.choices]},
                  "uniqueItems": True}
    elif isinstance(field, SelectField):
        schema = {"type": "string", "enum": [c[0] for c in field.choices]}
    elif isinstance(field, BooleanField):
        schema = {"type": "boolean"}
    elif isinstance(field, IntegerField):
        schema = {"type": "integer"}
        for v in field.validators:
            if isinstance(v, NumberRange):
                schema.update(minimum=v.min, maximum=v.max)
    elif isinstance(field, DateField):
        schema = {"type": "string", "description": "yyyy-mm-dd or dd/mm/yyyy"}
    elif isinstance(field, LocalDateTimeField):
        schema = {"type": "string", "description": "local time, dd/mm/yyyy HH:MM"}
    elif isinstance(field, FloatField):
        schema = {"type": ["number", "null"]}
        for v in field.validators:
            if isinstance(v, NumberRange):
                schema.update(minimum=v.min, maximum=v.max)
    elif field.name == "representatives":
        schema = {"type": "array", "items": {"type": "string"},
                  "maxItems": C.MAX_REPRESENTATIVES,
                  "description": f"names; required for groups of {C.GROUP_THRESHOLD} or more"}
    elif isinstance(field, (StringField, TextAreaField)):
        schema = {"type": "string"}
        if lengths and lengths[0].max > 0:
            schema["maxLength"] = lengths[0].max
    else:
        schema = {}
    schema["title"] = str(field.label.text)
    return schema


def data_schema(record_type) -> dict:
    """The schema of a record type's data, from its form."""
    form = record_type.form(meta={"csrf": False}, formdata=None)
    properties, required = {}, []
    for field in form:
        properties[field.name] = _field_schema(field)
        if any(isinstance(v, (DataRequired, InputRequired)) for v in field.validators):
            required.append(field.name)
    return {"type": "object", "properties": properties, "required": required,
            "description": "Validated by the same form class as the HTML form; rules that "
                           "tie fields together are answered as field errors."}


JSON_ERROR = {"description": "error", "content": {"application/json": {"schema": {
    "$ref": "#/components/schemas/error"}}}}


def _errors(*statuses) -> dict:
    """The same JSON error answer under each status."""
    return {str(status): JSON_ERROR for status in statuses}


def _json(description: str, schema: dict | None = None) -> dict:
    return {"description": description, "content": {"application/json": {
        "schema": schema or {"type": "object"}}}}


def record_schemas() -> dict:
    """One schema per record type of the registry, with its example."""
    found = {}
    for name, record_type in RECORD_TYPES.items():
        found[f"{name}_record"] = {
            "type": "object",
            "required": ["type", "id", "device_id", "seq", "created_at"],
            # Exactly one of the two: the device sends its data sealed; plain data is for
            # tools and records saved before sealing.
            "oneOf": [{"required": ["data"], "not": {"required": ["sealed"]}},
                      {"required": ["sealed"], "not": {"required": ["data"]}}],
            "properties": {
                "type": {"const": name},
                "id": {"type": "string", "format": "uuid", "description": "made on the device"},
                "device_id": {"type": "string", "format": "uuid"},
                "seq": {"type": "integer", "minimum": 1, "maximum": protocol.MAX_SEQ,
                        "description": "per-device sequence number, 1, 2, 3 …"},
                "created_at": {"type": "string", "format": "date-time"},
                "author": {"type": "string", "description": "user name of the author"},
                "data": data_schema(record_type),
                "sealed": {"$ref": "#/components/schemas/sealed"},
            },
            "examples": [record_type.example],
        }
    return found


def paths() -> dict:
    """Every documented path."""
    example_device = next(iter(RECORD_TYPES.values())).example["device_id"]
    return {
        "/api/v1/session": {"get": {
            "summary": "Who is signed in, with a fresh CSRF token",
            "responses": {"200": _json("signed in", {"$ref": "#/components/schemas/session"}),
                          **_errors(401)}}},
        "/api/v1/sync": {"post": {
            "summary": "Send a batch of records with the device's report",
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/sync_request"},
                "example": {"device": {"id": example_device,
                                       "label": "Bàn tiếp dân 1", "app_version": "1",
                                       "clock": "2021-10-21T02:16:00Z", "outbox_depth": 1,
                                       "oldest_pending": "2021-10-21T02:15:00Z"},
                            "records": [t.example for t in RECORD_TYPES.values()]}}}},
            "responses": {"200": _json("an answer per record",
                                       {"$ref": "#/components/schemas/sync_response"}),
                          **_errors(400, 401, 403, 413)}}},
        "/api/v1/record-types": {"get": {
            "summary": "The record types with their labels and correction pages, and the "
                       "text of every problem code (cached by the device)",
            "responses": {"200": _json("record types"), **_errors(401)}}},
        "/api/v1/photos/{photo_id}": {"put": {
            "summary": "Upload a photo's bytes once (idempotent by id and SHA-256)",
            "parameters": [
                {"name": "photo_id", "in": "path", "required": True,
                 "schema": {"type": "string", "format": "uuid"}},
                {"name": "X-Content-SHA256", "in": "header", "required": False,
                 "description": "SHA-256 of the plaintext photo",
                 "schema": {"type": "string"}},
                # A sealed photo: the body is the AES-GCM ciphertext, bound to the photo id
                # and the uploader; Content-Type names the plaintext's type.
                {"name": "X-Sealed-Kid", "in": "header", "required": False,
                 "schema": {"type": "string", "pattern": "^[0-9a-f]{16}$"}},
                {"name": "X-Sealed-Key", "in": "header", "required": False,
                 "description": "base64 RSA-OAEP-SHA256 wrapped AES-256 key",
                 "schema": {"type": "string"}},
                {"name": "X-Sealed-IV", "in": "header", "required": False,
                 "description": "base64 of the 12-byte AES-GCM nonce",
                 "schema": {"type": "string"}}],
            "requestBody": {"required": True, "content": {
                "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}},
                "image/webp": {"schema": {"type": "string", "format": "binary"}}}},
            "responses": {"200": _json("duplicate: already stored"),
                          "201": _json("accepted"),
                          **_errors(400, 401, 403, 409, 413, 415)}}},
        "/api/v1/keys": {"get": {
            "summary": "The server's public key that devices seal records and photos with",
            "responses": {"200": _json("the current key", {"$ref": "#/components/schemas/keys"}),
                          **_errors(401)}}},
        "/api/v1/unseal": {"post": {
            "summary": "A rejected record's data back for its author to correct (audited, "
                       "rate-limited)",
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/unseal_request"}}}},
            "responses": {"200": _json("the record's data", {
                "type": "object", "required": ["data"], "properties": {
                    "data": {"type": "object"}}}),
                **_errors(400, 401, 403, 429)}}},
        "/api/v1/watchlist": {"get": {
            "summary": "The watch list, for phones to keep offline",
            "responses": {"200": _json("entries"), **_errors(401, 403)}}},
        "/api/v1/alerts": {"get": {
            "summary": "Sightings flagged since an instant (leaders and deputies)",
            "parameters": [{"name": "since", "in": "query", "required": False,
                            "schema": {"type": "string", "format": "date-time"}}],
            "responses": {"200": _json("alerts"), **_errors(401, 403)}}},
        "/api/v1/reference": {"get": {
            "summary": "Plan, shifts, communes and sites for the offline forms",
            "responses": {"200": _json("reference data"), **_errors(401)}}},
        "/api/v1/openapi.json": {"get": {
            "summary": "This document",
            "responses": {"200": _json("OpenAPI 3.1"), **_errors(401)}}},
    }


def device_report_schema() -> dict:
    return {"type": "object", "required": ["id", "secret"], "properties": {
        "id": {"type": "string", "format": "uuid"},
        "secret": {"type": "string", "pattern": "^[0-9a-fA-F]{64}$",
                   "description": "the device's own random secret (32 bytes as hex), made "
                                  "at its first start and sent with every batch"},
        "label": {"type": "string", "maxLength": protocol.MAX_LABEL},
        "app_version": {"type": "string", "maxLength": protocol.MAX_APP_VERSION},
        "clock": {"type": "string", "format": "date-time"},
        "outbox_depth": {"type": "integer", "minimum": 0,
                         "maximum": protocol.MAX_OUTBOX_DEPTH},
        "oldest_pending": {"type": ["string", "null"], "format": "date-time"}}}


def schemas() -> dict:
    """Every component schema."""
    records = record_schemas()
    one_of = [{"$ref": f"#/components/schemas/{n}"} for n in records]
    return {
        **records,
        "error": {"type": "object", "required": ["error", "message"], "properties": {
            "error": {"type": "string"}, "message": {"type": "string"},
            "errors": {"type": "object"}}},
        "session": {"type": "object", "required": ["user", "csrf_token"], "properties": {
            "user": {"type": "object"}, "csrf_token": {"type": "string"},
            "app_version": {"type": "string"}}},
        "device_report": device_report_schema(),
        "sealed": {"type": "object", "required": ["kid", "key", "iv", "ct"],
                   "additionalProperties": False,
                   "description": "the record's data (UTF-8 JSON) sealed with the server's "
                                  "public key: AES-256-GCM under a fresh key wrapped with "
                                  "RSA-OAEP-SHA256, bound to the record's type, id and author",
                   "properties": {
                       "kid": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
                       "key": {"type": "string", "contentEncoding": "base64"},
                       "iv": {"type": "string", "contentEncoding": "base64"},
                       "ct": {"type": "string", "contentEncoding": "base64"}}},
        "keys": {"type": "object", "required": ["kid", "jwk", "alg"], "properties": {
            "kid": {"type": "string"}, "jwk": {"type": "object"},
            "alg": {"const": "RSA-OAEP-256+A256GCM"}}},
        "unseal_request": {"type": "object", "required": ["type", "id", "author", "sealed"],
                           "properties": {
                               "type": {"type": "string"},
                               "id": {"type": "string", "format": "uuid"},
                               "author": {"type": "string"},
                               "sealed": {"$ref": "#/components/schemas/sealed"}}},
        "sync_request": {"type": "object", "required": ["device", "records"], "properties": {
            "device": {"$ref": "#/components/schemas/device_report"},
            "records": {"type": "array", "maxItems": protocol.MAX_BATCH,
                        "items": {"oneOf": one_of}}}},
        "error_item": {"type": "object", "required": ["code", "message"], "properties": {
            "code": {"type": "string"}, "params": {"type": "object"},
            "message": {"type": "string"}}},
        "sync_result": {"type": "object", "required": ["status"], "properties": {
            "id": {"type": ["string", "null"]}, "seq": {"type": ["integer", "null"]},
            "status": {"enum": list(protocol.STATUSES)},
            "errors": {"type": "object", "additionalProperties": {
                "type": "array", "items": {"$ref": "#/components/schemas/error_item"}}},
            "receipt": {"type": "object"}}},
        "sync_response": {"type": "object", "required": ["server_time", "results", "held"],
                          "properties": {
                              "server_time": {"type": "string", "format": "date-time"},
                              "results": {"type": "array", "items": {
                                  "$ref": "#/components/schemas/sync_result"}},
                              "held": {"type": "object", "properties": {
                                  "device_id": {"type": "string"},
                                  "ranges": {"type": "array", "items": {
                                      "type": "array", "items": {"type": "integer"},
                                      "minItems": 2, "maxItems": 2}}}}}},
    }


def document() -> dict:
    """The whole OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Tiếp công dân API", "version": current_app.config["APP_VERSION"],
                 "description": "Sync of device records (offline first) and session."},
        "servers": [{"url": "/"}],
        "security": [{"session": [], "csrf": []}],
        "paths": paths(),
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "tcd_session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken",
                         "description": "from GET /api/v1/session; needed on POST"},
            },
            "schemas": schemas(),
        },
    }
