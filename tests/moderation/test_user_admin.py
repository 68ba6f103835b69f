"""User management (/moderation/konten, admins only): the list, changing a role, deactivating
(which ends the user's sessions) and reactivating; the last active admin stays; a stale form
gets 409 with both values."""
from __future__ import annotations

import pytest

from directory.accounts import users as accounts
from directory.extensions import db
from directory.models import User, utcnow
from tests.accounts.test_sessions import forget_request_state, log_in
from tests.conftest import csrf_token
from tests.factories import make_org
from tests.workflow_support import make_user


def save(client, user, **overrides):
    url = f"/moderation/konten/{user.id}"
    forget_request_state()
    data = {"csrf_token": csrf_token(client, url), "role": user.role, "version": str(user.version)}
    if user.active:
        data["active"] = "y"
    data.update(overrides)
    data = {k: v for k, v in data.items() if v is not None}
    forget_request_state()
    return client.post(url, data=data)


def test_the_list_shows_role_organisations_state_and_last_login(app, client, login_as):
    org = make_org(name="Sportverein Minden")
    db.session.commit()
    member = make_user("provider", [org], email="trainer@example.org")
    member.last_login_at = utcnow()
    make_user("counsellor", email="beratung@example.org").active = False
    db.session.commit()
    login_as("admin")
    html = client.get("/moderation/konten").get_data(as_text=True)
    row = html[html.index(f'data-user-id="{member.id}"'):]
    row = row[:row.index("</tr>")]
    assert "trainer@example.org" in row and "Sportverein Minden" in row and "Anbieter" in row and "ja" in row
    assert "beratung@example.org" in html and "nein" in html
    filtered = client.get("/moderation/konten?q=TRAINER&role=provider").get_data(as_text=True)
    assert "trainer@example.org" in filtered and "beratung@example.org" not in filtered
    assert client.get("/moderation/konten?role=boss").status_code == 400
    assert client.get("/moderation/konten?page=0").status_code == 400
    assert client.get("/moderation/konten?q=a%00b").status_code == 400
    # the moderation navigation links to it for admins only
    assert 'href="/moderation/konten"' in client.get("/moderation/").get_data(as_text=True)
    login_as("moderator")
    assert 'href="/moderation/konten"' not in client.get("/moderation/").get_data(as_text=True)


def test_who_may_use_the_user_management(app, client, login_as):
    target = make_user("provider", email="ziel@example.org")
    org = make_org()
    db.session.commit()
    for url in ("/moderation/konten", f"/moderation/konten/{target.id}"):
        response = client.get(url)
        assert response.status_code == 302 and "/anmelden" in response.headers["Location"], url
    for role in ("provider", "counsellor", "moderator"):
        login_as(role, organizations=[org] if role == "provider" else [])
        for url in ("/moderation/konten", f"/moderation/konten/{target.id}"):
            assert client.get(url).status_code == 403, (role, url)
        forget_request_state()
        token = csrf_token(client, "/konto/")
        assert client.post(f"/moderation/konten/{target.id}", data={
            "csrf_token": token, "role": "admin", "active": "y", "version": "1"}).status_code == 403, role
    db.session.expire_all()
    assert db.session.get(User, target.id).role == "provider"
    login_as("admin")
    assert client.get(f"/moderation/konten/{target.id}").status_code == 200
    assert client.get("/moderation/konten/2147483648").status_code == 404
    assert client.get("/moderation/konten/999999").status_code == 404


def test_an_admin_changes_a_role_and_deactivation_ends_the_sessions(app, client, login_as):
    make_user("provider", email="bernd@example.org")
    bernd_client = app.test_client()
    assert log_in(bernd_client, "bernd@example.org").status_code == 302
    bernd = db.session.scalar(db.select(User).where(User.email == "bernd@example.org"))
    login_as("admin")
    assert save(client, bernd, role="moderator").status_code == 302
    db.session.expire_all()
    bernd = db.session.get(User, bernd.id)
    assert bernd.role == "moderator" and bernd.version == 2
    forget_request_state()
    assert bernd_client.get("/moderation/").status_code == 200  # a role change keeps the session
    assert save(client, bernd, active=None).status_code == 302  # checkbox off: deactivated
    db.session.expire_all()
    assert db.session.get(User, bernd.id).active is False
    forget_request_state()
    assert bernd_client.get("/moderation/").status_code == 302  # signed out
    assert log_in(app.test_client(), "bernd@example.org").status_code == 401
    # reactivated, Bernd can sign in again
    assert save(client, db.session.get(User, bernd.id), active="y").status_code == 302
    assert log_in(app.test_client(), "bernd@example.org").status_code == 302


def test_the_last_active_admin_cannot_demote_or_deactivate_themselves(app, client, login_as):
    admin = login_as("admin")
    for overrides in ({"role": "moderator"}, {"active": None}):
        response = save(client, admin, **overrides)
        assert response.status_code == 400, overrides
        assert "keine aktive Administration" in response.get_data(as_text=True)
        db.session.expire_all()
        me = db.session.get(User, admin.id)
        assert (me.role, me.active, me.version) == ("admin", True, 1)
    # an inactive second admin does not count
    make_user("admin", email="ruhend@example.org").active = False
    db.session.commit()
    assert save(client, db.session.get(User, admin.id), role="moderator").status_code == 400
    # with another active admin, stepping down works (and leads away from the admin pages)
    make_user("admin", email="zweite@example.org")
    response = save(client, db.session.get(User, admin.id), role="moderator")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, admin.id).role == "moderator"


def test_last_admin_guard_in_the_domain_function(app):
    only = make_user("admin", email="einzige@example.org")
    with pytest.raises(accounts.LastAdmin):
        accounts.set_role_and_state(only, "admin", False, only.version)
    db.session.rollback()  # the caller's part: the change was written before the count
    assert (only.active, only.version) == (True, 1)
    other = make_user("admin", email="andere@example.org")
    assert accounts.set_role_and_state(only, "provider", True, only.version) == {"role": ["admin", "provider"]}
    db.session.commit()
    with pytest.raises(accounts.LastAdmin):
        accounts.set_role_and_state(other, "counsellor", True, other.version)
    db.session.rollback()
    # demoting a non-admin never needs another admin
    assert accounts.set_role_and_state(only, "moderator", False, only.version) == {
        "role": ["provider", "moderator"], "active": [True, False]}


def test_a_stale_user_form_gets_409_with_both_values(app, client, login_as):
    target = make_user("provider", email="ziel@example.org")
    login_as("admin")
    url = f"/moderation/konten/{target.id}"
    forget_request_state()
    token = csrf_token(client, url)
    accounts.set_role_and_state(target, "counsellor", True, 1)  # another admin saves first
    db.session.commit()
    forget_request_state()
    response = client.post(url, data={"csrf_token": token, "role": "moderator", "active": "y", "version": "1"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    table = html[html.index('class="diff"'):html.index("</table>")]
    assert "Beratung" in table and "Moderation" in table
    assert '<option selected value="moderator">' in html  # the admin's choice stays in the form
    db.session.expire_all()
    assert db.session.get(User, target.id).role == "counsellor"


@pytest.mark.parametrize("overrides", [{"role": "boss"}, {"role": ""}, {"version": "abc"}, {"version": "9" * 20},
                                       {"role": "admin\x00"}])
def test_bad_input_is_400(app, client, login_as, overrides):
    target = make_user("provider", email="ziel@example.org")
    login_as("admin")
    assert save(client, target, **overrides).status_code == 400
    db.session.expire_all()
    assert db.session.get(User, target.id).version == 1
