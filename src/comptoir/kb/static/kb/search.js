// Knowledge base search box: a combobox with article suggestions from the third
// letter, driven by the keyboard (arrows, Enter, Escape) and the mouse.
(function () {
  "use strict";
  document.querySelectorAll("form[data-kb-search]").forEach(function (form) {
    var input = form.querySelector("[role=combobox]");
    var list = document.getElementById(input.getAttribute("aria-controls"));
    var status = document.getElementById(input.getAttribute("aria-describedby"));
    var min = parseInt(input.dataset.min || "3", 10);
    var timer = null;
    var sequence = 0;
    var active = -1;

    function options() { return Array.prototype.slice.call(list.querySelectorAll("[role=option]")); }
    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function highlight(index) {
      var all = options();
      all.forEach(function (option, i) { option.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (index >= 0 && all[index]) {
        input.setAttribute("aria-activedescendant", all[index].id);
        all[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
    function open(url) { window.location.assign(url); }
    function letters() { return input.value.replace(/\s+/g, "").length; }

    function refresh() {
      var query = input.value.trim();
      if (letters() < min) {
        sequence += 1;
        close();
        list.innerHTML = "";
        status.textContent = input.dataset.shortMessage;
        return;
      }
      var mine = ++sequence;
      fetch(input.dataset.suggestUrl + "?q=" + encodeURIComponent(query), { headers: { "X-Requested-With": "fetch" } })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) {
          if (mine !== sequence) { return; }  // a later keystroke already asked again
          list.innerHTML = html;
          var count = options().length;
          var note = list.querySelector("[data-status]");
          status.textContent = count ? count + " \u2193" : (note ? note.textContent : "");
          if (count) {
            list.hidden = false;
            input.setAttribute("aria-expanded", "true");
            highlight(-1);
          } else {
            close();
          }
        })
        .catch(function () { close(); });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 150);
    });
    input.addEventListener("keydown", function (event) {
      var all = options();
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (list.hidden && all.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
        if (all.length) { highlight(active + 1 >= all.length ? 0 : active + 1); }
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (all.length) { highlight(active <= 0 ? all.length - 1 : active - 1); }
      } else if (event.key === "Enter") {
        if (!list.hidden && active >= 0 && all[active]) {
          event.preventDefault();
          open(all[active].dataset.url);
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) { event.preventDefault(); close(); } else { input.value = ""; }
      }
    });
    list.addEventListener("mousedown", function (event) { event.preventDefault(); });  // keep focus in the box
    list.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) { open(option.dataset.url); }
    });
    list.addEventListener("mousemove", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) { highlight(options().indexOf(option)); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  });
})();
