"""Geocoding (offline gazetteer), coordinates, distance and point-in-district."""
import json

import pytest

from directory.core import geo


def district_features():
    with open(geo.SEEDS / "districts.geojson", encoding="utf-8") as fh:
        return json.load(fh)["features"]


@pytest.fixture(scope="module")
def gazetteer():
    districts = district_features()
    return geo.GazetteerGeocoder(
        geo.load_gazetteer(),
        [(f["properties"]["code"], f["properties"]["name"], *f["properties"]["center"]) for f in districts],
    )


@pytest.mark.parametrize("text,expected", [
    ("52.29,8.91", (52.29, 8.91)),
    (" 52.29 , 8.91 ", (52.29, 8.91)),
    ("52.29;8.91", (52.29, 8.91)),
    ("Kuhlenstraße 5", None),
])
def test_parse_point(text, expected):
    point = geo.parse_point(text)
    assert (None if point is None else (point.lat, point.lon)) == expected


def test_parse_point_out_of_range():
    with pytest.raises(ValueError):
        geo.parse_point("95,8")


@pytest.mark.parametrize("text,norm", [
    ("Kuhlenstr. 12", "kuhlenstrasse 12"),
    ("KÖNIGSTRASSE", "koenigstrasse"),
    ("Große  Heide", "grosse heide"),
])
def test_normalise(text, norm):
    assert geo.normalise(text) == norm


def test_every_gazetteer_entry_lies_in_its_district(gazetteer):
    districts = district_features()
    boundaries = [(f["properties"]["code"], json.dumps(f["geometry"])) for f in districts]
    for entry in gazetteer.entries:
        assert geo.district_for_point(entry.lat, entry.lon, boundaries) == entry.district, entry.name


def test_gazetteer_finds_a_street_with_house_number_and_abbreviation(gazetteer):
    entry = gazetteer.entries[0]
    street = entry.name.replace("straße", "str.")
    point = gazetteer.geocode(f"{street} 12, {entry.postcode} Minden")
    assert point is not None and (point.lat, point.lon) == (entry.lat, entry.lon)


def test_gazetteer_falls_back_to_postcode_and_district(gazetteer):
    assert gazetteer.geocode("32427 Minden") is not None
    point = gazetteer.geocode("Bärenkämpen")
    assert point is not None and point.district_code == "baerenkaempen"


def test_gazetteer_unknown_address(gazetteer):
    assert gazetteer.geocode("Hauptstraße 1, 10115 Berlin-Mitte-Nirgendwo") is None
    assert gazetteer.geocode("") is None


def test_distance_is_geodesic():
    # Minden Rathaus to Bahnhof: about 1.2 km
    assert 0.9 < geo.distance_km((52.2890, 8.9170), (52.2905, 8.9350)) < 1.5


def test_point_in_polygon_with_hole():
    square = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]
    hole = [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]
    geometry = {"type": "Polygon", "coordinates": [square, hole]}
    assert geo.point_in_geometry(2, 2, geometry)
    assert not geo.point_in_geometry(5, 5, geometry)
    assert not geo.point_in_geometry(11, 5, geometry)
    multi = {"type": "MultiPolygon", "coordinates": [[square], [[[20, 20], [30, 20], [30, 30], [20, 30], [20, 20]]]]}
    assert geo.point_in_geometry(25, 22, multi)


def test_the_remembering_geocoder_asks_once_per_query(gazetteer):
    asked = []

    class Counting:
        def geocode(self, query):
            asked.append(query)
            return gazetteer.geocode(query)

    remembering = geo.RememberingGeocoder(Counting())
    first = remembering.geocode("Marienstraße 10 32427")
    assert first is not None and remembering.geocode("Marienstraße 10 32427") == first
    assert remembering.geocode("Irgendwo 5 99999") is None and remembering.geocode("Irgendwo 5 99999") is None
    assert asked == ["Marienstraße 10 32427", "Irgendwo 5 99999"]
