"""Direction links for a place: geo: URI, OpenStreetMap route, public-transport planner."""
from __future__ import annotations

from directory.core.directions import links_for

CONFIG = {
    "DIRECTIONS_ROUTE_URL": "https://www.openstreetmap.org/directions?route=%3B{lat}%2C{lon}",
    "DIRECTIONS_TRANSIT_URL": "https://planner.example/trip?to={address}&name={name}",
}


def test_a_place_with_coordinates_gets_all_three_links_with_the_destination_filled_in():
    links = {link.kind: link.url for link in links_for("Begegnungszentrum", "Kuhlenstraße 10, 32427 Minden",
                                                       52.29, 8.91, CONFIG)}
    assert links["geo"] == "geo:52.290000,8.910000?q=52.290000,8.910000(Begegnungszentrum)"
    assert links["route"] == "https://www.openstreetmap.org/directions?route=%3B52.290000%2C8.910000"
    assert links["transit"] == ("https://planner.example/trip?to=Kuhlenstra%C3%9Fe%2010%2C%2032427%20Minden"
                                "&name=Begegnungszentrum")


def test_without_coordinates_only_the_address_based_planner_link_remains():
    links = links_for("Haus", "Markt 1, 32423 Minden", None, None, CONFIG)
    assert [link.kind for link in links] == ["transit"]


def test_a_city_without_a_planner_or_with_a_broken_template_gets_no_such_link():
    assert [x.kind for x in links_for("Haus", "Markt 1", 52.0, 8.0, {"DIRECTIONS_TRANSIT_URL": ""})] == ["geo"]
    broken = {"DIRECTIONS_ROUTE_URL": "https://x.example/{latitude}", "DIRECTIONS_TRANSIT_URL": "https://x/{"}
    assert [x.kind for x in links_for("Haus", "Markt 1", 52.0, 8.0, broken)] == ["geo"]
