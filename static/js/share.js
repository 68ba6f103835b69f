// Share and save ("Merken") on offer pages and the "Meine Angebote" page. Without this file
// the pages keep plain links: WhatsApp, Telegram, mail, a QR code and "Als Link merken".
// Saved offers are kept on the device only (localStorage), never sent anywhere on their own.
(function () {
  "use strict";
  var KEY = "wegweiser.saved";

  function savedIds() {
    try {
      var list = JSON.parse(window.localStorage.getItem(KEY) || "[]");
      return Array.isArray(list) ? list.filter(function (x) { return /^\d+$/.test(String(x)); }).map(String) : [];
    } catch (e) { return []; }
  }
  function storeIds(ids) {
    try { window.localStorage.setItem(KEY, JSON.stringify(ids)); } catch (e) { /* private mode: not kept */ }
  }
  function show(el) { if (el) el.hidden = false; }

  // ---------------------------------------------------------------- offer page
  var box = document.querySelector("[data-share]");
  if (box) {
    var url = box.getAttribute("data-url"), title = box.getAttribute("data-title");
    var id = box.getAttribute("data-offer-id");
    var shareButton = box.querySelector(".js-share"), copyButton = box.querySelector(".js-copy");
    var saveButton = box.querySelector(".js-save"), savedNote = box.querySelector(".js-saved-note");
    var nojs = box.querySelector(".js-nojs-save");
    if (nojs) nojs.hidden = true;

    if (navigator.share) {
      show(shareButton);
      shareButton.addEventListener("click", function () {
        navigator.share({ title: title, url: url }).catch(function () { /* dismissed */ });
      });
    }
    if (navigator.clipboard && window.isSecureContext) {
      show(copyButton);
      copyButton.addEventListener("click", function () {
        navigator.clipboard.writeText(url).then(function () {
          copyButton.textContent = copyButton.getAttribute("data-label-done");
        });
      });
    }
    var field = box.querySelector(".share__url");
    if (field) field.addEventListener("focus", function () { field.select(); });

    function paint() {
      var on = savedIds().indexOf(id) >= 0;
      saveButton.setAttribute("aria-pressed", on ? "true" : "false");
      saveButton.textContent = saveButton.getAttribute(on ? "data-label-saved" : "data-label-save");
      savedNote.hidden = !on;
    }
    show(saveButton);
    paint();
    saveButton.addEventListener("click", function () {
      var ids = savedIds(), at = ids.indexOf(id);
      if (at >= 0) ids.splice(at, 1); else ids.push(id);
      storeIds(ids);
      paint();
      if (at < 0 && navigator.serviceWorker) {
        // keep this page for reading without a connection
        navigator.serviceWorker.ready.then(function (registration) {
          if (registration.active) registration.active.postMessage({ type: "keep", url: window.location.href });
        });
      }
    });
  }

  // ---------------------------------------------------------------- "Meine Angebote"
  var page = document.querySelector("[data-saved-page]");
  if (page) {
    if (page.hasAttribute("data-empty-link")) {
      var ids = savedIds();
      if (ids.length) {
        window.location.replace(window.location.pathname + "?ids=" + ids.join(","));
        return;
      }
    }
    var print = page.querySelector(".js-print");
    if (print) {
      show(print);
      print.addEventListener("click", function () { window.print(); });
    }
    var link = page.querySelector(".share__url");
    if (link) link.addEventListener("focus", function () { link.select(); });
  }
})();
