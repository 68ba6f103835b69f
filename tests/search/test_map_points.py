"""The results map's GeoJSON endpoint: same filters as the list, grid clusters, bad input."""
from __future__ import annotations

import json
import math
import re

import pytest
from werkzeug.datastructures import MultiDict

from directory.extensions import db
from directory.offers import vocabulary
from directory.search import engine as search
from directory.search import map_points
from tests.factories import make_location, make_offer

URL = "/karte/punkte.geojson"


@pytest.fixture
def sample(app):
    baer = make_location(name="Bürgerzentrum", district_code="baerenkaempen", lat=52.303, lon=8.905)
    inn = make_location(name="Rathaus", district_code="innenstadt", lat=52.289, lon=8.917)
    make_offer(title="Mädchensport", locations=[baer], languages=["de", "ar"],
               target_groups=["women_girls"], category_code="sport")
    make_offer(title="Frauencafé", locations=[inn], languages=["ar"], target_groups=["women_girls"])
    make_offer(title="Fit für die Wohnung", locations=[baer, inn], languages=["fa"], category_code="housing")
    make_offer(title="Ohne Ort", locations=[make_location(lat=None, lon=None)])
    make_offer(title="Entwurf", status="draft", locations=[inn])
    db.session.commit()


def titles(collection) -> list[str]:
    return sorted(f["properties"]["title"] for f in collection["features"] if not f["properties"].get("cluster"))


def test_points_of_the_whole_result_set_as_geojson(client, sample):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    assert "Set-Cookie" not in response.headers and "public" in response.headers["Cache-Control"]
    data = response.get_json()
    assert data["type"] == "FeatureCollection"
    # one point per (offer, location) of published offers with coordinates; drafts and unlocated out
    assert titles(data) == ["Fit für die Wohnung", "Fit für die Wohnung", "Frauencafé", "Mädchensport"]
    assert data["total"] == 4 and data["clustered"] is False and data["complete"] is True
    assert data["bbox"] == [8.905, 52.289, 8.917, 52.303]
    sport = next(f for f in data["features"] if f["properties"]["title"] == "Mädchensport")
    assert sport["geometry"] == {"type": "Point", "coordinates": [8.905, 52.303]}
    props = sport["properties"]
    assert props["url"] == f"/angebote/{props['offer_id']}"
    assert props["icon"].endswith("/img/pictograms/category-sport.svg")
    assert props["category"] and props["provider"].startswith("Verein")
    assert props["district"] == "baerenkaempen"


def test_same_filters_as_the_search_page(client, sample):
    page = client.get("/?language=ar&target=women_girls").get_data(as_text=True)
    points_url = re.search(r'data-points-url="([^"]*)"', page).group(1).replace("&amp;", "&")
    assert points_url == URL + "?language=ar&target=women_girls"
    data = client.get(points_url).get_json()
    assert titles(data) == ["Frauencafé", "Mädchensport"]
    assert titles(client.get(URL + "?q=Wohnung").get_json()) == ["Fit für die Wohnung"] * 2
    assert titles(client.get(URL + "?district=innenstadt").get_json()) == ["Fit für die Wohnung",
                                                                           "Fit für die Wohnung", "Frauencafé"]
    # paging and sort of the list do not cut the map
    assert len(client.get(URL + "?page=2&sort=updated").get_json()["features"]) == 4


def test_search_page_embeds_no_markers(client, sample):
    html = client.get("/").get_data(as_text=True)
    assert "Mädchensport" in html  # in the list
    map_html = html[html.index('class="map-panel"'):]
    assert "Mädchensport" not in map_html
    island = json.loads(re.search(r'class="wegweiser-map-data">(.*?)</script>', map_html).group(1))
    assert set(island) == {"kind", "districts"}
    assert 'data-points-url="/karte/punkte.geojson"' in html


def test_bbox_cuts_the_points(client, sample):
    data = client.get(URL + "?zoom=15&bbox=8.90,52.30,8.91,52.31").get_json()
    assert titles(data) == ["Fit für die Wohnung", "Mädchensport"]
    assert data["total"] == 2 and data["complete"] is False and "bbox" not in data


