"""The organisation's profile (/anbieter/organisationen/<id>): members and staff edit it, the
public sees the change on offer pages and in the API, a stale form gets 409 with both values,
a name taken by another organisation is refused, other organisations' members get 404."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.models import ChangeRecord, Organization
from directory.providers import organizations as profiles
from tests.conftest import csrf_token
from tests.factories import make_offer, make_org
from tests.workflow_support import mails, make_user


def url_of(org) -> str:
    return f"/anbieter/organisationen/{org.id}"


def profile(org, **overrides) -> dict:
    data = {"name": org.name, "description": org.description or "", "website": org.website or "",
            "email": org.email or "", "phone": org.phone or "", "version": str(org.version)}
    data.update(overrides)
    return data


def post(client, org, **overrides):
    return client.post(url_of(org), data={"csrf_token": csrf_token(client, url_of(org)), **profile(org, **overrides)})


def test_a_member_edits_the_profile_and_the_public_sees_it(app, client, login_as):
    org = make_org(name="Nachbarschaftstreff", approved=True, trusted=True)
    offer = make_offer(organization=org, title="Sprachcafé")
    db.session.commit()
    user = login_as("provider", organizations=[org])
    response = post(client, org, name="Nachbarschaftstreff Rodenbeck", website="https://treff.example.org",
                    phone="0571 123", email="info@treff.example.org", description="Treffpunkt im Quartier")
    assert response.status_code == 302 and response.headers["Location"].endswith(url_of(org))
    db.session.expire_all()
    saved = db.session.get(Organization, org.id)
    assert (saved.name, saved.website, saved.phone, saved.version) == (
        "Nachbarschaftstreff Rodenbeck", "https://treff.example.org", "0571 123", 2)
    page = client.get(f"/angebote/{offer.id}").get_data(as_text=True)
    assert "Nachbarschaftstreff Rodenbeck" in page and 'href="https://treff.example.org"' in page
    assert "0571 123" in page
    api = client.get(f"/api/v1/organizations/{org.id}").get_json()
    assert api["name"] == "Nachbarschaftstreff Rodenbeck" and api["description"] == "Treffpunkt im Quartier"
    assert client.get(f"/api/v1/offers/{offer.id}").get_json()["organization"]["name"] == "Nachbarschaftstreff Rodenbeck"
    entry = db.session.scalar(select(ChangeRecord).where(ChangeRecord.organization_id == org.id))
    assert entry.user_id == user.id and entry.changes["name"] == ["Nachbarschaftstreff", "Nachbarschaftstreff Rodenbeck"]
    assert entry.offer_id is None and entry.version == 2
    assert not mails(kind="organization_edited")  # trusted: no notice to the city
    # the page shows the history entry
    assert "Nachbarschaftstreff Rodenbeck" in client.get(url_of(org)).get_data(as_text=True)


def test_the_search_finds_the_offer_under_the_new_name(app, client, login_as):
    org = make_org(name="Alter Name", approved=True)
    offer = make_offer(organization=org, title="Sprachcafé")
    db.session.commit()
    login_as("provider", organizations=[org])
    assert post(client, org, name="Quartierswerkstatt").status_code == 302
    db.session.expire_all()
    assert "Quartierswerkstatt" in db.session.get(type(offer), offer.id).search_text


def test_a_change_of_an_untrusted_organisation_is_applied_and_the_city_is_told(app, client, login_as):
    make_user("moderator", email="stadt@example.org")
    org = make_org(name="Neuer Verein", approved=False, trusted=False)
    db.session.commit()
    login_as("provider", organizations=[org])
    assert post(client, org, phone="0571 999").status_code == 302
    assert db.session.get(Organization, org.id).phone == "0571 999"
    notice = mails(to="stadt@example.org", kind="organization_edited")
    assert len(notice) == 1 and "0571 999" in notice[0].body
    # saving again without changes records nothing and tells nobody
    db.session.expire_all()
    assert post(client, org).status_code == 302
    assert len(mails(kind="organization_edited")) == 1
    assert len(list(db.session.scalars(select(ChangeRecord).where(ChangeRecord.organization_id == org.id)))) == 1


def test_a_stale_form_gets_409_with_both_values_and_keeps_the_input(app, client, login_as):
    org = make_org(name="Treff", phone="0571 1", approved=True)
    db.session.commit()
    login_as("provider", organizations=[org])
    token = csrf_token(client, url_of(org))
    loaded = profile(org)
    # a colleague saves first
    profiles.save_profile(org, {**profiles.profile_data(org), "phone": "0571 2222"}, make_user("provider", [org]), 1)
    db.session.commit()
    response = client.post(url_of(org), data={"csrf_token": token, **loaded, "phone": "0571 3333",
                                              "description": "Meine lange Beschreibung"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    table = html[html.index('class="diff"'):html.index("</table>")]
    assert "0571 2222" in table and "0571 3333" in table and "Telefon" in table
    assert 'value="0571 3333"' in html and "Meine lange Beschreibung" in html  # nothing lost
    assert re.search(r'name="version" type="hidden" value="2"', html)
    db.session.expire_all()
    assert db.session.get(Organization, org.id).phone == "0571 2222"
    # saving again from the 409 page (version 2) wins
    again = client.post(url_of(org), data={"csrf_token": token, **loaded, "phone": "0571 3333", "version": "2"})
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.get(Organization, org.id).phone == "0571 3333"


def test_a_name_of_another_organisation_is_refused(app, client, login_as):
    make_org(name="Sportverein Minden")
    org = make_org(name="Kleiner Verein")
    db.session.commit()
    login_as("provider", organizations=[org])
    response = post(client, org, name="  sportverein   MINDEN ")
    assert response.status_code == 400
    assert "Eine andere Organisation heißt schon so" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Organization, org.id).name == "Kleiner Verein"
    assert db.session.get(Organization, org.id).version == 1
    # its own name in other letters is fine
    assert post(client, org, name="KLEINER Verein").status_code == 302
    db.session.expire_all()
    assert db.session.get(Organization, org.id).name == "KLEINER Verein"


@pytest.mark.parametrize("field, value", [
    ("name", "Verein\x00"), ("name", "x" * 201), ("name", ""), ("description", "x" * 5001),
    ("website", "javascript://%0aalert(1)"), ("website", "kein Link"), ("email", "keine-adresse"),
    ("phone", "1" * 61), ("version", "abc"), ("version", "9" * 30), ("version", ""),
])
def test_bad_input_is_400_with_a_message(app, client, login_as, field, value):
    org = make_org(name="Verein", approved=True)
    db.session.commit()
    login_as("provider", organizations=[org])
    response = post(client, org, **{field: value})
    assert response.status_code == 400, response.status_code
    html = response.get_data(as_text=True)
    assert "error-box" in html or "Die Anfrage enthält ungültige Angaben" in html or "Steuerzeichen" in html
    db.session.expire_all()
    assert db.session.get(Organization, org.id).version == 1


def test_who_may_open_and_save_the_profile(app, client, login_as):
    org = make_org(name="Eigener Verein")
    other = make_org(name="Fremder Verein")
    db.session.commit()
    url = url_of(org)
    assert client.get(url).status_code == 302 and "/anmelden" in client.get(url).headers["Location"]
    assert client.post(url, data=profile(org, name="Übernommen")).status_code in (302, 400)

    login_as("provider", organizations=[other])
    assert client.get(url).status_code == 404
    token = csrf_token(client, "/anbieter/")
    assert client.post(url, data={"csrf_token": token, **profile(org, name="Übernommen")}).status_code == 404
    login_as("counsellor")
    assert client.get(url).status_code == 403
    for role in ("provider", "moderator", "admin"):
        login_as(role, organizations=[org] if role == "provider" else [])
        assert client.get(url).status_code == 200, role
    assert client.get("/anbieter/organisationen/2147483648").status_code == 404
    assert client.get("/anbieter/organisationen/999999").status_code == 404
    db.session.expire_all()
    assert db.session.get(Organization, org.id).name == "Eigener Verein"
    # a moderator may save any organisation's profile
    login_as("moderator")
    assert post(client, org, name="Vom Amt korrigiert").status_code == 302
    db.session.expire_all()
    assert db.session.get(Organization, org.id).name == "Vom Amt korrigiert"


def test_dashboard_and_the_moderators_list_link_to_the_profile(app, client, login_as):
    org = make_org(name="Verlinkter Verein")
    db.session.commit()
    login_as("provider", organizations=[org])
    assert f'href="{url_of(org)}"' in client.get("/anbieter/").get_data(as_text=True)
    login_as("moderator")
    assert f'href="{url_of(org)}"' in client.get("/moderation/organisationen").get_data(as_text=True)
