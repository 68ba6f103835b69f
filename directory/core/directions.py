"""Links that take a visitor to a place: the phone's own map app (geo: URI), an OpenStreetMap
route and the region's public-transport journey planner.

The link templates come from the configuration (DIRECTIONS_*), so every city can point to its own
planner. Placeholders: {lat}, {lon}, {name}, {address} (street, postcode and city), all URL-encoded.
Nothing is fetched from these services; they are plain links the visitor may follow.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class DirectionLink:
    kind: str  # "geo", "route" or "transit"
    url: str


def _fill(template: str, values: dict[str, str]) -> str | None:
    try:
        return template.format(**{k: quote(v, safe="") for k, v in values.items()})
    except (KeyError, IndexError, ValueError):  # a mistyped placeholder: leave the link out
        return None


def links_for(name: str, address: str, lat: float | None, lon: float | None, config) -> list[DirectionLink]:
    values = {"name": name or "", "address": address or "",
              "lat": "" if lat is None else f"{lat:.6f}", "lon": "" if lon is None else f"{lon:.6f}"}
    found: list[DirectionLink] = []
    if lat is not None and lon is not None:
        # RFC 5870; the "q" part with a label is what Android's map apps read
        found.append(DirectionLink("geo", f"geo:{values['lat']},{values['lon']}?q={values['lat']},{values['lon']}"
                                   f"({quote(name or address or '', safe='')})"))
        found.append(DirectionLink("route", _fill(config.get("DIRECTIONS_ROUTE_URL") or "", values) or ""))
    if address or lat is not None:
        found.append(DirectionLink("transit", _fill(config.get("DIRECTIONS_TRANSIT_URL") or "", values) or ""))
    return [link for link in found if link.url]
