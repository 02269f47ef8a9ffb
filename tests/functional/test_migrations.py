"""The migrations build exactly the schema the models describe (an upgrade never drifts)."""


def test_models_and_migrations_agree(observer):
    migrations = observer.extensions["migrate"].directory
    result = observer.test_cli_runner().invoke(args=["db", "check", "-d", migrations])
    assert result.exit_code == 0, result.output


def test_sealed_visits_stored_before_look_ahead_sealing_are_rewritten(observer, client):
    """Given a sealed visit whose earlier amendment still shows the identity (as stored
    before sealing looked ahead), the data migration moves it into the sealed history."""
    from pwa.extensions import db
    from pwa.models import DenouncerIdentity, VisitAmendment
    from tests.helpers import login, submit_visit, user_id
    from tests.functional.test_visits import DENUNCIATION

    login(client, "desk")
    url = submit_visit(client, DENUNCIATION).headers["Location"]
    visit_id = url.rsplit("/", 1)[1]
    migrations = observer.extensions["migrate"].directory
    author = user_id(observer, "desk")
    with observer.app_context():
        amendment = VisitAmendment(id="00000000-0000-4000-8000-000000000001", visit_id=visit_id,
                                   author_id=author, reason="cũ",
                                   changes={"citizen_name": ["Tên Cũ", "Người Tố Cáo"],
                                            "content": ["a", "b"]})
        db.session.add(amendment)
        db.session.commit()
        _run_upgrade("7a1c0e5d9b42_seal_earlier_amendments.py", migrations)
        db.session.expire_all()
        changes = db.session.get(VisitAmendment, amendment.id).changes
        assert changes == {"citizen_name": [None, None], "content": ["a", "b"]}
        history = db.session.get(DenouncerIdentity, visit_id).history
        assert history[-1]["from"] == "Tên Cũ" and history[-1]["to"] == "Người Tố Cáo"
    assert "Tên Cũ" not in client.get(url).text


def _run_upgrade(filename: str, migrations: str) -> None:
    """Run one revision's upgrade() against the database as it is (other revisions untouched,
    whatever the integrator chains after it)."""
    import importlib.util
    from pathlib import Path

    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    from pwa.extensions import db
    spec = importlib.util.spec_from_file_location("revision", Path(migrations) / "versions"
                                                  / filename)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with db.engine.begin() as connection:
        with Operations.context(MigrationContext.configure(connection)):
            module.upgrade()


def test_the_database_refuses_to_change_the_audit_log_on_postgresql(observer, client):
    """PostgreSQL only (the trigger's migration does nothing on SQLite)."""
    import pytest
    import sqlalchemy as sa

    from pwa.extensions import db
    from tests.helpers import login
    login(client, "leader")                  # writes a sign_in entry
    with observer.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the trigger exists on PostgreSQL only")
        for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                with db.engine.begin() as connection:
                    connection.execute(sa.text(statement))
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM audit_log")).scalar() >= 1
