/* Wegweiser widget loader: turns <div data-wegweiser-widget data-district="…"> into an iframe
   showing those offers, and sizes it to its content. Sets no cookies, sends nothing but the
   filters in the iframe's address. */
(function () {
  var script = document.currentScript;
  if (!script) return;
  var base = script.src.replace(/\/static\/js\/wegweiser-widget\.js(\?.*)?$/, "");
  var origin = new URL(base).origin;
  var LISTS = ["organization", "district", "challenge", "language", "target", "category"];
  var SINGLE = ["free", "limit", "accent", "title", "lang", "q"];
  var count = 0;
  document.querySelectorAll("[data-wegweiser-widget]").forEach(function (el) {
    if (el.getAttribute("data-wegweiser-ready")) return;
    el.setAttribute("data-wegweiser-ready", "1");
    var params = new URLSearchParams();
    LISTS.forEach(function (key) {
      var value = el.getAttribute("data-" + key);
      if (value) value.split(",").forEach(function (v) { if (v.trim()) params.append(key, v.trim()); });
    });
    SINGLE.forEach(function (key) {
      var value = el.getAttribute("data-" + key);
      if (value) params.append(key, value);
    });
    var frame = document.createElement("iframe");
    frame.name = "wegweiser-widget-" + (count++);
    frame.src = base + "/widget" + (params.toString() ? "?" + params.toString() : "");
    frame.title = el.getAttribute("data-title") || "Wegweiser Minden";
    frame.style.width = "100%";
    frame.style.border = "0";
    frame.style.height = (parseInt(el.getAttribute("data-height"), 10) || 480) + "px";
    frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
    el.appendChild(frame);
  });
  window.addEventListener("message", function (event) {
    if (event.origin !== origin || !event.data || !event.data.wegweiserWidget) return;
    var frame = document.getElementsByName(event.data.name)[0];
    var height = Number(event.data.height);
    if (frame && height > 0) frame.style.height = Math.min(Math.max(height, 120), 6000) + "px";
  });
})();
