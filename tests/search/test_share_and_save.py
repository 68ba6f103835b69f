"""Sharing an offer (Open Graph, QR code, share links) and the "Meine Angebote" list."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.models import Offer
from directory.search.engine import visible_clause


@pytest.fixture
def offer_ids(demo_app):
    import datetime as dt

    with demo_app.app_context():
        return list(db.session.scalars(select(Offer.id).where(visible_clause(dt.date.today())).order_by(Offer.id)
                                       .limit(3)))


def test_offer_page_has_open_graph_tags_share_links_and_a_qr_code(demo_client, offer_ids):
    html = demo_client.get(f"/uk/angebote/{offer_ids[0]}").get_data(as_text=True)
    assert '<meta property="og:title" content="' in html
    assert f'<meta property="og:url" content="http://localhost/uk/angebote/{offer_ids[0]}">' in html
    assert "https://wa.me/?text=" in html and "https://t.me/share/url?url=http%3A//localhost/uk/angebote/" in html
    assert "mailto:?subject=" in html
    assert f'href="/uk/meine-angebote?ids={offer_ids[0]}"' in html  # save without JavaScript
    assert f'src="/uk/angebote/{offer_ids[0]}/qr.svg"' in html
    qr = demo_client.get(f"/uk/angebote/{offer_ids[0]}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    assert qr.get_data(as_text=True).lstrip().startswith(("<?xml", "<svg"))
    assert demo_client.get("/angebote/987654321/qr.svg").status_code == 404


def test_saved_offers_page_lists_the_given_offers_in_order_and_offers_one_link(demo_client, offer_ids):
    ids = [offer_ids[2], offer_ids[0], 987654321]
    html = demo_client.get("/de/meine-angebote?ids=" + ",".join(map(str, ids))).get_data(as_text=True)
    order = [int(part.split('"')[0]) for part in html.split('data-offer-id="')[1:]]
    assert order[:2] == [offer_ids[2], offer_ids[0]]
    assert "1 gemerktes Angebot gibt es nicht mehr." in html
    assert f'value="http://localhost/meine-angebote?ids={offer_ids[2]},{offer_ids[0]}"' in html


def test_saved_offers_page_without_ids_and_with_bad_ids(demo_client):
    empty = demo_client.get("/meine-angebote")
    assert empty.status_code == 200 and "Noch nichts gemerkt" in empty.get_data(as_text=True)
    bad = demo_client.get("/meine-angebote?ids=1,x")
    assert bad.status_code == 400 and "ungültig" in bad.get_data(as_text=True)
