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
        runner = observer.test_cli_runner()
        for args in (["db", "downgrade", "-d", migrations, "455369fabb22"],
                     ["db", "upgrade", "-d", migrations]):
            result = runner.invoke(args=args)
            assert result.exit_code == 0, result.output
        db.session.expire_all()
        changes = db.session.get(VisitAmendment, amendment.id).changes
        assert changes == {"citizen_name": [None, None], "content": ["a", "b"]}
        history = db.session.get(DenouncerIdentity, visit_id).history
        assert history[-1]["from"] == "Tên Cũ" and history[-1]["to"] == "Người Tố Cáo"
    assert "Tên Cũ" not in client.get(url).text
