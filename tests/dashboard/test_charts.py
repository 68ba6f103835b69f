"""Server-rendered SVG charts."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from directory.dashboard import charts

SVG = "{http://www.w3.org/2000/svg}"


def test_bar_chart_is_accessible_escaped_svg():
    svg = charts.bar_chart([charts.Bar("<b>Sport</b> & Spiel", [3, 1]), charts.Bar("Kurs", [0, 0])],
                           ["veröffentlicht", "aktuell"], "Titel", "Beschreibung", "c1")
    root = ET.fromstring(str(svg))  # well-formed, text escaped
    assert root.get("role") == "img" and root.get("aria-labelledby") == "c1-t c1-d"
    assert root.find(f"{SVG}title").text == "Titel"
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(bars) == 4
    widths = [float(r.get("width")) for r in bars]
    assert widths[0] > widths[1] > 0 and widths[2] == widths[3] == 0
    assert "<b>" not in str(svg)


def test_long_labels_are_shortened_but_kept_in_the_tooltip():
    svg = str(charts.bar_chart([charts.Bar("Nachhilfe und Hausaufgabenhilfe am Nachmittag", [2])], ["n"], "t", "d", "c2"))
    assert "Nachhilfe und Hausaufgaben…" in svg and "Nachhilfe und Hausaufgabenhilfe am Nachmittag – n: 2" in svg


def test_choropleth_colours_by_count_and_hatches_empty_districts():
    square = lambda x, y: {"type": "Polygon", "coordinates": [[[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]]}  # noqa: E731
    districts = [{"code": "a", "name": "Nord", "geometry": square(8.9, 52.3)},
                 {"code": "b", "name": "Süd", "geometry": square(8.9, 52.2)},
                 {"code": "c", "name": "West", "geometry": {"type": "MultiPolygon", "coordinates": [square(8.8, 52.2)["coordinates"]]}}]
    svg = str(charts.choropleth(districts, {"a": 5, "c": 1}, "Karte", "d", "m", "kein Angebot", "Angebote"))
    root = ET.fromstring(svg)
    paths = {p.get("data-district"): p for p in root.iter(f"{SVG}path")}
    assert paths["b"].get("fill") == charts.EMPTY_FILL and paths["b"].get("data-count") == "0"
    assert paths["a"].get("fill") == charts.SCALE[-1]
    assert paths["c"].get("fill") != charts.EMPTY_FILL and paths["c"].get("fill") != paths["a"].get("fill")
    # north is drawn above south
    y = lambda p: float(p.get("d").split()[0][1:].split(",")[1])  # noqa: E731
    assert y(paths["a"]) < y(paths["b"])


def test_classes_are_increasing_integers():
    assert charts.classes([1]) == [1]
    assert charts.classes([1, 2, 7]) == sorted(set(charts.classes([1, 2, 7])))
    assert charts.classes([1, 2, 7])[-1] == 7
