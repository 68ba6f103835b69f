"""CLI of the providers' workflow and the demo accounts: create-user, outbox, demo logins."""
from __future__ import annotations

from sqlalchemy import func, select

from directory.core.mail import send_mail
from directory.extensions import db
from directory.models import User
from directory.seeding import demo_accounts
from tests.factories import make_org


def test_create_user_makes_the_first_admin_and_can_reset_a_password(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "chefin@example.org", "--role", "admin", "--name", "Chefin"],
                           input="ein-starkes-passwort\nein-starkes-passwort\n")
    assert result.exit_code == 0 and "Created admin chefin@example.org" in result.output
    user = db.session.scalar(select(User).where(User.email == "chefin@example.org"))
    assert user.role == "admin" and user.check_password("ein-starkes-passwort")
    short = runner.invoke(args=["create-user", "chefin@example.org", "--password", "kurz"])
    assert short.exit_code != 0 and "10 characters" in short.output
    again = runner.invoke(args=["create-user", "chefin@example.org", "--role", "moderator", "--password", "noch-ein-passwort"])
    assert "Updated moderator" in again.output
    db.session.refresh(user)
    assert user.role == "moderator" and user.check_password("noch-ein-passwort")


def test_outbox_command_prints_the_mails(app):
    runner = app.test_cli_runner()
    assert "The outbox is empty." in runner.invoke(args=["outbox"]).output
    send_mail("a@example.org", "Betreff", "Hallo\nhttp://127.0.0.1:5000/x", kind="test")
    db.session.commit()
    output = runner.invoke(args=["outbox", "--to", "a@example.org"]).output
    assert "to a@example.org  [test]" in output and "Subject: Betreff" in output and "http://127.0.0.1:5000/x" in output


def test_smtp_failure_keeps_the_mail_in_the_outbox(app):
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=1)  # nothing listens on port 1
    send_mail("b@example.org", "Betreff", "Text")
    db.session.commit()
    runner = app.test_cli_runner()
    assert "NOT DELIVERED" in runner.invoke(args=["outbox"]).output


def test_demo_accounts_join_their_demo_organisations_once(app):
    make_org(name="Familienzentrum Bärenkämpen", external_id="demo:fz-baerenkaempen")
    make_org(name="SV Weserufer 1921 e.V.", external_id="demo:sv-weserufer")
    db.session.commit()
    assert demo_accounts.load() == 5
    db.session.commit()
    assert demo_accounts.load() == 0
    provider = db.session.scalar(select(User).where(User.email == "familienzentrum@wegweiser.example"))
    assert [o.name for o in provider.organizations] == ["Familienzentrum Bärenkämpen"]
    assert provider.check_password(demo_accounts.DEMO_PASSWORD)
    assert db.session.scalar(select(func.count(User.id)).where(User.role == "moderator")) == 1
