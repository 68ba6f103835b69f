// Pin correction: a small map with a draggable marker for each .pin-map element,
// kept in step with a latitude/longitude input pair. Without JavaScript (or Leaflet) the
// inputs alone do the job; the map stays hidden. Tiles come through maps.js (WegweiserMaps.tiles):
// from a third-party server only after the visitor agreed ("Karte laden").
(function () {
  "use strict";
  if (typeof window.L === "undefined") return;
  var MINDEN = [52.289, 8.916];

  function round(x) { return Math.round(x * 1e6) / 1e6; }

  function readPoint(latInput, lonInput) {
    var lat = parseFloat(String(latInput.value).replace(",", "."));
    var lon = parseFloat(String(lonInput.value).replace(",", "."));
    if (isNaN(lat) || isNaN(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
    return [lat, lon];
  }

  document.querySelectorAll(".pin-map").forEach(function (el) {
    var latInput = document.getElementById(el.getAttribute("data-lat-input"));
    var lonInput = document.getElementById(el.getAttribute("data-lon-input"));
    if (!latInput || !lonInput) return;
    el.hidden = false;
    el.setAttribute("role", "region");
    el.setAttribute("aria-label", el.getAttribute("data-label") || "");
    var hint = el.nextElementSibling;
    if (hint && hint.classList.contains("pin-map__hint")) hint.hidden = false;

    var start = readPoint(latInput, lonInput);
    var map = L.map(el, { center: start || MINDEN, zoom: start ? 16 : 12, maxZoom: 19 });
    if (window.WegweiserMaps) window.WegweiserMaps.tiles(map, el);
    var marker = null;

    function write(latlng) {
      latInput.value = round(latlng.lat);
      lonInput.value = round(latlng.lng);
      latInput.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function place(point) {
      if (marker === null) {
        marker = L.marker(point, { draggable: true, keyboard: true, title: el.getAttribute("data-label") || "" }).addTo(map);
        marker.on("dragend", function () { write(marker.getLatLng()); });
      } else {
        marker.setLatLng(point);
      }
    }

    if (start) place(start);
    map.on("click", function (event) {
      place(event.latlng);
      write(event.latlng);
    });
    [latInput, lonInput].forEach(function (input) {
      input.addEventListener("input", function () {
        var p = readPoint(latInput, lonInput);
        if (p) { place(p); map.panTo(p); }
      });
    });
    el.setAttribute("data-map-ready", "true");
    el.wegweiserPinMap = { map: map, marker: function () { return marker; } };
  });
})();
