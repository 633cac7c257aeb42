// Comptoir agent desk: small enhancements. Every form also works without it.
(function () {
  "use strict";

  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // Queue counts in the side navigation refresh themselves every minute.
  var nav = document.querySelector("[data-counts-url]");
  if (nav) {
    setInterval(function () {
      fetch(nav.dataset.countsUrl, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (counts) {
          if (!counts) { return; }
          Object.keys(counts).forEach(function (key) {
            var badge = nav.querySelector("[data-count='" + key + "']");
            if (badge) { badge.textContent = counts[key]; }
          });
        })
        .catch(function () { /* offline for a moment: the next tick tries again */ });
    }, 60000);
  }

  // The organisation filter suggests organisations as the agent types; choosing
  // one keeps only that one (by id). Without this, the typed text matches names.
  document.querySelectorAll("input[data-suggest-url]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var ids = document.getElementById(input.dataset.suggestIds);
    var timer = null;
    function choose() {
      var chosen = null;
      list.querySelectorAll("option").forEach(function (option) {
        if (option.value === input.value) { chosen = option; }
      });
      ids.textContent = "";
      if (chosen) {
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = "organisation";
        hidden.value = chosen.dataset.id;
        ids.appendChild(hidden);
      }
    }
    function suggest() {
      var text = input.value.trim();
      if (text.length < 2) { return; }
      fetch(input.dataset.suggestUrl + "?q=" + encodeURIComponent(text), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          list.textContent = "";
          data.results.forEach(function (org) {
            var option = document.createElement("option");
            option.value = org.name;
            option.dataset.id = org.id;
            list.appendChild(option);
          });
          choose();
        })
        .catch(function () { /* the typed text still filters by name */ });
    }
    input.addEventListener("input", function () {
      choose();
      clearTimeout(timer);
      timer = setTimeout(suggest, 200);
    });
  });

  // "Select every ticket of this page".
  document.querySelectorAll("[data-select-all]").forEach(function (all) {
    all.addEventListener("change", function () {
      var table = all.closest("table");
      table.querySelectorAll("input[name=ticket]").forEach(function (box) { box.checked = all.checked; });
    });
  });

  // Forms that undo work ask first.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });

  var form = document.querySelector("[data-reply-form]");
  if (!form) { return; }
  var editor = form.querySelector(".editor");
  var textarea = form.querySelector("textarea[name=body]");
  var send = form.querySelector("[data-send]");
  var warning = form.querySelector("[data-note-warning]");
  var saved = null;

  // Public reply or internal note: the form says which, in colour and in words.
  function applyMode() {
    var checked = form.querySelector("input[name=mode]:checked");
    var note = checked && checked.value === "note";
    form.classList.toggle("is-note", note);
    send.textContent = note ? form.dataset.labelNote : form.dataset.labelReply;
    if (warning) { warning.hidden = !note; }
  }
  form.querySelectorAll("input[name=mode]").forEach(function (radio) {
    radio.addEventListener("change", applyMode);
  });
  applyMode();

  // Where the caret was in the editor, so a link lands there.
  document.addEventListener("selectionchange", function () {
    var selection = window.getSelection();
    if (editor && selection.rangeCount && editor.contains(selection.anchorNode)) {
      saved = selection.getRangeAt(0).cloneRange();
    }
  });

  function insertHTML(html) {
    if (!editor) {
      textarea.value += html;
      return;
    }
    editor.focus();
    var selection = window.getSelection();
    if (saved) {
      selection.removeAllRanges();
      selection.addRange(saved);
    } else {
      var range = document.createRange();
      range.selectNodeContents(editor);
      range.collapse(false);
      selection.removeAllRanges();
      selection.addRange(range);
    }
    document.execCommand("insertHTML", false, html);
    editor.dispatchEvent(new Event("input"));
  }

  function setSelect(name, value) {
    var select = form.querySelector("select[name=" + name + "]");
    if (select && value !== "") { select.value = value; }
  }

  // Macros: the text, filled for this ticket, goes into the editor; the
  // changes it carries are chosen in the form, to be applied on sending.
  var apply = document.querySelector("[data-apply-macro]");
  if (apply) {
    apply.addEventListener("click", function (event) {
      var select = document.getElementById("macro-select");
      var template = select.value && document.getElementById("macro-" + select.value);
      if (!template) { return; }
      event.preventDefault();
      insertHTML(template.innerHTML);
      var mode = form.querySelector("input[name=mode][value=" + template.dataset.mode + "]");
      if (mode) { mode.checked = true; applyMode(); }
      setSelect("then_status", template.dataset.status);
      setSelect("set_type", template.dataset.type);
      setSelect("set_priority", template.dataset.priority);
      setSelect("set_group", template.dataset.group);
    });
  }

  // Related articles: a link into the reply.
  document.querySelectorAll("[data-insert-link]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var link = document.createElement("a");
      link.textContent = button.dataset.title;
      link.setAttribute("href", button.dataset.insertLink);
      insertHTML(" " + link.outerHTML + " ");
    });
  });

  // Collision notice: who else has this ticket open or is typing, and whether
  // a message arrived since the page was loaded.
  var presence = document.getElementById("presence");
  var lastTyped = 0;
  if (editor) { editor.addEventListener("input", function () { lastTyped = Date.now(); }); }
  if (textarea) { textarea.addEventListener("input", function () { lastTyped = Date.now(); }); }
  function lines(data) {
    var out = data.others.map(function (other) {
      var template = other.typing ? presence.dataset.typing : presence.dataset.viewing;
      return template.replace("__NAME__", other.name);
    });
    if (data.newer.length) { out.push(presence.dataset.newer); }
    return out;
  }
  var shown = "";
  function tick() {
    var body = new URLSearchParams();
    body.set("typing", Date.now() - lastTyped < 15000 ? "1" : "0");
    body.set("seen", presence.dataset.seen);
    fetch(presence.dataset.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf() },
      body: body,
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var text = lines(data);
        if (text.join("\n") === shown) { return; }
        shown = text.join("\n");
        presence.innerHTML = "";
        text.forEach(function (line) {
          var p = document.createElement("p");
          p.textContent = line;
          presence.appendChild(p);
        });
      })
      .catch(function () { /* try again at the next tick */ });
  }
  if (presence) {
    shown = Array.from(presence.querySelectorAll("p")).map(function (p) { return p.textContent; }).join("\n");
    setInterval(tick, 10000);
    // The first keystroke is told at once; the rest with the regular ticks.
    if (editor) { editor.addEventListener("input", function () { setTimeout(tick, 0); }, { once: true }); }
  }
})();
