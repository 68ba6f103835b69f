"""The embeddable widget and its configurator."""
from __future__ import annotations

import re

import pytest

from directory.extensions import db
from directory.opendata import widget
from tests.factories import make_offer, make_org


def listed(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'class="ww-item" data-offer-id="(\d+)"', html)]


@pytest.mark.parametrize("raw, colour", [
    (None, widget.DEFAULT_ACCENT), ("", widget.DEFAULT_ACCENT), ("#C0392B", "#c0392b"),
    ("c0392b", "#c0392b"), ("#abc", "#aabbcc"),
])
def test_accent_colours_are_normalised(raw, colour):
    assert widget.parse_accent(raw) == colour


@pytest.mark.parametrize("raw", ["red", "#12345", "#1234567", "#ggg", "#fff;background:url(x)", "</style>"])
def test_anything_else_is_not_a_colour(raw):
    with pytest.raises(ValueError):
        widget.parse_accent(raw)


def test_text_on_the_accent_stays_readable():
    assert widget.readable_text_on("#005a9c") == "#ffffff"
    assert widget.readable_text_on("#ffe680") == "#000000"


def test_widget_shows_the_filtered_offers(demo_client):
    api = demo_client.get("/api/v1/offers?district=baerenkaempen&language=ar&per_page=50").get_json()
    html = demo_client.get("/widget?district=baerenkaempen&language=ar&limit=50").get_data(as_text=True)
    assert listed(html) == [o["id"] for o in api["data"]]
    assert f'data-total="{api["meta"]["total"]}"' in html
    assert "Bärenkämpen · Arabisch" in html


def test_widget_for_one_organization_and_limit(app, client):
    ours, other = make_org(name="Unser Verein"), make_org(name="Anderer Verein")
    mine = [make_offer(organization=ours, title=f"Unser Angebot {i}") for i in range(3)]
    make_offer(organization=other, title="Fremdes Angebot")
    make_offer(organization=ours, title="Unser Entwurf", status="draft")
    db.session.commit()
    html = client.get(f"/widget?organization={ours.id}&limit=2").get_data(as_text=True)
    assert len(listed(html)) == 2 and set(listed(html)) <= {o.id for o in mine}
    assert "Fremdes Angebot" not in html and "Unser Entwurf" not in html
    assert "Angebote von Unser Verein" in html and 'data-total="3"' in html


@pytest.mark.parametrize("query, field", [
    ("accent=red", "accent"), ("accent=%23fff%3Bx", "accent"), ("organization=999999", "organization"),
    ("organization=abc", "organization"), ("limit=0", "limit"), ("limit=51", "limit"),
    ("district=atlantis", "district"), ("title=" + "x" * 121, "title"),
])
def test_bad_settings_get_a_400_with_a_message(demo_client, query, field):
    response = demo_client.get("/widget?" + query)
    assert response.status_code == 400
    assert f'data-param="{field}"' in response.get_data(as_text=True)


def test_widget_has_no_cookies_no_third_party_and_may_be_framed(demo_client):
    for url in ("/widget?district=innenstadt", "/widget?lang=en&district=innenstadt", "/en/widget", "/widget?accent=bad"):
        response = demo_client.get(url, follow_redirects=True)
        assert "Set-Cookie" not in response.headers, url
        assert "X-Frame-Options" not in response.headers
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors *" in csp and "default-src 'none'" in csp
    html = demo_client.get("/widget").get_data(as_text=True)
    external = [u for u in re.findall(r'(?:src|href)="([^"]+)"', html) if not u.startswith(("/", "http://localhost/"))]
    assert external == []


def test_provider_text_is_escaped_in_the_widget(app, client):
    make_offer(title="<img src=x onerror=alert(1)>", organization=make_org(name="<b>Verein</b>"))
    db.session.commit()
    html = client.get("/widget?title=%3Cscript%3E").get_data(as_text=True)
    assert "<img src=x" not in html and "<b>Verein" not in html and "<script>" not in html.split("<body", 1)[1].split("<script src", 1)[0]


def test_configurator_shows_preview_and_snippets(demo_client):
    html = demo_client.get("/daten/widget?district=baerenkaempen&accent=%23c0392b&limit=5").get_data(as_text=True)
    assert 'class="widget-preview" src="http://localhost/widget?district=baerenkaempen&amp;accent=%23c0392b&amp;limit=5"' in html
    assert "&lt;iframe src=" in html and "data-wegweiser-widget" in html and "wegweiser-widget.js" in html
    bad = demo_client.get("/daten/widget?accent=nope")
    assert bad.status_code == 400 and "Hex-Farbe" in bad.get_data(as_text=True)


def test_search_page_offers_the_widget_for_its_filters(demo_client):
    html = demo_client.get("/?district=baerenkaempen&language=ar").get_data(as_text=True)
    assert "/daten/widget?district=baerenkaempen&amp;language=ar" in html


def test_configurator_can_fix_the_widget_language(demo_client):
    html = demo_client.get("/daten/widget?district=innenstadt&widget_lang=de").get_data(as_text=True)
    assert "widget?district=innenstadt&amp;lang=de" in html and 'data-lang="de"' in html
    assert demo_client.get("/daten/widget?widget_lang=xx").status_code == 400
    framed = demo_client.get("/widget?district=innenstadt&lang=de", follow_redirects=True)
    assert framed.status_code == 200 and '<html lang="de"' in framed.get_data(as_text=True)


def test_empty_form_fields_mean_not_chosen(demo_client):
    response = demo_client.get("/daten/widget?organization=&district=baerenkaempen&language=&limit=4&title=&widget_lang=")
    assert response.status_code == 200
    assert demo_client.get("/widget?district=&language=ar").status_code == 200


def test_widget_does_not_name_an_unapproved_organisation(app, client):
    hidden = make_org(name="Noch nicht freigegeben e.V.", approved=False)
    make_offer(organization=hidden, title="Geheimes Angebot")
    db.session.commit()
    response = client.get(f"/widget?organization={hidden.id}")
    unknown = client.get("/widget?organization=999999")
    html = response.get_data(as_text=True)
    assert response.status_code == unknown.status_code == 400
    assert "Noch nicht freigegeben" not in html and "Geheimes Angebot" not in html
    # the same answer as for an id that does not exist
    assert f"Unbekannte Organisation: {hidden.id}" in html
    assert "Unbekannte Organisation: 999999" in unknown.get_data(as_text=True)
