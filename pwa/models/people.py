"""Users, their revocable sessions and sign-in attempts (for throttling)."""
import secrets
from datetime import datetime, timedelta

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, delete, func, or_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..roles import ROLES, role_can


class User(UserMixin, db.Model):
    """A member of the working group with one role."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sessions: Mapped[list["UserSession"]] = relationship(
        back_populates="user", cascade="all, delete-orphan")

    # Set by the user loader: which revocable session this request belongs to.
    session_key = None

    def __init__(self, **kwargs):
        password = kwargs.pop("password", None)
        super().__init__(**kwargs)
        if kwargs.get("role") not in ROLES:
            raise ValueError(f"unknown role {kwargs.get('role')!r}")
        if password is not None:
            self.set_password(password)

    @property
    def display_name(self) -> str:
        """Full name when known, else the user name."""
        return self.full_name or self.username

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """Flask-Login stores the session key, not the user id, so a session can be revoked."""
        return self.session_key or ""

    def set_password(self, password: str) -> None:
        """Hash and store a new password, revoking every open session."""
        self.password_hash = generate_password_hash(password)
        self.sessions.clear()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def can(self, permission: str) -> bool:
        """Whether this user's role holds a permission."""
        return self.active and role_can(self.role, permission)

    def open_session(self, address: str | None, agent: str | None) -> "UserSession":
        """Start a new revocable session (a fresh key at every sign-in)."""
        session = UserSession(key=secrets.token_urlsafe(32), address=address or "",
                              agent=(agent or "")[:200])
        self.sessions.append(session)
        self.session_key = session.key
        return session


class UserSession(db.Model):
    """One signed-in session; deleting the row signs that browser out for good."""

    __tablename__ = "user_sessions"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    address: Mapped[str] = mapped_column(String(64), default="")
    agent: Mapped[str] = mapped_column(String(200), default="")
    # The last request the person made (background polling excluded); None: never since sign-in.
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    user: Mapped[User] = relationship(back_populates="sessions")

    # A person's activity is written at most this often: not one UPDATE per page.
    TOUCH_EVERY = timedelta(minutes=1)

    def expired(self, now: datetime, *, hours: int, idle_minutes: int) -> bool:
        """Older than the absolute limit, or idle longer than the idle limit."""
        seen = self.last_seen_at or self.created_at
        return (now - self.created_at > timedelta(hours=hours)
                or now - seen > timedelta(minutes=idle_minutes))

    def touch(self, now: datetime) -> bool:
        """Note the person's activity; True when the row changed (the caller commits)."""
        if self.last_seen_at is None or now - self.last_seen_at >= self.TOUCH_EVERY:
            self.last_seen_at = now
            return True
        return False

    @classmethod
    def delete_expired(cls, now: datetime, *, hours: int, idle_minutes: int) -> None:
        """Remove every session past either limit (an expired row opens nothing anyway)."""
        idle_since = now - timedelta(minutes=idle_minutes)
        db.session.execute(delete(cls).where(or_(
            cls.created_at < now - timedelta(hours=hours),
            func.coalesce(cls.last_seen_at, cls.created_at) < idle_since)))


class LoginAttempt(db.Model):
    """A sign-in attempt, kept to throttle guessing per user name and per address."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_username_at", "username", "at"),
                      Index("ix_login_attempts_address_at", "address", "at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    success: Mapped[bool]

    @classmethod
    def failures_since(cls, since: datetime, *, username: str | None = None,
                       address: str | None = None) -> int:
        """Failed attempts since an instant, for a user name, an address, or both."""
        query = select(func.count()).select_from(cls).where(cls.at >= since, ~cls.success)
        if username is not None:
            query = query.where(cls.username == username)
        if address is not None:
            query = query.where(cls.address == address)
        return db.session.scalar(query)

    @classmethod
    def begin(cls, username: str, address: str) -> "LoginAttempt":
        """Count an attempt BEFORE its password is checked: the row is committed as a
        failure first, so concurrent attempts in other workers see each other and no race
        between reading the count and adding to it gives an extra guess."""
        attempt = cls(username=username, address=address, success=False)
        db.session.add(attempt)
        db.session.commit()
        return attempt

    @classmethod
    def throttled(cls, username: str, address: str, *, limits: dict,
                  now: datetime | None = None) -> bool:
        """Whether sign-in is blocked now; the counts include the attempt just begun."""
        now = now or utcnow()
        since = now - timedelta(seconds=limits["LOGIN_WINDOW_SECONDS"])
        since_global = now - timedelta(seconds=limits["LOGIN_GLOBAL_WINDOW_SECONDS"])
        return (cls.failures_since(since, username=username, address=address)
                > limits["LOGIN_MAX_FAILURES_PER_USER"]
                or cls.failures_since(since_global, username=username)
                > limits["LOGIN_MAX_FAILURES_PER_USER_GLOBAL"]
                or cls.failures_since(since, address=address)
                > limits["LOGIN_MAX_FAILURES_PER_ADDRESS"])

    @classmethod
    def clear_failures(cls, username: str) -> int:
        """Forget a user name's failed attempts (the leader unlocks an account)."""
        return db.session.execute(
            delete(cls).where(cls.username == username, ~cls.success)).rowcount
