"""The migrations build exactly the schema the models describe (an upgrade never drifts)."""


def test_models_and_migrations_agree(observer):
    migrations = observer.extensions["migrate"].directory
    result = observer.test_cli_runner().invoke(args=["db", "check", "-d", migrations])
    assert result.exit_code == 0, result.output
