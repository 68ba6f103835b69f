// Progressive enhancement for the search page: the page works without this file.
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  if (!form) return;
  // Apply a filter as soon as it is ticked; the "apply" button stays for keyboard users.
  form.addEventListener("change", function (event) {
    var t = event.target;
    if (t.matches(".facet input, #sort")) {
      // drop empty text fields so shared URLs stay short
      ["q", "near"].forEach(function (name) {
        var input = form.elements[name];
        if (input && !input.value.trim()) input.disabled = true;
      });
      form.submit();
    }
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
  // On small screens start with the filters folded away.
  var details = document.querySelector(".filters__toggle");
  if (details && window.matchMedia("(max-width: 760px)").matches) details.removeAttribute("open");
})();