def test_many_points_come_as_grid_clusters(app, client):
    # 60 offers in two tight groups 5 km apart, at most 10 single points per answer
    app.config["MAP_MAX_MARKERS"] = 10
    west = make_location(lat=52.29, lon=8.88, district_code="innenstadt")
    for i in range(40):
        make_offer(title=f"West {i}", locations=[west] if i % 2 else
                   [make_location(lat=52.29 + i * 1e-5, lon=8.88 + i * 1e-5)])
    for i in range(20):
        make_offer(title=f"Ost {i}", locations=[make_location(lat=52.30 + i * 1e-5, lon=8.95)])
    db.session.commit()
    data = client.get(URL + "?zoom=12").get_json()
    assert data["clustered"] is True and data["total"] == 60 and data["complete"] is False
    clusters = [f for f in data["features"] if f["properties"].get("cluster")]
    assert sorted(c["properties"]["count"] for c in clusters) == [20, 40]
    west_cluster = next(c for c in clusters if c["properties"]["count"] == 40)
    lon, lat = west_cluster["geometry"]["coordinates"]
    assert abs(lon - 8.8801) < 0.001 and abs(lat - 52.2901) < 0.001
    w, s, e, n = west_cluster["bbox"]
    assert w <= lon <= e and s <= lat <= n
    # the answer stays small: two features instead of 60
    assert len(data["features"]) == 2
    # zoomed in on the eastern group, still more than 10: clusters of a finer grid
    east = client.get(URL + "?zoom=15&bbox=8.94,52.295,8.96,52.305").get_json()
    assert east["total"] == 20 and east["clustered"] is True
    assert sum(f["properties"].get("count", 1) for f in east["features"]) == 20
    # at street level the points themselves, cut at MAP_MAX_MARKERS
    street = client.get(URL + "?zoom=18&bbox=8.949,52.2995,8.951,52.3005").get_json()
    assert street["clustered"] is False and len(street["features"]) == 10 and street["truncated"] is True


def test_a_cell_with_one_point_is_a_point_not_a_cluster(app, client):
    app.config["MAP_MAX_MARKERS"] = 2
    for i in range(3):
        make_offer(title=f"Dorf {i}", locations=[make_location(lat=52.20 + i * 0.1, lon=8.80 + i * 0.1)])
    make_offer(title="Nachbar", locations=[make_location(lat=52.20, lon=8.80)])
    db.session.commit()
    data = client.get(URL + "?zoom=13").get_json()
    assert data["clustered"] is True
    assert titles(data) == ["Dorf 1", "Dorf 2"]
    assert [f["properties"]["count"] for f in data["features"] if f["properties"].get("cluster")] == [2]


def test_titles_in_the_visitors_language_and_localised_urls(client, sample):
    data = client.get("/ar" + URL + "?category=sport").get_json()
    props = data["features"][0]["properties"]
    assert props["url"].startswith("/ar/angebote/")
    assert props["category"] == "مجموعة رياضية"


@pytest.mark.parametrize(("query", "field"), [
    ("zoom=99", "zoom"),
    ("zoom=-1", "zoom"),
    ("zoom=abc", "zoom"),
    ("zoom=3&zoom=4", "zoom"),
    ("bbox=1,2,3", "bbox"),
    ("bbox=a,b,c,d", "bbox"),
    ("bbox=9,52,8,53", "bbox"),
    ("bbox=nan,52,9,53", "bbox"),
    ("bbox=" + ",".join(["1" * 80] * 4), "bbox"),
    ("language=xx", "language"),
    ("radius=5", "radius"),
])
def test_bad_input_gets_a_400_with_a_message(client, query, field):
    response = client.get(URL + "?" + query)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["field"] == field and error["message"] and field in error["fields"]


def test_the_map_counts_match_the_list(demo_app, demo_client):
    """On the demo data: every listed result's locations, nothing more (and the facet counts stay)."""
    vocab = vocabulary.load("de")
    query = search.parse(MultiDict([("language", "ar")]), vocab, None)
    result = search.run(query, vocab, lambda p, v: "", max_markers=0)
    data = demo_client.get(URL + "?language=ar").get_json()
    assert {f["properties"]["offer_id"] for f in data["features"]} <= set(
        db.session.scalars(search.matching_ids(query)))
    assert len({f["properties"]["offer_id"] for f in data["features"]}) <= result.total
    assert data["total"] == len(data["features"]) >= result.total - 2


def test_grid_cells_are_square_on_the_screen_and_halve_with_each_zoom_level():
    dx12, dy12 = map_points.cell_size(12)
    dx13, dy13 = map_points.cell_size(13)
    assert (dx12, dy12) == pytest.approx((2 * dx13, 2 * dy13))
    assert dx12 == pytest.approx(360 / 4096 * 80 / 256)  # 80 px of 256 px tiles
    # one cell of Mercator y at Minden's latitude is as many metres as one cell of longitude
    lat = 52.29
    metres_x = dx12 * 111_320 * math.cos(math.radians(lat))
    lat_step = math.degrees(dy12 * math.cos(math.radians(lat)))  # d(lat) = dy * cos(lat)
    assert lat_step * 110_574 == pytest.approx(metres_x, rel=0.01)


def test_parse_bbox_clamps_to_the_world():
    assert map_points.parse_bbox("-200,-95,200,95") == map_points.BBox(-180, -90, 180, 90)
    with pytest.raises(ValueError):
        map_points.parse_bbox("8,52,8,53")
