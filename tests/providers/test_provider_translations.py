"""Providers translate their offers; visitors see the translation with a marker."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.models import ChangeRecord, OfferTranslation
from tests.conftest import csrf_token
from tests.factories import make_offer, make_org

URL = "/anbieter/angebote/{id}/uebersetzungen"


@pytest.fixture
def own_offer(app):
    """An offer of a trusted organisation: its translations are published at once."""
    org = make_org(name="Sprachtreff e.V.", trusted=True)
    offer = make_offer(organization=org, title="Sprachcafé am Markt", summary="Deutsch üben bei Tee.",
                       plain_summary="Sie üben Deutsch. Es gibt Tee.", description="Jeden Dienstag.")
    db.session.commit()
    return offer


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, url), **data})


def test_overview_lists_every_interface_language(client, login_as, own_offer):
    login_as("provider", organizations=[own_offer.organization])
    html = client.get(URL.format(id=own_offer.id)).get_data(as_text=True)
    for code, native in (("ar", "العربية"), ("uk", "Українська"), ("ku", "Kurdî"), ("en", "English")):
        assert f'<span lang="{code}"' in html and native in html
    assert 'data-lang="de"' not in html


def test_provider_saves_a_translation_and_visitors_see_it(client, login_as, own_offer):
    user = login_as("provider", organizations=[own_offer.organization])
    url = URL.format(id=own_offer.id) + "/ar"
    form = client.get(url).get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in form and "Deutsch üben bei Tee." in form  # original shown
    response = post(client, url, title="مقهى اللغة في السوق", summary="تدرّب على الألمانية مع الشاي.",
                    description="", plain_summary="", action="save")
    assert response.status_code == 302
    translation = db.session.scalar(select(OfferTranslation).where(OfferTranslation.offer_id == own_offer.id))
    assert (translation.language_code, translation.source, translation.updated_by) == ("ar", "provider", user.id)
    record = db.session.scalar(select(ChangeRecord).where(ChangeRecord.offer_id == own_offer.id))
    assert record.action == "translated" and "title[ar]" in record.changes

    client.get("/de/")  # visitor switches language (cookie), then reads the offer in Arabic
    page = client.get(f"/ar/angebote/{own_offer.id}").get_data(as_text=True)
    assert '<h1>مقهى اللغة في السوق</h1>' in page
    assert "ترجمة من الجهة المقدمة" in page
    assert re.search(r'<div lang="de" dir="ltr"><p>Jeden Dienstag.</p></div>', page)  # not translated
    listing = client.get("/ar/?q=السوق").get_data(as_text=True)  # found by its Arabic words
    assert "مقهى اللغة في السوق" in listing
    # German visitors still see German, without a marker
    page = client.get(f"/de/angebote/{own_offer.id}").get_data(as_text=True)
    assert "<h1>Sprachcafé am Markt</h1>" in page and "vom Anbieter übersetzt" not in page


def test_empty_or_too_long_input_is_refused_without_losing_it(client, login_as, own_offer):
    login_as("provider", organizations=[own_offer.organization])
    url = URL.format(id=own_offer.id) + "/uk"
    response = post(client, url, title="", summary="", description="", plain_summary="", action="save")
    assert response.status_code == 400
    assert "Bitte mindestens ein Feld ausfüllen" in response.get_data(as_text=True)
    response = post(client, url, title="Кав'ярня", summary="я" * 501, description="", plain_summary="",
                    action="save")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Höchstens 500 Zeichen." in html
    assert "Кав&#39;ярня" in html  # what was typed is still there
    assert db.session.scalar(select(OfferTranslation)) is None


def test_other_organisations_and_unknown_languages_get_404(client, login_as, own_offer):
    login_as("provider", organizations=[make_org(name="Andere")])
    assert client.get(URL.format(id=own_offer.id)).status_code == 404
    assert client.get(URL.format(id=own_offer.id) + "/ar").status_code == 404
    login_as("provider", organizations=[own_offer.organization])
    assert client.get(URL.format(id=own_offer.id) + "/de").status_code == 404
    assert client.get(URL.format(id=own_offer.id) + "/xx").status_code == 404


def test_signed_out_visitors_are_sent_to_the_login(client, own_offer):
    response = client.get(URL.format(id=own_offer.id))
    assert response.status_code == 302 and "/anmelden" in response.headers["Location"]


def test_post_without_csrf_token_is_refused(client, login_as, own_offer):
    login_as("provider", organizations=[own_offer.organization])
    response = client.post(URL.format(id=own_offer.id) + "/ar", data={"title": "x", "action": "save"})
    assert response.status_code == 400
    assert db.session.scalar(select(OfferTranslation)) is None


def test_deleting_a_translation_removes_it_from_page_and_search(client, login_as, own_offer):
    login_as("provider", organizations=[own_offer.organization])
    url = URL.format(id=own_offer.id) + "/fa"
    post(client, url, title="کافه زبان بازار", summary="", description="", plain_summary="", action="save")
    assert "بازار" in own_offer.search_text
    response = post(client, url + "/loeschen")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(OfferTranslation)) is None
    assert "بازار" not in db.session.get(type(own_offer), own_offer.id).search_text
    assert "کافه زبان بازار" not in client.get(f"/fa/angebote/{own_offer.id}").get_data(as_text=True)


def test_machine_suggestion_only_when_configured_and_never_published_unsaved(client, app, login_as, own_offer):
    login_as("provider", organizations=[own_offer.organization])
    url = URL.format(id=own_offer.id) + "/en"
    assert "Maschinellen Vorschlag" not in client.get(url).get_data(as_text=True)
    # with the hook off, the action does nothing
    response = post(client, url, title="", summary="", description="", plain_summary="", action="suggest")
    assert response.status_code == 200
    from tests.fake_translator import make

    app.extensions["wegweiser_translator"] = make({})
    try:
        html = client.get(url).get_data(as_text=True)
        assert "Maschinellen Vorschlag" in html
        response = post(client, url, title="Language café", summary="", description="", plain_summary="",
                        action="suggest")
        html = response.get_data(as_text=True)
        assert "Language café" in html  # typed text is kept
        assert "[en] Deutsch üben bei Tee." in html and "Maschineller Vorschlag – bitte prüfen." in html
        assert db.session.scalar(select(OfferTranslation)) is None  # nothing saved yet
    finally:
        app.extensions.pop("wegweiser_translator")


def test_the_offer_editor_links_to_the_translations(client, login_as, own_offer):
    login_as("provider", organizations=[own_offer.organization])
    html = client.get(f"/anbieter/angebote/{own_offer.id}").get_data(as_text=True)
    assert f'href="/anbieter/angebote/{own_offer.id}/uebersetzungen"' in html


# --- untrusted organisations: translations are moderated; stale saves are told --------------------

@pytest.fixture
def untrusted_offer(app):
    org = make_org(name="Neuer Verein", trusted=False)
    offer = make_offer(organization=org, title="Nähcafé", summary="Gemeinsam nähen.")
    db.session.commit()
    return offer


def test_untrusted_translation_waits_for_moderation_and_is_then_public(client, login_as, untrusted_offer):
    from tests.workflow_support import mails, make_user

    moderator = make_user("moderator", email="stadt@example.org")
    author = login_as("provider", organizations=[untrusted_offer.organization])
    url = URL.format(id=untrusted_offer.id) + "/en"
    assert "Zur Prüfung einreichen" in client.get(url).get_data(as_text=True)
    response = post(client, url, title="Sewing café", summary="Sewing together.", description="",
                    plain_summary="", action="save", version="0")
    assert response.status_code == 302
    page = client.get(f"/en/angebote/{untrusted_offer.id}").get_data(as_text=True)
    assert "Sewing café" not in page and "Nähcafé" in page  # not public yet
    assert "Sewing café" not in db.session.get(type(untrusted_offer), untrusted_offer.id).search_text
    assert "Sewing café" in client.get(url).get_data(as_text=True)  # the author sees the proposal
    (notice,) = mails(to=moderator.email, kind="submitted")
    assert "/moderation/uebersetzungen/" in notice.body

    translation = db.session.scalar(select(OfferTranslation))
    login_as("moderator")
    assert f'data-translation-id="{translation.id}"' in client.get("/moderation/").get_data(as_text=True)
    review = f"/moderation/uebersetzungen/{translation.id}"
    token = csrf_token(client, review)
    first = client.post(review + "/freigeben", data={"csrf_token": token, "version": str(translation.version)})
    again = client.post(review + "/freigeben", data={"csrf_token": token, "version": str(translation.version)},
                        follow_redirects=True)
    assert first.status_code == 302 and again.status_code == 200
    # the moderator's pages are in English here (the /en/ pages above set the language)
    assert "already dealt with" in again.get_data(as_text=True)
    assert "Sewing café" in client.get(f"/en/angebote/{untrusted_offer.id}").get_data(as_text=True)
    approvals = db.session.scalars(select(ChangeRecord).where(ChangeRecord.action == "translation_approved")).all()
    assert len(approvals) == 1 and len(mails(to=author.email, kind="moderation_result")) == 1


def test_returned_translation_stays_unpublished(client, login_as, untrusted_offer):
    login_as("provider", organizations=[untrusted_offer.organization])
    url = URL.format(id=untrusted_offer.id) + "/en"
    post(client, url, title="Sewing", summary="", description="", plain_summary="", action="save", version="0")
    translation = db.session.scalar(select(OfferTranslation))
    login_as("moderator")
    review = f"/moderation/uebersetzungen/{translation.id}"
    response = client.post(review + "/zurueckgeben", data={"csrf_token": csrf_token(client, review),
                                                          "version": str(translation.version), "reason": "unvollständig"})
    assert response.status_code == 302
    assert db.session.scalar(select(OfferTranslation)) is None  # never published: nothing left
    assert "Sewing" not in client.get(f"/en/angebote/{untrusted_offer.id}").get_data(as_text=True)


def test_stale_translation_save_is_a_conflict_with_the_differences(client, login_as, own_offer):
    login_as("provider", organizations=[own_offer.organization])
    url = URL.format(id=own_offer.id) + "/en"
    assert post(client, url, title="Language café", summary="", description="", plain_summary="",
                action="save", version="0").status_code == 302
    translation = db.session.scalar(select(OfferTranslation))
    loaded = str(translation.version)
    assert post(client, url, title="Language café at the market", summary="", description="", plain_summary="",
                action="save", version=loaded).status_code == 302
    stale = post(client, url, title="Café of languages", summary="", description="", plain_summary="",
                 action="save", version=loaded)
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "Language café at the market" in html and "Café of languages" in html and 'class="diff"' in html
    db.session.expire_all()
    assert db.session.scalar(select(OfferTranslation)).title == "Language café at the market"
    # a second first save (someone created the translation meanwhile) is a conflict too
    assert post(client, URL.format(id=own_offer.id) + "/en", title="Other", summary="", description="",
                plain_summary="", action="save", version="0").status_code == 409
