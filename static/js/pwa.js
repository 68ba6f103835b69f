// Installable app and reading offline: registers the service worker (static/js/sw.js, served as
// /sw.js) and shows the "offline – saved copy from …" note on pages the worker answered from its
// cache. Pages work the same without this file.
(function () {
  "use strict";
  var me = document.currentScript;
  var note = document.getElementById("offline-note");
  if (note && note.getAttribute("data-offline-at")) {
    var at = new Date(note.getAttribute("data-offline-at"));
    var when = isNaN(at) ? "" : new Intl.DateTimeFormat(document.documentElement.lang || undefined,
      { dateStyle: "medium", timeStyle: "short" }).format(at);
    note.textContent = note.getAttribute("data-text").replace("{date}", when);
    note.hidden = false;
  }
  if (!("serviceWorker" in navigator) || !me) return;
  var swUrl = me.getAttribute("data-sw"), scope = me.getAttribute("data-scope");
  window.addEventListener("load", function () {
    navigator.serviceWorker.register(swUrl, { scope: scope }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      // the offline page in this interface language, for pages that were never saved
      if (registration.active) registration.active.postMessage({ type: "keep", url: me.getAttribute("data-offline") });
    }).catch(function () { /* no worker: the site still works online */ });
  });

  // the offline page lists what this device keeps
  var list = document.querySelector("[data-offline-list]");
  if (list && window.caches) {
    caches.open("wegweiser-pages").then(function (cache) { return cache.keys(); }).then(function (keys) {
      var offers = keys.filter(function (r) { return /\/angebote\/\d+$/.test(new URL(r.url).pathname); });
      if (!offers.length) {
        var empty = document.createElement("li");
        empty.textContent = list.getAttribute("data-empty");
        list.appendChild(empty);
        return;
      }
      offers.forEach(function (r) {
        var li = document.createElement("li"), a = document.createElement("a");
        a.href = r.url;
        a.textContent = new URL(r.url).pathname;
        li.appendChild(a);
        list.appendChild(li);
      });
    });
  }
})();
