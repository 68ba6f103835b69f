// The maps' behaviour in the browser. folium (directory/core/maps.py) writes each map's
// Leaflet set-up; this file, loaded right after Leaflet (by map-loader.js, which calls setUpAll
// after folium's code ran, or by a page's own script tags), finds those maps through Leaflet's
// init hook and, once the page is parsed:
//  - adds the background tiles: at once when they are self-hosted or the visitor agreed
//    before, otherwise after a click on "Karte laden" (remembered in localStorage, written only
//    after that click); nothing else is requested from a tile server before;
//  - names the districts (tooltips) and translates the zoom buttons;
//  - shows markers with category pictograms and popups built with textContent (never HTML);
//  - on the results map, fetches the points of the search as GeoJSON for the shown zoom and
//    bounding box; the server sends single points or grid clusters.
// window.WegweiserMaps.tiles(map, element) is also used by pin-map.js.
(function () {
  "use strict";
  if (typeof window.L === "undefined" || window.WegweiserMaps) return;

  var CONSENT_KEY = "wegweiser-map-tiles";
  var created = [];
  L.Map.addInitHook(function () { created.push(this); });

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function text(box, key, values) {
    var s = box.getAttribute("data-text-" + key) || "";
    Object.keys(values || {}).forEach(function (k) { s = s.split("{" + k + "}").join(String(values[k])); });
    return s;
  }

  // ---------------------------------------------------------------- tiles and consent

  function agreed() {
    try { return window.localStorage.getItem(CONSENT_KEY) === "yes"; } catch (e) { return false; }
  }

  var waiting = [];

  function agree() {
    try { window.localStorage.setItem(CONSENT_KEY, "yes"); } catch (e) { /* private mode: this page only */ }
    var todo = waiting;
    waiting = [];
    todo.forEach(function (fn) { fn(); });
  }

  function tiles(map, box) {
    var url = box.getAttribute("data-tiles");
    if (!url) return;
    function load() {
      if (map.wegweiserTiles) return;
      map.wegweiserTiles = L.tileLayer(url, {
        maxZoom: 19, attribution: box.getAttribute("data-attribution") || ""
      }).addTo(map);
      box.setAttribute("data-tiles-loaded", "true");
    }
    if (box.getAttribute("data-consent") !== "ask" || agreed()) { load(); return; }

    var control = L.control({ position: "bottomleft" });
    control.onAdd = function () {
      var div = el("div", "map-consent");
      div.appendChild(el("p", "map-consent__text",
        text(box, "consent", { host: box.getAttribute("data-tile-host") || "" })));
      var button = el("button", "map-consent__button", text(box, "consent-button") || "Karte laden");
      button.type = "button";
      button.addEventListener("click", agree);
      div.appendChild(button);
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    control.addTo(map);
    box.setAttribute("data-tiles-loaded", "false");
    waiting.push(function () { control.remove(); load(); });
  }

  // ---------------------------------------------------------------- markers and popups

  // A pin showing a category pictogram; src/alt are set as attributes, never as HTML.
  var Pin = L.DivIcon.extend({
    createIcon: function (oldIcon) {
      var div = L.DivIcon.prototype.createIcon.call(this, oldIcon);
      var img = document.createElement("img");
      img.setAttribute("src", this.options.pictogram);
      img.setAttribute("alt", this.options.label ? this.options.label + ": " + this.options.name : this.options.name);
      img.setAttribute("width", "26");
      img.setAttribute("height", "26");
      div.appendChild(img);
      return div;
    }
  });

  function pin(src, label, name) {
    return new Pin({
      html: false, className: "wegweiser-pin", pictogram: src, label: label || "", name: name || "",
      iconSize: [36, 44], iconAnchor: [18, 44], popupAnchor: [0, -40], tooltipAnchor: [16, -24]
    });
  }

  // A server-side cluster, drawn like leaflet.markercluster's own bubbles.
  var Bubble = L.DivIcon.extend({
    createIcon: function (oldIcon) {
      var div = L.DivIcon.prototype.createIcon.call(this, oldIcon);
      var inner = el("div");
      inner.appendChild(el("span", null, this.options.count));
      div.appendChild(inner);
      return div;
    }
  });

  function bubble(count) {
    var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
    return new Bubble({ html: false, count: count, className: "marker-cluster marker-cluster-" + size, iconSize: [40, 40] });
  }

  function marker(latlng, d) {
    var options = { title: d.title, alt: d.title };
    if (d.icon) options.icon = pin(d.icon, d.category, d.title);
    var m = L.marker(latlng, options);
    m.wegweiser = d;
    m.bindPopup(popup);
    return m;
  }

  function popup(layer) {
    var d = layer.wegweiser, box = el("div", "wegweiser-popup"), title;
    if (d.url) {
      title = el("a", "wegweiser-popup-title", d.title);
      title.setAttribute("href", d.url);
    } else {
      title = el("div", "wegweiser-popup-title", d.title);
    }
    box.appendChild(title);
    if (d.provider) box.appendChild(el("div", "wegweiser-popup-detail wegweiser-popup-provider", d.provider));
    if (d.address) box.appendChild(el("div", "wegweiser-popup-detail wegweiser-popup-address", d.address));
    return box;
  }

  // ---------------------------------------------------------------- results map: GeoJSON points

  function loadPoints(map, box, entry) {
    var base = box.getAttribute("data-points-url");
    var complete = false, first = true, sequence = 0, timer = null;
    var clusters = L.layerGroup().addTo(map);
    entry.clusters = clusters;

    function url(withBounds) {
      var q = base + (base.indexOf("?") < 0 ? "?" : "&") + "zoom=" + map.getZoom();
      if (withBounds) {
        var b = map.getBounds();
        q += "&bbox=" + [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (x) {
          return x.toFixed(5);
        }).join(",");
      }
      return q;
    }

    function show(data, mine) {
      if (mine !== sequence) return;  // an older answer arriving late
      var pins = [], n = 0;
      clusters.clearLayers();
      entry.markers.clearLayers();
      data.features.forEach(function (f) {
        var p = f.properties || {}, c = f.geometry.coordinates, latlng = [c[1], c[0]];
        if (p.cluster) {
          var b = f.bbox;
          var m = L.marker(latlng, { icon: bubble(p.count), title: text(box, "cluster", { n: p.count }), alt: "" });
          m.on("click", function () {
            if (b && (b[0] !== b[2] || b[1] !== b[3])) map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);
            else map.setView(latlng, Math.min(map.getZoom() + 2, map.getMaxZoom()));
          });
          clusters.addLayer(m);
          n += p.count;
        } else {
          pins.push(marker(latlng, p));
          n += 1;
        }
      });
      entry.markers.addLayers(pins);
      complete = !!data.complete;
      box.setAttribute("data-marker-count", String(data.total === undefined ? n : data.total));
      box.setAttribute("data-clustered", data.clustered ? "true" : "false");
      if (first) {
        first = false;
        if (data.bbox) {
          var bb = data.bbox;
          map.fitBounds([[bb[1], bb[0]], [bb[3], bb[2]]], { paddingTopLeft: [30, 50], paddingBottomRight: [30, 20], maxZoom: 14 });
        }
      }
      box.setAttribute("data-map-ready", "true");
    }

    function request(withBounds) {
      var mine = ++sequence;
      box.setAttribute("aria-busy", "true");
      fetch(url(withBounds), { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
        .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
        .then(function (data) { show(data, mine); })
        .catch(function () {
          if (mine !== sequence) return;
          var note = box.querySelector(".map-error") || box.appendChild(el("p", "map-error"));
          note.textContent = text(box, "error");
          box.setAttribute("data-map-ready", "true");
        })
        .then(function () { if (mine === sequence) box.removeAttribute("aria-busy"); });
    }

    // the search page updated its results in place: fetch the points of the new search
    box.addEventListener("wegweiser:points-url", function () {
      base = box.getAttribute("data-points-url");
      box.removeAttribute("data-map-ready");
      complete = false;
      first = true;
      request(false);
    });
    map.on("moveend", function () {
      if (complete || first) return;  // every point is already there
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { request(true); }, 250);
    });
    request(false);
  }

  // ---------------------------------------------------------------- set-up

  var registry = window.wegweiserMaps = window.wegweiserMaps || {};

  function setUp(map) {
    var box = map.getContainer().closest(".wegweiser-map");
    if (!box || box.wegweiserReady) return;
    box.wegweiserReady = true;
    if (box.dataset.height && box.style.height !== box.dataset.height) {
      box.style.height = box.dataset.height;
      map.invalidateSize();
    }
    var island = box.querySelector("script.wegweiser-map-data");
    var data = {};
    try { data = island ? JSON.parse(island.textContent) : {}; } catch (e) { data = {}; }

    var zoomIn = box.querySelector(".leaflet-control-zoom-in");
    var zoomOut = box.querySelector(".leaflet-control-zoom-out");
    [[zoomIn, "zoom-in"], [zoomOut, "zoom-out"]].forEach(function (pair) {
      if (!pair[0]) return;
      pair[0].setAttribute("title", text(box, pair[1]));
      pair[0].setAttribute("aria-label", text(box, pair[1]));
    });
    tiles(map, box);

    var entry = { map: map, markers: null, districts: null };
    map.eachLayer(function (layer) {
      if (layer instanceof L.GeoJSON && !entry.districts) entry.districts = layer;
      if (L.MarkerClusterGroup && layer instanceof L.MarkerClusterGroup) entry.markers = layer;
    });
    var names = data.districts || [];
    if (entry.districts) {
      entry.districts.eachLayer(function (layer) {
        var name = layer.feature ? names[layer.feature.id] : null;
        if (name) layer.bindTooltip(function () { return el("span", "wegweiser-district-name", name); }, { sticky: true });
      });
    }
    registry[box.id] = entry;

    if (data.kind === "results" && entry.markers) {
      loadPoints(map, box, entry);
      return;
    }
    entry.markers = L.featureGroup().addTo(map);
    (data.points || []).forEach(function (p) {
      entry.markers.addLayer(marker([p.lat, p.lon], p));
    });
    box.setAttribute("data-marker-count", String(entry.markers.getLayers().length));
    box.setAttribute("data-map-ready", "true");
  }

  function setUpAll() { created.forEach(setUp); }

  window.WegweiserMaps = { tiles: tiles, agree: agree, setUpAll: setUpAll };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUpAll);
  else window.setTimeout(setUpAll, 0);
})();
