"""The set-up commands others depend on: init-db, create-user, seed-demo."""
import sqlalchemy as sa

from pwa.extensions import db
from pwa.models import Unit, User, Visit


def test_create_user_reads_the_password_from_stdin(observer, ctx):
    result = observer.test_cli_runner().invoke(
        args=["create-user", "Chanh.VP", "--role", "deputy", "--full-name", "Đỗ Văn Chánh"],
        input="a long enough password\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.username == "chanh.vp"))
    assert user.role == "deputy" and user.check_password("a long enough password")


def test_create_user_refuses_short_passwords_and_unknown_roles(observer, ctx):
    runner = observer.test_cli_runner()
    assert runner.invoke(args=["create-user", "x1", "--role", "desk"], input="short\n").exit_code
    assert runner.invoke(args=["create-user", "x2", "--role", "boss"],
                         input="a long enough password\n").exit_code
    assert db.session.scalar(sa.select(User).where(User.username.in_(["x1", "x2"]))) is None


def test_seed_demo_loads_units_accounts_and_visits_once(observer, ctx):
    runner = observer.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "totruong" in first.output and "leader" in first.output
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit)) == 28
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 5
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 10


def test_init_db_is_safe_to_run_again(observer):
    result = observer.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
