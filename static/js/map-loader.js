// Loads the maps of a page once one of them is shown (directory/core/maps.py): the page's list
// and filters are drawn and usable before any of Leaflet is fetched. A phone's list view (map
// hidden) loads nothing until the list/map switch shows the map; a wide screen, where the map
// stands beside the list, loads right after the page is parsed. Each map container lists its files in data-assets (style
// sheets, then scripts in their order); folium's set-up code waits in window.wegweiserMapQueue
// and runs once Leaflet, maps.js and the plug-ins are there.
(function () {
  "use strict";
  var boxes = Array.prototype.slice.call(document.querySelectorAll(".wegweiser-map[data-assets]"));
  if (!boxes.length || !window.Promise) return;
  var started = false;

  function load(url) {
    return new Promise(function (resolve, reject) {
      var node;
      if (/\.css(\?|$)/.test(url)) {
        node = document.createElement("link");
        node.rel = "stylesheet";
        node.href = url;
      } else {
        node = document.createElement("script");
        node.src = url;
        node.async = false;  // scripts run in the order they were added
      }
      node.onload = resolve;
      node.onerror = reject;
      document.head.appendChild(node);
    });
  }

  function start() {
    if (started) return;
    started = true;
    var urls = [];
    boxes.forEach(function (box) {
      var list = [];
      try { list = JSON.parse(box.getAttribute("data-assets")) || []; } catch (e) { list = []; }
      list.forEach(function (url) { if (urls.indexOf(url) < 0) urls.push(url); });
    });
    Promise.all(urls.map(load)).then(function () {
      var queue = window.wegweiserMapQueue || [];
      window.wegweiserMapQueue = { push: function (setUp) { setUp(); } };
      queue.forEach(function (setUp) { setUp(); });
      if (window.WegweiserMaps) window.WegweiserMaps.setUpAll();
    }, function () {
      boxes.forEach(function (box) {
        var note = document.createElement("p");
        note.className = "map-error";
        note.textContent = box.getAttribute("data-text-error") || "";
        box.appendChild(note);
        box.setAttribute("data-map-ready", "true");
      });
    });
  }

  // a map is shown once its box has a size: a hidden one (display: none) has none
  if (!("ResizeObserver" in window)) { start(); return; }
  var observer = new ResizeObserver(function (entries) {
    if (!entries.some(function (entry) { return entry.contentRect.width > 0; })) return;
    observer.disconnect();
    start();
  });
  boxes.forEach(function (box) { observer.observe(box); });
})();
