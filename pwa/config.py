"""Configuration, read from environment variables with durable, safe defaults."""
import os
import secrets
from pathlib import Path


def _secret_key(instance_path: str) -> str:
    """Return SECRET_KEY from the environment, or one kept in the instance folder.

    Never a hard-coded fallback: a leaked default key would let anyone forge sessions.
    """
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def database_driver(url: str) -> str:
    """Name psycopg 3, the driver we install, in a bare postgresql:// URL."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def load(instance_path: str) -> dict:
    """Build the configuration mapping for create_app()."""
    production = os.environ.get("FLASK_ENV_PRODUCTION", "0") == "1"
    session_hours = int(os.environ.get("SESSION_HOURS", 12))
    database_url = os.environ.get("DATABASE_URL") or (
        "sqlite:///" + os.path.join(instance_path, "tiep-cong-dan.sqlite")
    )
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_driver(database_url),
        # A visit with its text fields is a few KB; 2 MiB leaves room and stops abuse early.
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)),
        # Phones reduce photos to about 1600 px before storing them (a few hundred KB).
        "PHOTO_MAX_BYTES": int(os.environ.get("PHOTO_MAX_BYTES", 1536 * 1024)),
        # The unit's own clock: dates, shifts and reports follow local time.
        "TIMEZONE": os.environ.get("TIMEZONE", "Asia/Ho_Chi_Minh"),
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("TIMEZONE", "Asia/Ho_Chi_Minh"),
        "LANGUAGES": ["vi", "en"],
        # Cookies: not readable by scripts, not sent cross-site, HTTPS-only in production.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_NAME": "tcd_session",
        # A shared tablet must not stay signed in for days: 12 hours covers a duty day. The
        # limit is absolute (counted from sign-in, enforced on the server's session row); the
        # cookie does not slide with each request either.
        "SESSION_HOURS": session_hours,
        "PERMANENT_SESSION_LIFETIME": session_hours * 3600,
        "SESSION_REFRESH_EACH_REQUEST": False,
        # Idle limit: a desk has long lulls between citizens, and signing in again after each
        # would push officers to share one password; an hour without a person's own request
        # (background polling does not count, see security.is_background) means the tablet is
        # most likely unattended in a public room.
        "SESSION_IDLE_MINUTES": int(os.environ.get("SESSION_IDLE_MINUTES", 60)),
        # CSRF tokens live no longer than a session, so a form left open over lunch still posts.
        "WTF_CSRF_TIME_LIMIT": session_hours * 3600,
        "PRODUCTION": production,
        # Sign-in throttling. Per user name from one address: 5 failures in 15 minutes (so a
        # stranger elsewhere cannot lock the leader out with five guesses); per user name from
        # anywhere, a slower limit against guessing spread over many addresses; per address,
        # over all user names. The leader clears an account's failures on its admin page.
        "LOGIN_MAX_FAILURES_PER_USER": 5,
        "LOGIN_MAX_FAILURES_PER_ADDRESS": 20,
        "LOGIN_WINDOW_SECONDS": 15 * 60,
        "LOGIN_MAX_FAILURES_PER_USER_GLOBAL": 30,
        "LOGIN_GLOBAL_WINDOW_SECONDS": 60 * 60,
        # Behind a reverse proxy, trust this many X-Forwarded-For hops for the client address.
        "PROXY_HOPS": int(os.environ.get("PROXY_HOPS", 0)),
        **({"APP_VERSION": os.environ["APP_VERSION"]} if os.environ.get("APP_VERSION") else {}),
    }
