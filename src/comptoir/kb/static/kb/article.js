// Article page: print, and a full-screen reading mode (Escape or the button leaves it).
(function () {
  "use strict";
  var printButton = document.querySelector("[data-kb-print]");
  if (printButton) { printButton.addEventListener("click", function () { window.print(); }); }

  var button = document.querySelector("[data-kb-reading]");
  if (!button) { return; }
  var enterLabel = button.textContent;
  function set(on) {
    document.body.classList.toggle("kb-reading", on);
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.textContent = on ? button.dataset.exitLabel : enterLabel;
  }
  button.addEventListener("click", function () {
    var on = !document.body.classList.contains("kb-reading");
    set(on);
    var root = document.documentElement;
    if (on && root.requestFullscreen) {
      root.requestFullscreen().catch(function () { /* the reading mode works without it */ });
    } else if (!on && document.fullscreenElement && document.exitFullscreen) {
      document.exitFullscreen();
    }
    button.focus();
  });
  document.addEventListener("fullscreenchange", function () {
    if (!document.fullscreenElement && document.body.classList.contains("kb-reading")) { set(false); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && document.body.classList.contains("kb-reading")) { set(false); }
  });
})();
