"""The OpenAPI 3.1 document, built from the same form classes that validate records."""
from flask import current_app
from wtforms import (BooleanField, DateField, FloatField, IntegerField, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from ..fields import LocalDateTimeField, PhotoListField
from ..sync.protocol import MAX_BATCH
from ..sync.types import RECORD_TYPES

EXAMPLES = {
    "visit": {
        "type": "visit",
        "id": "5f0c4c1e-8a9b-4d7e-9f2a-1b2c3d4e5f60",
        "device_id": "0d9a4f7e-2c1b-4a3d-8e5f-6a7b8c9d0e1f",
        "seq": 1,
        "created_at": "2021-10-21T02:15:00Z",
        "author": "tiepdan",
        "data": {
            "received_on": "2021-10-21", "shift": "morning", "reception_type": "regular",
            "source": "in_person", "citizen_name": "Nguyễn Văn A",
            "id_number": "026085001234", "address": "Thôn Đông, xã Kim Xá",
            "commune": "09079", "phone": "0912345678", "people_count": 7,
            "representatives": ["Nguyễn Văn A", "Trần Văn B"],
            "kinds": ["khieu_nai", "kien_nghi"], "subject_area": "dat_dai",
            "content": "Khiếu nại về bồi thường giải phóng mặt bằng",
            "request": "Đề nghị xem xét lại mức bồi thường", "prior_handler": "UBND xã Kim Xá",
            "is_repeat": False, "direction": "thu_ly", "forwarded_to": "", "guidance": "",
            "refusal_reason": "", "refusal_note": "", "documents": "Đơn khiếu nại, 02 trang",
            "notes": "", "consent_to_disclose": False,
        },
    },
    "sighting": {
        "type": "sighting",
        "id": "7a1e2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b",
        "device_id": "0d9a4f7e-2c1b-4a3d-8e5f-6a7b8c9d0e1f",
        "seq": 2,
        "created_at": "2021-10-21T02:31:00Z",
        "author": "thanhvien",
        "data": {
            "site": "TCD-TW", "place_text": "", "latitude": 21.0227, "longitude": 105.8194,
            "accuracy": 25, "seen_at": "21/10/2021 09:30", "people_count": 12,
            "communes": ["09079", "09100"], "watch_entry": "",
            "demands": "Đòi bồi thường đất nông nghiệp", "banners": "Băng rôn đòi quyền lợi",
            "leaders": "Ông Nguyễn Văn A", "police": "present", "notes": "", "photos": [],
        },
    },
    "sighting_update": {
        "type": "sighting_update",
        "id": "8b2f3c4d-5e6f-4a71-9b8c-0d1e2f3a4b5c",
        "device_id": "0d9a4f7e-2c1b-4a3d-8e5f-6a7b8c9d0e1f",
        "seq": 3,
        "created_at": "2021-10-21T03:15:00Z",
        "author": "thanhvien",
        "data": {
            "sighting": "7a1e2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b", "at": "21/10/2021 10:15",
            "people_count": 8, "action": "persuaded", "note": "Đã vận động 4 người về",
            "photos": [], "closed": False,
        },
    },
}


def _field_schema(field) -> dict:
    """A JSON schema for one form field."""
    lengths = [v for v in field.validators if isinstance(v, Length)]
    schema: dict
    if isinstance(field, PhotoListField):
        schema = {"type": "array", "maxItems": 5, "items": {"type": "string", "format": "uuid"},
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
        schema = {"type": "array", "items": {"type": "string"}, "maxItems": 5,
                  "description": "names; required for groups of 5 or more"}
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


def document() -> dict:
    """The whole OpenAPI 3.1 document."""
    record_schemas = {}
    for name, record_type in RECORD_TYPES.items():
        record_schemas[f"{name}_record"] = {
            "type": "object",
            "required": ["type", "id", "device_id", "seq", "created_at", "data"],
            "properties": {
                "type": {"const": name},
                "id": {"type": "string", "format": "uuid", "description": "made on the device"},
                "device_id": {"type": "string", "format": "uuid"},
                "seq": {"type": "integer", "minimum": 1,
                        "description": "per-device sequence number, 1, 2, 3 …"},
                "created_at": {"type": "string", "format": "date-time"},
                "author": {"type": "string", "description": "user name of the author"},
                "data": data_schema(record_type),
            },
            "examples": [EXAMPLES[name]],
        }
    one_of = [{"$ref": f"#/components/schemas/{n}"} for n in record_schemas]
    json_error = {"description": "error", "content": {"application/json": {"schema": {
        "$ref": "#/components/schemas/error"}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Tiếp công dân API", "version": current_app.config["APP_VERSION"],
                 "description": "Sync of device records (offline first) and session."},
        "servers": [{"url": "/"}],
        "security": [{"session": [], "csrf": []}],
        "paths": {
            "/api/v1/session": {"get": {
                "summary": "Who is signed in, with a fresh CSRF token",
                "responses": {"200": {"description": "signed in", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/session"}}}},
                    "401": json_error}}},
            "/api/v1/sync": {"post": {
                "summary": "Send a batch of records with the device's report",
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/sync_request"},
                    "example": {"device": {"id": EXAMPLES["visit"]["device_id"],
                                           "label": "Bàn tiếp dân 1", "app_version": "1",
                                           "clock": "2021-10-21T02:16:00Z", "outbox_depth": 1,
                                           "oldest_pending": "2021-10-21T02:15:00Z"},
                                "records": list(EXAMPLES.values())}}}},
                "responses": {"200": {"description": "an answer per record", "content": {
                    "application/json": {"schema": {
                        "$ref": "#/components/schemas/sync_response"}}}},
                    "400": json_error, "401": json_error, "403": json_error,
                    "413": json_error}}},
            "/api/v1/photos/{photo_id}": {"put": {
                "summary": "Upload a photo's bytes once (idempotent by id and SHA-256)",
                "parameters": [
                    {"name": "photo_id", "in": "path", "required": True,
                     "schema": {"type": "string", "format": "uuid"}},
                    {"name": "X-Content-SHA256", "in": "header", "required": False,
                     "schema": {"type": "string"}}],
                "requestBody": {"required": True, "content": {
                    "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                    "image/png": {"schema": {"type": "string", "format": "binary"}},
                    "image/webp": {"schema": {"type": "string", "format": "binary"}}}},
                "responses": {
                    "200": {"description": "duplicate: already stored", "content": {
                        "application/json": {"schema": {"type": "object"}}}},
                    "201": {"description": "accepted", "content": {
                        "application/json": {"schema": {"type": "object"}}}},
                    "400": json_error, "401": json_error, "403": json_error,
                    "409": json_error, "413": json_error, "415": json_error}}},
            "/api/v1/watchlist": {"get": {
                "summary": "The watch list, for phones to keep offline",
                "responses": {"200": {"description": "entries", "content": {
                    "application/json": {"schema": {"type": "object"}}}},
                    "401": json_error, "403": json_error}}},
            "/api/v1/alerts": {"get": {
                "summary": "Sightings flagged since an instant (leaders and deputies)",
                "parameters": [{"name": "since", "in": "query", "required": False,
                                "schema": {"type": "string", "format": "date-time"}}],
                "responses": {"200": {"description": "alerts", "content": {
                    "application/json": {"schema": {"type": "object"}}}},
                    "401": json_error, "403": json_error}}},
            "/api/v1/reference": {"get": {
                "summary": "Plan, shifts, communes and sites for the offline forms",
                "responses": {"200": {"description": "reference data", "content": {
                    "application/json": {"schema": {"type": "object"}}}},
                    "401": json_error}}},
            "/api/v1/openapi.json": {"get": {
                "summary": "This document",
                "responses": {"200": {"description": "OpenAPI 3.1", "content": {
                    "application/json": {"schema": {"type": "object"}}}},
                    "401": json_error}}},
        },
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "tcd_session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken",
                         "description": "from GET /api/v1/session; needed on POST"},
            },
            "schemas": {
                **record_schemas,
                "error": {"type": "object", "required": ["error", "message"], "properties": {
                    "error": {"type": "string"}, "message": {"type": "string"},
                    "errors": {"type": "object"}}},
                "session": {"type": "object", "required": ["user", "csrf_token"], "properties": {
                    "user": {"type": "object"}, "csrf_token": {"type": "string"},
                    "app_version": {"type": "string"}}},
                "device_report": {"type": "object", "required": ["id"], "properties": {
                    "id": {"type": "string", "format": "uuid"},
                    "label": {"type": "string", "maxLength": 100},
                    "app_version": {"type": "string", "maxLength": 40},
                    "clock": {"type": "string", "format": "date-time"},
                    "outbox_depth": {"type": "integer", "minimum": 0},
                    "oldest_pending": {"type": ["string", "null"], "format": "date-time"}}},
                "sync_request": {"type": "object", "required": ["device", "records"],
                                 "properties": {
                                     "device": {"$ref": "#/components/schemas/device_report"},
                                     "records": {"type": "array", "maxItems": MAX_BATCH,
                                                 "items": {"oneOf": one_of}}}},
                "sync_result": {"type": "object", "required": ["status"], "properties": {
                    "id": {"type": ["string", "null"]}, "seq": {"type": ["integer", "null"]},
                    "status": {"enum": ["accepted", "duplicate", "conflict", "rejected"]},
                    "errors": {"type": "object"}, "receipt": {"type": "object"}}},
                "sync_response": {"type": "object",
                                  "required": ["server_time", "results", "held"],
                                  "properties": {
                                      "server_time": {"type": "string", "format": "date-time"},
                                      "results": {"type": "array", "items": {
                                          "$ref": "#/components/schemas/sync_result"}},
                                      "held": {"type": "object", "properties": {
                                          "device_id": {"type": "string"},
                                          "ranges": {"type": "array", "items": {
                                              "type": "array", "items": {"type": "integer"},
                                              "minItems": 2, "maxItems": 2}}}}}},
            },
        },
    }
