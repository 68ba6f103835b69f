// Wegweiser's service worker: the app shell (styles, scripts, icons) and every offer page a person
// opened or saved stay on the device, so they open without a connection. Pages answered from the
// cache carry the time they were saved; pwa.js shows it as "offline – saved copy from …".
"use strict";
var SHELL = "wegweiser-shell-v2";
var PAGES = "wegweiser-pages";
var SHELL_FILES = [
  "static/css/wegweiser.css", "static/css/access.css", "static/css/print.css", "static/css/fonts.css",
  "static/fonts/noto-sans-ethiopic-names.woff",
  "static/js/pwa.js", "static/js/search.js", "static/js/share.js",
  "static/img/icons/icon.svg", "static/img/icons/icon-192.png",
  "static/js/map-loader.js", "static/js/maps.js", "static/vendor/leaflet/leaflet.js", "static/vendor/leaflet/leaflet.css",
  "static/vendor/leaflet.markercluster/leaflet.markercluster.js",
  "static/vendor/leaflet.markercluster/MarkerCluster.css", "static/vendor/leaflet.markercluster/MarkerCluster.Default.css"
];
var ROOT = new URL("./", self.location).pathname;  // the site root (the worker lives at /sw.js)

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    return cache.addAll(SHELL_FILES.map(function (f) { return ROOT + f; }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf("wegweiser-shell-") === 0 && n !== SHELL; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

// the path below the site root without an interface-language prefix ("/ar/angebote/3" -> "/angebote/3")
function withoutLanguage(url) {
  return url.pathname.slice(ROOT.length - 1).replace(/^\/[a-z]{2}(?=\/)/, "");
}

// pages kept for offline reading: offer pages, the saved list, the landing page, the offline page
function keepable(url) {
  var path = withoutLanguage(url);
  return /^\/angebote\/\d+$/.test(path) || path === "/meine-angebote" || path === "/" || path === "/offline";
}

function stamped(response) {
  // a copy with the time it was saved, in a header the cache keeps
  return response.clone().blob().then(function (body) {
    var headers = new Headers(response.headers);
    headers.set("X-Saved-At", new Date().toISOString());
    headers.delete("Vary");  // one copy per address, whatever language header the request had
    headers.delete("Set-Cookie");
    return new Response(body, { status: response.status, statusText: response.statusText, headers: headers });
  });
}

var writing = Promise.resolve();  // one write at a time: two copies of a page never race

function keep(request, response) {
  if (!response || !response.ok || response.type !== "basic") return Promise.resolve();
  var key = typeof request === "string" ? request : request.url;
  writing = writing.then(function () {
    return Promise.all([caches.open(PAGES), stamped(response)]).then(function (parts) {
      return parts[0].put(key, parts[1]);
    });
  }).catch(function () {});
  return writing;
}

function fromCache(request) {
  return caches.open(PAGES).then(function (cache) {
    return cache.match(request.url, { ignoreVary: true }).then(function (hit) {
      if (!hit) return null;
      var saved = hit.headers.get("X-Saved-At") || "";
      return hit.text().then(function (html) {
        return new Response(html.replace('data-offline-at=""', 'data-offline-at="' + saved + '"'),
          { status: 200, headers: { "Content-Type": "text/html; charset=utf-8" } });
      });
    });
  });
}

function offlinePage(url) {
  var lang = url.pathname.slice(ROOT.length - 1).match(/^\/([a-z]{2})\//);
  var candidates = [ROOT + (lang ? lang[1] + "/" : "") + "offline", ROOT + "offline"];
  return caches.open(PAGES).then(function (cache) {
    return cache.match(candidates[0], { ignoreVary: true }).then(function (hit) {
      return hit || cache.match(candidates[1], { ignoreVary: true });
    });
  }).then(function (hit) {
    return hit || new Response("offline", { status: 503, headers: { "Content-Type": "text/plain" } });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;

  if (request.mode === "navigate") {
    event.respondWith(fetch(request).then(function (response) {
      if (keepable(url)) event.waitUntil(keep(request, response.clone()));
      return response;
    }).catch(function () {
      return fromCache(request).then(function (page) { return page || offlinePage(url); });
    }));
    return;
  }
  var path = withoutLanguage(url);
  if (path.indexOf("/static/") === 0) {
    // static files also come under a language prefix (/ar/static/…): one copy, under /static/…
    var key = ROOT + path.slice(1) + url.search;
    // stale while revalidate: fast from the device, refreshed in the background
    event.respondWith(caches.open(SHELL).then(function (cache) {
      return cache.match(key, { ignoreVary: true }).then(function (hit) {
        var fresh = fetch(request).then(function (response) {
          if (response.ok) cache.put(key, response.clone());
          return response;
        });
        if (hit) { event.waitUntil(fresh.catch(function () {})); return hit; }
        return fresh;
      });
    }));
  }
});

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "keep" || typeof data.url !== "string") return;
  var url = new URL(data.url, self.location);
  if (url.origin !== self.location.origin || !keepable(url)) return;
  event.waitUntil(fetch(url.href, { credentials: "same-origin" }).then(function (response) {
    return keep(new Request(url.href), response);
  }).catch(function () {}));
});
