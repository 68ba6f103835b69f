// Progressive enhancement for the search page: the page works without this file (GET form).
//  - a ticked filter or a new sort order updates the results and facets in place: the same URL is
//    fetched, the filter panel and the result list are swapped, the address bar gets the new URL
//    (history.pushState; back/forward fetch again), focus and scroll position stay where they were;
//  - on a phone the filters open as a sheet with an "N Angebote anzeigen" button;
//  - long facets get a box that narrows their list;
//  - on a phone a list/map switch shows one of the two.
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  if (!form || !window.fetch || !window.DOMParser || !window.history.pushState) return;
  var phone = window.matchMedia("(max-width: 760px)");
  var details = form.querySelector(".filters__toggle");
  var sequence = 0;
  form.classList.add("search--live");

  function formUrl() {
    var params = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled) return;
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
      if (el.type === "submit" || el.type === "button") return;
      if ((el.name === "q" || el.name === "near") && !el.value.trim()) return;  // short shared URLs
      if (el.name === "sort" && el.selectedIndex === 0) return;  // the default order
      params.append(el.name, el.value);
    });
    var query = params.toString();
    return form.getAttribute("action") + (query ? "?" + query : "");
  }

  function swap(fresh, selector) {
    var old = document.querySelector(selector), neu = fresh.querySelector(selector);
    if (!old || !neu) return false;
    old.innerHTML = neu.innerHTML;
    return true;
  }

  function load(url, push) {
    var mine = ++sequence;
    var focused = document.activeElement;
    var focusedId = focused && focused !== document.body ? focused.id : "";
    var anchorTop = focusedId ? focused.getBoundingClientRect().top : null;
    var filterTexts = {};
    form.querySelectorAll(".facet__filter input").forEach(function (input) {
      filterTexts[input.getAttribute("data-facet")] = input.value;
    });
    var results = document.getElementById("results");
    results.setAttribute("aria-busy", "true");
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        return r.text();
      })
      .then(function (html) {
        if (mine !== sequence) return;
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var x = window.scrollX, y = window.scrollY;
        var summary = fresh.querySelector(".filters__toggle > summary");
        if (!swap(fresh, "#filters-body") || !swap(fresh, "#results")) { window.location.href = url; return; }
        if (summary && details) details.querySelector("summary").innerHTML = summary.innerHTML;
        var title = fresh.querySelector("title");
        if (title) document.title = title.textContent;
        if (push) window.history.pushState({ search: true }, "", url);
        var map = document.querySelector("[data-points-url]");
        var freshMap = fresh.querySelector("[data-points-url]");
        if (map && freshMap) {
          map.setAttribute("data-points-url", freshMap.getAttribute("data-points-url"));
          map.dispatchEvent(new CustomEvent("wegweiser:points-url"));
        }
        enhanceFacets(filterTexts);
        enhanceViewSwitch();
        window.scrollTo(x, y);
        var again = focusedId && document.getElementById(focusedId);
        if (again) {
          again.focus({ preventScroll: true });
          // keep what the person just touched at the same place on the screen
          var delta = again.getBoundingClientRect().top - anchorTop;
          var sheet = details && details.open && getComputedStyle(details).position === "fixed";
          if (Math.abs(delta) > 1) {
            if (sheet) details.scrollTop += delta;
            else window.scrollBy(0, delta);
          }
        }
        document.dispatchEvent(new CustomEvent("wegweiser:results-updated"));
      })
      .catch(function () { if (mine === sequence) window.location.href = url; })
      .then(function () { results.removeAttribute("aria-busy"); });
  }

  form.addEventListener("change", function (event) {
    if (event.target.matches(".facet__values input, #sort")) load(formUrl(), true);
  });
  // "Mein Standort": only when pressed, ask the browser for its position and search near it.
  var locate = form.querySelector(".locate-me");
  if (locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      var label = locate.textContent;
      locate.disabled = true;
      locate.textContent = locate.getAttribute("data-locating");
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.elements.near.value = pos.coords.latitude.toFixed(5) + "," + pos.coords.longitude.toFixed(5);
        form.submit();
      }, function () {
        locate.disabled = false;
        locate.textContent = label;
        window.alert(locate.getAttribute("data-failed"));
      }, {enableHighAccuracy: false, timeout: 10000, maximumAge: 60000});
    });
  }
  form.addEventListener("submit", function (event) {
    var by = event.submitter;
    if (!by || !by.closest(".filters, .results__tools")) return;  // a new search text: a normal page load
    event.preventDefault();
    if (by.classList.contains("filters__apply") && phone.matches && details) {
      details.removeAttribute("open");  // the sheet's "N Angebote anzeigen": results are already there
      document.getElementById("results-heading").focus({ preventScroll: false });
      return;
    }
    load(formUrl(), true);
  });
  window.addEventListener("popstate", function () { load(window.location.href, false); });

  // ------------------------------------------------------------------ long facets: a filter box
  function enhanceFacets(texts) {
    var label = details ? details.getAttribute("data-filter-label") : "";
    form.querySelectorAll(".facet").forEach(function (fieldset) {
      var values = fieldset.querySelectorAll(".facet__value");
      if (values.length <= 10 || fieldset.querySelector(".facet__filter")) return;
      var param = fieldset.getAttribute("data-facet");
      var id = "facet-filter-" + param;
      var box = document.createElement("p");
      box.className = "facet__filter";
      var lab = document.createElement("label");
      lab.setAttribute("for", id);
      lab.textContent = label;
      var input = document.createElement("input");
      input.type = "search";
      input.id = id;
      input.setAttribute("data-facet", param);
      input.setAttribute("autocomplete", "off");
      // not part of the search: no name, so it never lands in the URL
      box.appendChild(lab);
      box.appendChild(input);
      var legend = fieldset.querySelector("legend");
      legend.parentNode.insertBefore(box, legend.nextSibling);
      function narrow() {
        var needle = input.value.trim().toLocaleLowerCase();
        values.forEach(function (li) {
          var hit = !needle || li.textContent.toLocaleLowerCase().indexOf(needle) >= 0;
          li.hidden = !hit && !li.querySelector("input:checked");
        });
      }
      input.addEventListener("input", narrow);
      input.addEventListener("keydown", function (e) { if (e.key === "Enter") e.preventDefault(); });
      if (texts && texts[param]) { input.value = texts[param]; narrow(); }
    });
  }

  // ------------------------------------------------------------------ phone: list or map
  function showView(view) {
    var layout = form.querySelector(".search-layout");
    if (!layout) return;
    // attributes only changed when they differ: the first call on a parsed page changes nothing
    // and so costs no new layout
    if (layout.getAttribute("data-view") !== view) layout.setAttribute("data-view", view);
    form.querySelectorAll(".view-switch__option").forEach(function (a) {
      var current = a.getAttribute("data-view") === view;
      if (current && a.getAttribute("aria-current") !== "true") a.setAttribute("aria-current", "true");
      else if (!current && a.hasAttribute("aria-current")) a.removeAttribute("aria-current");
    });
    if (view === "map") window.dispatchEvent(new Event("resize"));  // the map measures itself again
  }
  function enhanceViewSwitch() {
    var layout = form.querySelector(".search-layout");
    showView(layout && layout.getAttribute("data-view") || "list");
  }
  form.addEventListener("click", function (event) {
    var option = event.target.closest(".view-switch__option");
    if (!option || !phone.matches) return;
    event.preventDefault();
    showView(option.getAttribute("data-view"));
  });

  // On a phone start with the filter sheet closed.
  if (details && phone.matches) details.removeAttribute("open");
  enhanceFacets(null);
  enhanceViewSwitch();
})();
