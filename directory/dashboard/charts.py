"""Small server-rendered SVG charts: horizontal (grouped) bars and a district choropleth.

No JavaScript, no library, prints as it looks. Every chart is an ``<svg role="img">`` with a
``<title>`` and ``<desc>``; the page shows the same numbers as a table next to it and offers
them as CSV. All text is escaped.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup, escape

SERIES_COLOURS = ("#1f5f99", "#d9822b", "#5b8c3a", "#8e3b46")
# sequential scale for the map (light → dark); 0 offers gets its own hatched style
SCALE = ("#dbe9f6", "#a9cce8", "#6baed6", "#3182bd", "#08519c")
EMPTY_FILL = "url(#empty-hatch)"


@dataclass
class Bar:
    label: str
    values: list[int]


def _text(x: float, y: float, text: str, anchor: str = "start", cls: str = "", size: int = 12) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}"'
            f'{f" class={chr(34)}{cls}{chr(34)}" if cls else ""}>{escape(text)}</text>')


def bar_chart(bars: list[Bar], series: list[str], title: str, description: str, chart_id: str,
              width: int = 640) -> Markup:
    """Horizontal bars, one group per label, one bar per series; values written at the bars."""
    label_w, pad, bar_h, gap = 190, 8, 14, 10
    group_h = bar_h * len(series) + gap
    legend_h = 22 if len(series) > 1 else 0
    height = pad * 2 + legend_h + max(1, len(bars)) * group_h
    top = max([v for b in bars for v in b.values] + [1])
    scale = (width - label_w - 50) / top
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" aria-labelledby="{chart_id}-t {chart_id}-d" id="{chart_id}" font-family="system-ui, sans-serif">',
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(description)}</desc>',
    ]
    if len(series) > 1:
        x = label_w
        for i, name in enumerate(series):
            out.append(f'<rect x="{x}" y="{pad}" width="12" height="12" fill="{SERIES_COLOURS[i % 4]}"/>')
            out.append(_text(x + 16, pad + 11, name))
            x += 30 + 8 * len(name)
    y = pad + legend_h
    for bar in bars:
        short = bar.label if len(bar.label) <= 27 else bar.label[:26].rstrip() + "…"
        out.append(_text(label_w - 6, y + group_h / 2, short, anchor="end"))
        for i, value in enumerate(bar.values):
            w = value * scale
            by = y + i * bar_h
            out.append(f'<rect x="{label_w}" y="{by:.1f}" width="{w:.1f}" height="{bar_h - 2}" '
                       f'fill="{SERIES_COLOURS[i % 4]}"><title>{escape(bar.label)} – {escape(series[i])}: {value}</title></rect>')
            out.append(_text(label_w + w + 4, by + bar_h - 4, str(value), size=11))
        y += group_h
    out.append(f'<line x1="{label_w}" y1="{pad + legend_h}" x2="{label_w}" y2="{height - pad}" stroke="#555"/>')
    out.append("</svg>")
    return Markup("".join(out))


# --- choropleth --------------------------------------------------------------------------

def _rings(geometry: dict) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return geometry["coordinates"]
    if geometry["type"] == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


def classes(values: list[int]) -> list[int]:
    """Upper bounds of up to 5 classes for counts ≥ 1 (equal steps, integers)."""
    top = max(values + [1])
    steps = min(len(SCALE), top)
    return sorted({math.ceil(top * (i + 1) / steps) for i in range(steps)})


def colour(value: int, bounds: list[int]) -> str:
    if value <= 0:
        return EMPTY_FILL
    for i, bound in enumerate(bounds):
        if value <= bound:
            return SCALE[min(i + len(SCALE) - len(bounds), len(SCALE) - 1)]
    return SCALE[-1]


def choropleth(districts: list[dict], values: dict[str, int], title: str, description: str,
               chart_id: str, no_offer: str, legend_title: str, width: int = 560) -> Markup:
    """districts: [{"code", "name", "geometry"}]; values: code → count. Empty districts hatched."""
    points = [p for d in districts for ring in _rings(d["geometry"]) for p in ring]
    if not points:
        return Markup("")
    min_lon, max_lon = min(p[0] for p in points), max(p[0] for p in points)
    min_lat, max_lat = min(p[1] for p in points), max(p[1] for p in points)
    kx = math.cos(math.radians((min_lat + max_lat) / 2))
    map_w = width - 20
    scale = map_w / ((max_lon - min_lon) * kx or 1)
    map_h = (max_lat - min_lat) * scale
    legend_y = map_h + 30
    height = legend_y + 40

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return 10 + (lon - min_lon) * kx * scale, 10 + (max_lat - lat) * scale

    bounds = classes([v for v in values.values() if v > 0])
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart--map" role="img" viewBox="0 0 {width} {height:.0f}" '
        f'width="100%" aria-labelledby="{chart_id}-t {chart_id}-d" id="{chart_id}" font-family="system-ui, sans-serif">',
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(description)}</desc>',
        '<defs><pattern id="empty-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="#fff4f0"/><line x1="0" y1="0" x2="0" y2="6" stroke="#c0392b" stroke-width="1.5"/>'
        '</pattern></defs>',
    ]
    labels = []
    for d in districts:
        value = values.get(d["code"], 0)
        path = " ".join(
            "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in (xy(lon, lat) for lon, lat in ring)) + " Z"
            for ring in _rings(d["geometry"])
        )
        stroke = "#c0392b" if value == 0 else "#333"
        out.append(f'<path d="{path}" fill="{colour(value, bounds)}" stroke="{stroke}" stroke-width="1" '
                   f'data-district="{escape(d["code"])}" data-count="{value}">'
                   f'<title>{escape(d["name"])}: {value}</title></path>')
        ring = max(_rings(d["geometry"]), key=len)
        cx = sum(p[0] for p in ring) / len(ring)
        cy = sum(p[1] for p in ring) / len(ring)
        x, y = xy(cx, cy)
        labels.append(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" font-size="10" class="map-label" '
                      f'paint-order="stroke" stroke="#fff" stroke-width="3">{escape(d["name"])} ({value})</text>')
    out += labels
    # legend
    x = 10
    out.append(_text(x, legend_y - 6, legend_title, size=11))
    out.append(f'<rect x="{x}" y="{legend_y}" width="18" height="12" fill="{EMPTY_FILL}" stroke="#c0392b"/>')
    out.append(_text(x + 22, legend_y + 10, no_offer, size=11))
    x += 30 + 7 * len(no_offer)
    low = 1
    for i, bound in enumerate(bounds):
        fill = colour(bound, bounds)
        out.append(f'<rect x="{x}" y="{legend_y}" width="18" height="12" fill="{fill}" stroke="#333"/>')
        label = str(bound) if bound == low else f"{low}–{bound}"
        out.append(_text(x + 22, legend_y + 10, label, size=11))
        x += 34 + 7 * len(label)
        low = bound + 1
    out.append("</svg>")
    return Markup("".join(out))
