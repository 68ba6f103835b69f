/* Inside the widget iframe: tell the embedding page how tall the content is (only a number). */
(function () {
  if (window.parent === window) return;
  function send() {
    window.parent.postMessage({ wegweiserWidget: true, name: window.name,
      height: Math.ceil(document.documentElement.getBoundingClientRect().height) }, "*");
  }
  window.addEventListener("load", send);
  window.addEventListener("resize", send);
})();
