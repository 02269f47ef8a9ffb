"""Shared test helpers: signing in, CSRF tokens, errors shown beside fields, a valid visit."""
import hashlib
import re

import sqlalchemy as sa

PASSWORD = "correct horse battery"


def login(client, username, password=PASSWORD, status="*"):
    """Sign in through the real form."""
    page = client.get("/login")
    if page.status_int == 302:
        return page
    form = page.forms["login-form"]
    form["username"] = username
    form["password"] = password
    return form.submit(status=status)


def user_id(app, username) -> int:
    from pwa.extensions import db
    from pwa.models import User
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.username == username))


def csrf_token(client) -> str:
    """A fresh CSRF token for the signed-in client, the way the PWA gets one."""
    return client.get("/api/v1/session").json["csrf_token"]


def device_secret(device_id: str) -> str:
    """A device's secret in tests: 64 hex characters, fixed per device id (as a device keeps
    its own in IndexedDB)."""
    return hashlib.sha256(f"secret:{device_id}".encode()).hexdigest()


def field_errors(page) -> dict:
    """{field id: [messages]} as shown beside the fields."""
    errors = {}
    for field_id, message in re.findall(r'<p class="error" id="([\w-]+)-error">([^<]*)</p>',
                                        page.text):
        errors.setdefault(field_id, []).append(message)
    return errors



VALID_VISIT = {
    "received_on": "21/10/2021",
    "shift": "morning",
    "reception_type": "regular",
    "source": "in_person",
    "citizen_name": "Nguyễn Văn A",
    "id_number": "026085001234",
    "address": "Thôn Đông, xã Kim Xá, huyện Vĩnh Tường",
    "commune": "09079",
    "phone": "0912345678",
    "people_count": "1",
    "representatives": "",
    "kinds": ["khieu_nai"],
    "subject_area": "dat_dai",
    "content": "Khiếu nại quyết định thu hồi đất nông nghiệp năm 2020",
    "request": "Đề nghị xem xét lại mức bồi thường",
    "prior_handler": "UBND xã Kim Xá",
    "is_repeat": True,
    "direction": "thu_ly",
    "forwarded_to": "",
    "guidance": "",
    "refusal_reason": "",
    "refusal_note": "",
    "documents": "Đơn khiếu nại (bản gốc), 02 trang",
    "notes": "Công dân đến lần thứ hai",
    "consent_to_disclose": False,
}


def fill(form, values: dict):
    """Put values into a WebTest form, ticking checkboxes for lists and booleans."""
    for name, value in values.items():
        if isinstance(value, list):
            for field in form.fields.get(name, []):
                field.checked = field._value in value
        elif isinstance(value, bool):
            form[name].checked = value
        else:
            form[name] = value
    return form


def submit_visit(client, overrides=None, status="*"):
    """Open the visit form, fill it (valid unless overridden) and submit it."""
    page = client.get("/visits/new")
    form = fill(page.forms["visit-form"], {**VALID_VISIT, **(overrides or {})})
    return form.submit(status=status)


def session_count() -> int:
    """How many server-side session rows exist now (read afresh)."""
    import sqlalchemy as sa

    from pwa.extensions import db
    from pwa.models import UserSession
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(UserSession))

