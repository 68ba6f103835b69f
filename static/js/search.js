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
  // On small screens start with the filters folded away.
  var details = document.querySelector(".filters__toggle");
  if (details && window.matchMedia("(max-width: 760px)").matches) details.removeAttribute("open");
})();
