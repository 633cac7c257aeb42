// New-ticket form: the related articles (and the requester's similar open tickets)
// follow the subject, description, products, themes and type, without a reload.
(function () {
  "use strict";
  var aside = document.getElementById("kb-related");
  if (!aside) { return; }
  var form = aside.parentElement.querySelector("form.ticket-form") || document.querySelector("form.ticket-form");
  if (!form) { return; }
  var timer = null;
  var sequence = 0;
  var last = null;

  function params() {
    var data = new URLSearchParams();
    function value(name) { var field = form.elements.namedItem(name); return field && field.value ? field.value : ""; }
    data.set("subject", value("subject"));
    var description = value("description");
    // The editor keeps HTML in the textarea; the server only needs the words.
    var scratch = document.createElement("div");
    scratch.innerHTML = description;
    data.set("description", (scratch.textContent || "").slice(0, 5000));
    data.set("type", value("type"));
    form.querySelectorAll("input[name=products]:checked").forEach(function (box) { data.append("products", box.value); });
    var themes = form.querySelector("select[name=themes]");
    if (themes) {
      Array.prototype.forEach.call(themes.options, function (option) { if (option.selected) { data.append("themes", option.value); } });
    }
    return data.toString();
  }

  function refresh() {
    var query = params();
    if (query === last) { return; }
    last = query;
    var mine = ++sequence;
    fetch(aside.dataset.url + "?" + query, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null || mine !== sequence) { return; }
        aside.innerHTML = html;
        aside.dataset.refreshed = String(mine);
      })
      .catch(function () { /* keep what is shown */ });
  }
  function later() { clearTimeout(timer); timer = setTimeout(refresh, 400); }

  ["input", "change", "click", "keyup"].forEach(function (name) { form.addEventListener(name, later); });
  refresh();
})();
