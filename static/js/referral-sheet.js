// Referral sheet: a print button. The first-name field belongs to no form and is never sent;
// it is emptied when the page is left, so it does not stay in the browser's form memory.
(function () {
  "use strict";
  var button = document.getElementById("print-sheet");
  if (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  }
  var name = document.getElementById("client-first-name");
  if (name) {
    window.addEventListener("pagehide", function () { name.value = ""; });
  }
})();
