"""Fixtures: the app on a real database (SQLite by default, PostgreSQL via TEST_DATABASE_URL),
a WebTest client with CSRF left on, and one account per role."""
import functools
import os

import pytest
import sqlalchemy as sa
import webtest

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")

from hypothesis import HealthCheck, Phase, settings  # noqa: E402

# The suite cannot flip: generated tests run derandomized (the same examples on every run,
# from a seed derived from the test) with no example database carried between runs.
# `make fuzz` loads "fuzz": random, many examples, failures kept to replay.
settings.register_profile("ci", derandomize=True, database=None, max_examples=40,
                          deadline=None, print_blob=True,
                          suppress_health_check=list(HealthCheck))
settings.register_profile("fuzz", derandomize=False,
                          max_examples=int(os.environ.get("FUZZ_EXAMPLES", 1000)),
                          deadline=None, print_blob=True,
                          phases=list(Phase), suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

from pwa import create_app  # noqa: E402
from pwa.cli import load_reference_data  # noqa: E402
from pwa.extensions import db  # noqa: E402
from pwa.models import User  # noqa: E402
from tests.helpers import PASSWORD, login  # noqa: E402

ROLES = ("leader", "deputy", "member", "desk", "viewer")


@functools.cache
def _password_hash() -> str:
    """Hash the shared test password once: scrypt is slow on purpose."""
    from werkzeug.security import generate_password_hash
    return generate_password_hash(PASSWORD)


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        from pwa.config import database_driver
        return database_driver(url)
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """One app for the session, its schema built by the real migrations."""
    from flask_migrate import upgrade
    app = create_app({"TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path_factory)},
                     instance_path=str(tmp_path_factory.mktemp("instance")))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(directory=app.extensions["migrate"].directory)
    return app


@pytest.fixture(autouse=True)
def clean_db(app):
    """Every test starts from reference data and one account per role."""
    with app.app_context():
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(t.name for t in tables)
                conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(table.delete())
        load_reference_data()
        for role in ROLES:
            db.session.add(User(username=role, full_name=f"{role.title()} Nguyễn",
                                role=role, password_hash=_password_hash()))
        db.session.commit()
    yield


@pytest.fixture(scope="session")
def observer(app, tmp_path_factory):
    """A second app on the same database, for checking it from tests.

    Requests reuse an app context that is already pushed for their own app (and with it
    flask.g), so tests look at the database through another app instance instead.
    """
    return create_app({"TESTING": True,
                       "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]},
                      instance_path=str(tmp_path_factory.mktemp("observer-instance")))


@pytest.fixture
def ctx(observer):
    """An application context (of the observer app) for checking the database directly."""
    with observer.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    """A WebTest client (CSRF on, as in production)."""
    return webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "10.0.0.1"})


@pytest.fixture
def as_role(client):
    """Sign the client in with the given role and return it."""
    def sign_in(role):
        response = login(client, role)
        assert response.status_int == 302, response.text[:500]
        return client
    return sign_in


@pytest.fixture
def clock(monkeypatch):
    """Move the app's clock (pwa.database.utcnow, the one every rule reads) forward by some
    minutes: session limits are tested without sleeping."""
    from datetime import timedelta

    import pwa.database
    real = pwa.database.utcnow
    state = {"offset": timedelta()}
    monkeypatch.setattr(pwa.database, "utcnow", lambda: real() + state["offset"])

    def advance(minutes):
        state["offset"] += timedelta(minutes=minutes)
    return advance

